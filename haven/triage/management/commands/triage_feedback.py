"""``haven triage-feedback``: the team's verdicts on signals as an evaluation of the classifier —
precision and false-alarm rate per category, per monitoring tool, and the dismissal reasons — as
JSON. ``--district SLUG`` and ``--days N`` narrow it."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone


class Command(BaseCommand):
    help = "Precision per category from reviewed signals (confirmed or dismissed), as JSON."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--district", help="the district's slug (default: every district)")
        parser.add_argument("--days", type=int, help="only signals reviewed in the last N days")

    def handle(self, *args: Any, **options: Any) -> None:
        from haven.core.models import District
        from haven.triage.models import Signal
        from haven.triage.services import feedback_report

        filters: dict[str, Any] = {"queryset": Signal.objects.all()}
        if options["district"]:
            district = District.objects.filter(slug=options["district"]).first()
            if district is None:
                raise CommandError(f"no district {options['district']!r}")
            filters["district"] = district
        if options["days"] is not None:
            if options["days"] < 1:
                raise CommandError("--days must be at least 1")
            filters["since"] = timezone.now() - timedelta(days=options["days"])
        self.stdout.write(json.dumps(feedback_report(None, **filters), ensure_ascii=False))
