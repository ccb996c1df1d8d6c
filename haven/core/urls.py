from django.urls import path

from haven.core import views

app_name = "core"
urlpatterns = [
    path("students/", views.students, name="students"),
    path("students/<int:pk>/", views.student_detail, name="student"),
    path("classes/", views.sections, name="sections"),
    path("classes/<int:pk>/", views.section_detail, name="section"),
]
