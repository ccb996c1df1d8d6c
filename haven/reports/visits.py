"""The front desk's report: visits per day, school and reason; how long visitors stay; screening
alerts and what the desk decided; visitors refused; volunteer hours.

Aggregates only. A visit's reason is counted under one of the reasons the desk and the kiosk
offer (in any of the site's languages); anything the desk wrote itself is counted as "written by
the desk", never shown. Volunteer hours are the volunteers app's own arithmetic
(:mod:`haven.volunteers.hours`: an open visit counts nothing yet, an absurdly long one counts the
cap and is flagged, a visit not admitted counts nothing), so the report and the coordinator's page
agree to the hundredth.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import Avg, Count, F, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone, translation

from haven.access import policy
from haven.reports.filters import Filters
from haven.reports.stats import Minutes
from haven.visitors.forms import PURPOSES
from haven.visitors.models import Outcome, Visit
from haven.volunteers import hours
from haven.volunteers.models import VolunteerVisit

if TYPE_CHECKING:
    from haven.accounts.models import User

#: The key of a reason the desk wrote itself (counted, never shown).
WRITTEN = "written_by_desk"


def reason_keys() -> list[str]:
    """The offered reasons' keys: their English text."""
    with translation.override("en"):
        return [str(p) for p in PURPOSES]


def reasons() -> dict[str, str]:
    """Each offered reason, in every language of the site -> its key."""
    keys = reason_keys()
    found: dict[str, str] = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            for purpose, key in zip(PURPOSES, keys, strict=True):
                found.setdefault(str(purpose), key)
    return found


def visits_in_scope(user: User, filters: Filters) -> QuerySet[Visit]:
    qs = Visit.objects.filter(policy.report_q(user, "visits", "school"))
    if filters.school is not None:
        qs = qs.filter(school=filters.school)
    return qs.filter(checked_in_at__gte=filters.start, checked_in_at__lt=filters.end).order_by()


def visit_report(user: User, filters: Filters) -> dict[str, Any]:
    """The front desk's figures for ``filters`` (see docs/reports.md)."""
    visits = visits_in_scope(user, filters)
    alert = ~Q(outcome=Outcome.CLEAR)
    totals = visits.aggregate(
        total=Count("pk"),
        visitors=Count("pk", filter=Q(kind=Visit.Kind.VISITOR)),
        volunteers=Count("pk", filter=Q(kind=Visit.Kind.VOLUNTEER)),
        at_kiosk=Count("pk", filter=Q(at_kiosk=True)),
        refused=Count("pk", filter=Q(status=Visit.Status.REFUSED)),
        alerts=Count("pk", filter=alert),
        possible_match=Count("pk", filter=Q(outcome=Outcome.REVIEW)),
        match=Count("pk", filter=Q(outcome=Outcome.MATCH)),
        registry_alerts=Count(
            "pk", filter=alert & Q(screening__outcome__in=[Outcome.REVIEW, Outcome.MATCH])
        ),
        still_on_site=Count("pk", filter=Q(status__in=Visit.PRESENT)),
        **{
            f"answer_{a}": Count("pk", filter=alert & Q(review_answer=a))
            for a in Visit.Answer.values
        },
        **{f"decision_{a}": Count("pk", filter=alert & Q(decision=a)) for a in Visit.Answer.values},
    )
    tz = timezone.get_current_timezone()
    by_day: dict[str, int] = {}
    by_school: dict[str, int] = {}
    by_day_school: list[dict[str, Any]] = []
    for row in (
        visits.annotate(day=TruncDate("checked_in_at", tzinfo=tz))
        .values("day", "school__slug")
        .annotate(n=Count("pk"))
        .order_by("day", "school__slug")
    ):
        day = row["day"].isoformat()
        by_day[day] = by_day.get(day, 0) + row["n"]
        by_school[row["school__slug"]] = by_school.get(row["school__slug"], 0) + row["n"]
        by_day_school.append({"day": day, "school": row["school__slug"], "count": row["n"]})

    known = reasons()
    by_reason = dict.fromkeys(reason_keys(), 0)
    by_reason[WRITTEN] = 0
    for row in visits.values("purpose").annotate(n=Count("pk")).order_by():
        key = known.get(row["purpose"].strip(), WRITTEN)
        by_reason[key] += row["n"]

    stay = Minutes(F("checked_out_at"), F("checked_in_at"))
    stayed = visits.filter(checked_out_at__isnull=False, checked_out_at__gte=F("checked_in_at"))
    stay_all = stayed.aggregate(n=Count("pk"), minutes=Avg(stay))
    stay_by_school = {
        row["school__slug"]: _stay(row)
        for row in stayed.values("school__slug")
        .annotate(n=Count("pk"), minutes=Avg(stay))
        .order_by("school__slug")
    }

    links = VolunteerVisit.objects.filter(policy.report_q(user, "visits", "visit__school"))
    if filters.school is not None:
        links = links.filter(visit__school=filters.school)
    found = hours.rows(hours.in_range(links, filters.first, filters.last))
    per_school = hours.totals(found, "school")
    slugs = {s.pk: s.slug for s in filters.schools}
    volunteer_hours = {
        slugs.get(t.key, str(t.key)): {
            "visits": t.visits,
            "hours": str(t.hours),
            "open": t.open,
            "flagged": t.flagged,
        }
        for t in sorted(per_school, key=lambda t: slugs.get(t.key, ""))
    }
    total_hours = sum((t.hours for t in per_school), Decimal("0.00"))

    return {
        "filters": filters.describe(),
        "total": totals["total"],
        "visitors": totals["visitors"],
        "volunteers": totals["volunteers"],
        "at_kiosk": totals["at_kiosk"],
        "still_on_site": totals["still_on_site"],
        "by_day": by_day,
        "by_school": by_school,
        "by_day_school": by_day_school,
        "by_reason": by_reason,
        "average_stay": _stay(stay_all),
        "average_stay_by_school": stay_by_school,
        "screening": {
            "alerts": totals["alerts"],
            "possible_match": totals["possible_match"],
            "match": totals["match"],
            "registry": totals["registry_alerts"],
            "watchlist_only": totals["alerts"] - totals["registry_alerts"],
            "desk_answers": {a: totals[f"answer_{a}"] for a in Visit.Answer.values},
            "escalated_decisions": {a: totals[f"decision_{a}"] for a in Visit.Answer.values},
        },
        "refused": totals["refused"],
        "volunteer_hours": volunteer_hours,
        "volunteer_hours_total": str(total_hours),
    }


def _stay(row: dict[str, Any]) -> dict[str, Any]:
    minutes = row["minutes"]
    return {"n": row["n"], "average_minutes": None if minutes is None else round(minutes, 1)}
