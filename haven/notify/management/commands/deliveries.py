"""``haven deliveries``: what the outbox still owes (pending, being sent) or gave up on (failed),
oldest first, and the alert deliveries (Web Push, webhooks) still pending or failed.

* ``--all`` lists delivered rows too; ``--limit N`` lists at most N rows of each (default 50).
* ``--retry`` puts every failed outbox row back in line; ``--sweep`` delivers what is due now,
  in this process (as the worker's loop does every few seconds).

No text of a notification is printed: only kinds, keys (record ids), states and errors."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db.models import Count
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

from haven.notify import outbox
from haven.notify.models import Outbox
from haven.notify.worker import heartbeat_age


class Command(BaseCommand):
    help = "Show deliveries pending or failed (the outbox), retry failed ones, or sweep now."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--all", action="store_true", help="list delivered rows too")
        parser.add_argument("--limit", type=int, default=50)
        parser.add_argument("--retry", action="store_true", help="retry every failed delivery")
        parser.add_argument("--sweep", action="store_true", help="deliver what is due now")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        if options["retry"]:
            self.stdout.write(f"{outbox.retry_failed()} failed deliveries put back in line.")
        if options["sweep"]:
            self.stdout.write(f"{outbox.sweep()} deliveries delivered now.")
        counts = dict(
            Outbox.objects.values("status").annotate(n=Count("pk")).values_list("status", "n")
        )
        summary = ", ".join(f"{counts.get(s, 0)} {s}" for s in Outbox.Status.values)
        self.stdout.write(f"Outbox: {summary}.")
        age = heartbeat_age()
        self.stdout.write(
            "Worker: never seen." if age is None else f"Worker: last heartbeat {age:.0f} s ago."
        )
        rows = Outbox.objects.order_by("created_at")
        if not options["all"]:
            rows = rows.exclude(status=Outbox.Status.DONE)
        limit = max(1, options["limit"])
        now = timezone.now()
        for row in rows[:limit]:
            waited = (now - row.created_at).total_seconds()
            line = (
                f"{row.pk:>8}  {row.status:<8} {row.kind:<14} {row.key:<40} "
                f"attempts={row.attempts} age={waited:.0f}s"
            )
            if row.status == Outbox.Status.PENDING and row.next_attempt_at > now:
                line += f" next_in={(row.next_attempt_at - now).total_seconds():.0f}s"
            if row.last_error:
                line += f"  error: {row.last_error}"
            self.stdout.write(line)
        self._alert_deliveries(options["all"], limit)

    def _alert_deliveries(self, everything: bool, limit: int) -> None:
        autodiscover_modules("tasks")  # where other apps register their reports
        for report in outbox.reports():
            for line in report(everything, limit):
                self.stdout.write(line)
