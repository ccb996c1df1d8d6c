"""Triage's pages, mounted at /triage/."""

from django.urls import path

from haven.triage import views

app_name = "triage"
urlpatterns = [
    path("review/", views.review, name="review"),
    path("team/", views.team, name="team"),
    path("signals/<int:pk>/", views.signal, name="signal"),
    path("signals/<int:pk>/confirm/", views.confirm, name="confirm"),
    path("signals/<int:pk>/dismiss/", views.dismiss, name="dismiss"),
    path("quality/", views.quality, name="quality"),
    path("settings/", views.district_settings, name="settings"),
]
