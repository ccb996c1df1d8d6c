"""Routes of the volunteers app. The coordinator's pages are in ``urlpatterns``, mounted at
/volunteers/; the public application is in ``public_urlpatterns``, mounted at /volunteer/."""

from django.urls import path

from haven.volunteers import public_views, views

app_name = "volunteers"
urlpatterns = [
    path("", views.volunteer_list, name="list"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/approve/", views.approve, name="approve"),
    path("<int:pk>/decline/", views.decline, name="decline"),
    path("<int:pk>/screen/", views.rescreen, name="rescreen"),
    path("<int:pk>/check/", views.record_check, name="check"),
    path("<int:pk>/training/", views.record_training, name="record_training"),
    path("<int:pk>/sign-up-link/", views.signup_link, name="signup_link"),
    path("opportunities/", views.opportunities, name="opportunities"),
    path("opportunities/<int:pk>/", views.opportunity, name="opportunity"),
    path("opportunities/<int:pk>/sign-up/", views.sign_up, name="sign_up"),
    path("opportunities/<int:pk>/cancel/", views.cancel_opportunity, name="cancel_opportunity"),
    path("sign-ups/<int:pk>/cancel/", views.cancel_sign_up, name="cancel_sign_up"),
    path("training/", views.training, name="training"),
    path("training/<int:pk>/", views.change_training, name="change_training"),
    path("hours/", views.hours_report, name="hours"),
    path("hours.csv", views.hours_export, name="hours_export"),
]

public_urlpatterns = [
    path("apply/<slug:slug>/", public_views.apply, name="apply"),
    path("shifts/", public_views.shifts, name="shifts"),
]
