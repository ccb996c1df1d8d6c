from django.urls import path

from haven.accounts import views

app_name = "accounts"
urlpatterns = [
    path("sign-in/", views.sign_in, name="login"),
    path("sign-in/code/", views.verify, name="verify"),
    path("sign-in/set-up/", views.enroll, name="enroll"),
    path("sign-out/", views.sign_out, name="logout"),
    path("school/", views.switch_school, name="switch_school"),
]
