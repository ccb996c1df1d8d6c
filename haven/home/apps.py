from django.apps import AppConfig


class HomeConfig(AppConfig):
    name = "haven.home"
    label = "home"
    verbose_name = "Home"

    def ready(self) -> None:
        from haven.home import nav  # noqa: F401 - registers the navigation's counts
