from django.apps import AppConfig


class EmergenciesConfig(AppConfig):
    name = "haven.emergencies"
    label = "emergencies"
    verbose_name = "Emergencies"

    def ready(self) -> None:
        # The alert deliveries' Huey tasks, the outbox handler ("alert.notify") and the sweep live
        # in alerts/tasks.py, where neither Huey nor the outbox looks for them (they load each
        # app's top-level `tasks` module): register them in every process.
        from haven.emergencies.alerts import tasks  # noqa: F401
