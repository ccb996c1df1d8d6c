from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "haven.notify"
    label = "notify"
