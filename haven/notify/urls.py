from django.urls import path

from haven.notify import views

app_name = "notify"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("read/", views.mark_read, name="mark_read"),
    path("unread.json", views.unread_count, name="unread"),
]
