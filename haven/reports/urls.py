from django.urls import path

from haven.reports import views

app_name = "reports"

urlpatterns = [
    path("", views.index, name="index"),
    path("public/<slug:district>/", views.public, name="public"),
    path("<slug:area>/", views.report, name="report"),
    path("<slug:area>/report.pdf", views.report_pdf, name="pdf"),
    path("<slug:area>/<slug:table>.csv", views.table_csv, name="csv"),
]
