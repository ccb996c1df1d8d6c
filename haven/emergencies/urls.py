from django.urls import path

from haven.emergencies import views

app_name = "emergencies"
urlpatterns = [
    path("", views.incident_list, name="list"),
    path("raise/", views.raise_incident, name="raise"),
    path("<int:pk>/", views.incident_detail, name="detail"),
    path("<int:pk>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("<int:pk>/update/", views.update, name="update"),
    path("<int:pk>/all-clear/", views.all_clear, name="all_clear"),
    path("<int:pk>/cap.xml", views.cap_xml, name="cap"),
    path("push/subscribe", views.push_subscribe, name="push_subscribe"),
    path("push/unsubscribe", views.push_unsubscribe, name="push_unsubscribe"),
]
