from django.urls import path

from haven.emergencies.alerts import views
from haven.emergencies.drills import views as drill_views
from haven.emergencies.reunification import views as reunification_views
from haven.emergencies.roll_call import views as roll_call_views

app_name = "emergencies"
urlpatterns = [
    path("", views.incident_list, name="list"),
    path("raise/", views.raise_incident, name="raise"),
    path("<int:pk>/", views.incident_detail, name="detail"),
    path("<int:pk>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("<int:pk>/update/", views.update, name="update"),
    path("<int:pk>/all-clear/", views.all_clear, name="all_clear"),
    path("<int:pk>/cap.xml", views.cap_xml, name="cap"),
    path("<int:pk>/roll-call/", roll_call_views.roll_call, name="roll_call"),
    path(
        "<int:pk>/roll-call/<int:section>/",
        roll_call_views.roll_call_section,
        name="roll_call_section",
    ),
    path("<int:pk>/accountability/", roll_call_views.accountability_page, name="accountability"),
    path(
        "<int:pk>/accountability.json",
        roll_call_views.accountability_json,
        name="accountability_json",
    ),
    path("<int:pk>/visitors/", roll_call_views.visitors, name="visitors"),
    path("<int:pk>/report.pdf", drill_views.report_pdf, name="report_pdf"),
    path("<int:pk>/report.csv", drill_views.report_csv, name="report_csv"),
    path("<int:pk>/reunification/", reunification_views.board, name="reunification"),
    path(
        "<int:pk>/reunification/board.json",
        reunification_views.board_json,
        name="reunification_board",
    ),
    path(
        "<int:pk>/reunification/check-in/",
        reunification_views.check_in,
        name="reunification_check_in",
    ),
    path(
        "<int:pk>/reunification/requests/<int:request_id>/",
        reunification_views.request_detail,
        name="reunification_request",
    ),
    path(
        "<int:pk>/reunification/requests/<int:request_id>/runner/",
        reunification_views.send_runner,
        name="reunification_runner",
    ),
    path(
        "<int:pk>/reunification/requests/<int:request_id>/release/",
        reunification_views.release,
        name="reunification_release",
    ),
    path(
        "<int:pk>/reunification/requests/<int:request_id>/refuse/",
        reunification_views.refuse,
        name="reunification_refuse",
    ),
    path("push/subscribe", views.push_subscribe, name="push_subscribe"),
    path("push/unsubscribe", views.push_unsubscribe, name="push_unsubscribe"),
    path("drills/", drill_views.drill_list, name="drills"),
    path("drills/schedule/", drill_views.schedule, name="drill_schedule"),
    path("drills/log/", drill_views.log_off_system, name="drill_log_off_system"),
    path("drills/compliance/", drill_views.compliance, name="drill_compliance"),
    path("drills/calendar.ics", drill_views.calendar, name="drill_calendar"),
    path("drills/<int:pk>/", drill_views.drill_detail, name="drill"),
    path("drills/<int:pk>/start/", drill_views.start, name="drill_start"),
    path("drills/<int:pk>/log/", drill_views.log, name="drill_log"),
    path("drills/<int:pk>/cancel/", drill_views.cancel, name="drill_cancel"),
]
