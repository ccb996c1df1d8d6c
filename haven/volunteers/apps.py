from django.apps import AppConfig


class VolunteersConfig(AppConfig):
    name = "haven.volunteers"
    label = "volunteers"
    verbose_name = "Volunteers"

    def ready(self) -> None:
        # The front desk checks a volunteer in through the visitors' services, which ask this
        # app whether the volunteer is eligible (visitors sits below volunteers).
        from haven.visitors.services import checkin
        from haven.volunteers import services

        checkin.VOLUNTEERS[:] = [services]
