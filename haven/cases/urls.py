"""The staff's case pages, mounted at /cases/."""

from django.urls import path

from haven.cases.views import assessment, equity, manage, observations, pages, plan

app_name = "cases"
urlpatterns = [
    path("", pages.case_list, name="list"),
    path("refer/", pages.refer, name="refer"),
    path("refer/sent/", pages.referred, name="referred"),
    path("referrals/", pages.referral_inbox, name="referrals"),
    path("referrals/<int:referral>/dismiss/", pages.dismiss, name="dismiss"),
    path("new/", pages.new_case, name="new"),
    path("equity/", equity.equity, name="equity"),
    path("<int:pk>/", pages.case, name="case"),
    path("<int:pk>/export.pdf", pages.export_pdf, name="export"),
    path("<int:pk>/edit/", manage.update, name="update"),
    path("<int:pk>/team/", manage.team, name="team"),
    path("<int:pk>/timeline/", manage.timeline, name="timeline"),
    path("<int:pk>/documents/<int:document>/", manage.document, name="document"),
    path("<int:pk>/documents/<str:part>/", manage.add_document, name="add_document"),
    path("<int:pk>/notes/<str:part>/", pages.add_note, name="add_note"),
    path("<int:pk>/notes/<int:note>/publish/", pages.publish, name="publish"),
    path("<int:pk>/break-glass/<str:part>/", pages.break_glass, name="break_glass"),
    path("<int:pk>/messages/", pages.post_message, name="message"),
    path("<int:pk>/tasks/", pages.add_task, name="add_task"),
    path("<int:pk>/tasks/<int:task>/done/", pages.complete_task, name="complete_task"),
    path("<int:pk>/assessments/start/", assessment.start, name="start_assessment"),
    path("<int:pk>/assessments/<int:assessment>/", assessment.detail, name="assessment"),
    path(
        "<int:pk>/assessments/<int:assessment>/steps/<slug:step>/",
        assessment.save_step,
        name="save_step",
    ),
    path(
        "<int:pk>/assessments/<int:assessment>/steps/<slug:step>/reopen/",
        assessment.reopen_step,
        name="reopen_step",
    ),
    path(
        "<int:pk>/assessments/<int:assessment>/actions/<int:item>/",
        assessment.settle,
        name="settle_action",
    ),
    path("<int:pk>/screening/", observations.screening, name="screening"),
    path("<int:pk>/pathway/", observations.pathway_page, name="pathway"),
    path("<int:pk>/plan/", plan.detail, name="plan"),
    path("<int:pk>/plan/items/", plan.add_item, name="add_plan_item"),
    path("<int:pk>/plan/items/<int:item>/", plan.settle_item, name="settle_plan_item"),
    path("<int:pk>/plan/reviews/", plan.schedule, name="schedule_review"),
    path("<int:pk>/plan/reviews/<int:review>/", plan.record_review, name="record_review"),
    path("<int:pk>/close/", plan.close, name="close"),
    path("<int:pk>/reopen/", plan.reopen, name="reopen"),
]
