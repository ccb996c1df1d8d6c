"""How often triage is wrong, from the team's verdicts on signals.

* :func:`rates` — false-alarm rates per category, per school and per monitoring tool: of the
  signals reviewed, how many were dismissed as false alarms. A dismissal as "already known to the
  team" says the concern was real, so it is counted as dismissed but not as a false alarm.
* :func:`feedback_report` — the same verdicts as an evaluation of the classifier: precision per
  category (confirmed or already known, over reviewed) and the dismissal reasons, for
  ``haven triage-feedback`` and for deciding when to add examples to the training corpus.

A signal counts for every category it was flagged for. Only signals the user may see count.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet

from haven.access import policy
from haven.triage.models import CATEGORY_LABELS, NOT_FALSE_ALARM, DismissReason, Signal, Status

if TYPE_CHECKING:
    from haven.accounts.models import User


@dataclass
class Tally:
    """Verdicts on the signals of one category, school or tool."""

    key: str
    label: str
    reviewed: int = 0
    confirmed: int = 0
    dismissed: int = 0
    known: int = 0  # dismissed as already known: a real concern
    reasons: Counter = field(default_factory=Counter)

    @property
    def false_alarms(self) -> int:
        return self.dismissed - self.known

    @property
    def false_alarm_rate(self) -> float | None:
        return self.false_alarms / self.reviewed if self.reviewed else None

    @property
    def precision(self) -> float | None:
        return (self.confirmed + self.known) / self.reviewed if self.reviewed else None

    @property
    def percent(self) -> int | None:
        rate = self.false_alarm_rate
        return None if rate is None else round(rate * 100)

    def add(self, status: str, reason: str) -> None:
        self.reviewed += 1
        if status == Status.CONFIRMED:
            self.confirmed += 1
            return
        self.dismissed += 1
        self.reasons[reason] += 1
        if reason in NOT_FALSE_ALARM:
            self.known += 1

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "reviewed": self.reviewed,
            "confirmed": self.confirmed,
            "dismissed": self.dismissed,
            "already_known": self.known,
            "false_alarm_rate": _round(self.false_alarm_rate),
            "precision": _round(self.precision),
            "dismiss_reasons": dict(sorted(self.reasons.items())),
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


@dataclass
class Rates:
    by_category: list[Tally]
    by_school: list[Tally]
    by_source: list[Tally]
    overall: Tally


def reviewed(
    user: User | None,
    *,
    district: Any = None,
    since: datetime | None = None,
    queryset: QuerySet | None = None,
) -> QuerySet:
    """Reviewed signals ``user`` may see (or of ``queryset``, for the command line, which asks
    as no one: without a queryset, no one sees none)."""
    if queryset is not None:
        qs = queryset
    elif user is None:
        qs = Signal.objects.none()
    else:
        qs = policy.visible_to(user, Signal)
    qs = qs.exclude(status=Status.OPEN)
    if district is not None:
        qs = qs.filter(district=district)
    if since is not None:
        qs = qs.filter(reviewed_at__gte=since)
    return qs


def rates(user: User | None, **filters: Any) -> Rates:
    """False-alarm rates per category, school and tool (see the module documentation)."""
    categories = {c: Tally(c, str(label)) for c, label in CATEGORY_LABELS.items()}
    schools: dict[str, Tally] = {}
    sources: dict[str, Tally] = {}
    overall = Tally("all", "")
    rows = reviewed(user, **filters).values_list(
        "status", "dismiss_reason", "flagged", "school__name", "source"
    )
    for status, reason, flagged, school, source in rows.iterator():
        overall.add(status, reason)
        for name in flagged or []:
            if name in categories:
                categories[name].add(status, reason)
        schools.setdefault(school, Tally(school, school)).add(status, reason)
        sources.setdefault(source, Tally(source, source)).add(status, reason)

    def worst_first(tallies: Any) -> list[Tally]:
        return sorted(tallies, key=lambda t: (-(t.false_alarm_rate or 0), -t.reviewed, t.label))

    return Rates(
        by_category=worst_first(categories.values()),
        by_school=worst_first(schools.values()),
        by_source=worst_first(sources.values()),
        overall=overall,
    )


def feedback_report(user: User | None = None, **filters: Any) -> dict[str, Any]:
    """The team's verdicts as an evaluation of the classifier: per category, precision (confirmed
    or already known, over reviewed), false-alarm rate and the dismissal reasons."""
    figures = rates(user, **filters)
    return {
        "reviewed": figures.overall.reviewed,
        "overall": figures.overall.as_dict(),
        "categories": {t.key: t.as_dict() for t in figures.by_category if t.reviewed},
        "sources": {t.key: t.as_dict() for t in figures.by_source},
        "dismiss_reasons": {r: figures.overall.reasons.get(r, 0) for r in DismissReason.values},
    }
