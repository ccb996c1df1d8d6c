"""The training pages, mounted at /training/."""

from django.urls import path

from haven.training import views

app_name = "training"
urlpatterns = [
    path("", views.mine, name="mine"),
    path("modules/<slug:slug>/", views.module_page, name="module"),
    path("modules/<slug:slug>/<str:kind>/start/", views.start, name="start"),
    path("attempts/<int:pk>/", views.attempt, name="attempt"),
    path("transcript/", views.transcript, name="transcript"),
    path("people/<int:user_id>/", views.person, name="person"),
    path("certificates/<int:pk>.pdf", views.certificate, name="certificate"),
    path("external/", views.add_external, name="add_external"),
    path("external/<int:pk>/", views.external_file, name="external_file"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard.csv", views.dashboard_csv, name="dashboard_csv"),
    path("certification.pdf", views.certification_pdf, name="certification_pdf"),
    path("assignments/<int:pk>/extend/", views.extend, name="extend"),
    path("attendance/", views.attendance, name="attendance"),
]
