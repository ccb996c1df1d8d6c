from django.urls import path

from haven.accounts import people, views

app_name = "accounts"
urlpatterns = [
    path("sign-in/", views.sign_in, name="login"),
    path("sign-in/code/", views.verify, name="verify"),
    path("sign-in/set-up/", views.enroll, name="enroll"),
    path("sign-out/", views.sign_out, name="logout"),
    path("school/", views.switch_school, name="switch_school"),
    path("people/", people.people, name="people"),
    path("people/<int:pk>/enrolment-code/", people.enrol_code, name="enrol_code"),
    path("people/<int:pk>/reset/", people.reset_second_factor, name="reset_second_factor"),
]
