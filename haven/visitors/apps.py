from django.apps import AppConfig


class VisitorsConfig(AppConfig):
    name = "haven.visitors"
    label = "visitors"
    verbose_name = "Visitors"
