from django.core.management.base import BaseCommand, CommandError

from haven.core.demo import PASSWORD, SIGN_INS, DemoRefused
from haven.home import demo
from haven.tips.demo import DEMO_RECEIPT


class Command(BaseCommand):
    help = (
        "Load the demo district (idempotent): two schools, students, guardians, classes, sign-ins."
    )

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        try:
            counts = demo.load()
        except DemoRefused as exc:
            raise CommandError(str(exc)) from exc
        if options["verbosity"] == 0:
            return
        summary = ", ".join(f"{v} {k}" for k, v in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Demo district ready: {summary}."))
        self.stdout.write(f"Sign in as {', '.join(SIGN_INS)} with password '{PASSWORD}'.")
        self.stdout.write(f"Follow up a demo tip at /report/follow-up/ with {DEMO_RECEIPT}.")
