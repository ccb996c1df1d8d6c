from django.apps import AppConfig, apps


class TipsConfig(AppConfig):
    name = "haven.tips"
    label = "tips"

    def ready(self) -> None:
        from haven.core import crypto
        from haven.tips import receipts

        crypto.PEPPERED["receipt(s)"] = receipts.count_by_pepper
        # Imminent monitoring signals page whoever is on call for tips (triage sits below the
        # tip line and does not import it).
        if apps.is_installed("haven.triage"):
            from haven.tips import oncall
            from haven.triage.services import signals

            signals.use_rota(oncall)
