"""Routes of the tip line. The public pages (no sign-in) are in ``public_urlpatterns``, mounted at
/report/; the responders' pages are in ``urlpatterns``, mounted at /tips/."""

from django.urls import path

from haven.tips import public_views, views

app_name = "tips"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("<int:pk>/triaged/", views.triaged, name="triaged"),
    path("<int:pk>/close/", views.close, name="close"),
    path("<int:pk>/reopen/", views.reopen, name="reopen"),
    path("<int:pk>/message/", views.message, name="message"),
    path("<int:pk>/assign/", views.assign, name="assign"),
    path("<int:pk>/link/", views.link, name="link"),
    path("<int:pk>/contact/", views.reveal_contact, name="contact"),
    path("<int:pk>/hold/", views.legal_hold, name="hold"),
    path("<int:pk>/files/<str:token>/", views.download, name="download"),
    path("<int:pk>/group/acknowledge/", views.group_acknowledge, name="group_acknowledge"),
    path("<int:pk>/group/message/", views.group_message, name="group_message"),
    path("<int:pk>/group/close/", views.group_close, name="group_close"),
    path("<int:pk>/group/merge/", views.group_merge, name="group_merge"),
    path("<int:pk>/group/leave/", views.group_leave, name="group_leave"),
]

public_urlpatterns = [
    path("", public_views.report, name="report"),
    path("follow-up/", public_views.follow_up, name="follow_up"),
    path("<slug:school>/", public_views.report, name="report_school"),
]
