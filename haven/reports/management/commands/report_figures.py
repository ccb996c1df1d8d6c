from django.core.management.base import BaseCommand

from haven.reports import figures


class Command(BaseCommand):
    help = (
        "Rebuild the tip line's report figures from the tips (after a bulk load, a restore, or "
        "anything else that wrote tips without saving them one by one)."
    )

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        written = figures.rebuild()
        if options["verbosity"]:
            self.stdout.write(self.style.SUCCESS(f"Report figures rebuilt for {written} tips."))
