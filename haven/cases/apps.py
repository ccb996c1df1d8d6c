from django.apps import AppConfig, apps


class CasesConfig(AppConfig):
    name = "haven.cases"
    label = "cases"
    verbose_name = "Cases"

    def ready(self) -> None:
        # A confirmed triage signal opens a case through this app's own service (triage sits
        # below cases and does not import it).
        if apps.is_installed("haven.triage"):
            from haven.cases.services import open_from_signal
            from haven.triage.services import review

            review.use_case_opener(open_from_signal)
