from django.apps import AppConfig


class TipsConfig(AppConfig):
    name = "haven.tips"
    label = "tips"
