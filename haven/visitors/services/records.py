"""The visitor log (filters and CSV export), visitors a school expects, and saved visitors."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.access import policy
from haven.audit import services as audit
from haven.visitors.models import Person, PreRegistration, Visit
from haven.web import csv

if TYPE_CHECKING:
    from haven.accounts.models import User

MAX_EXPORT_ROWS = 50_000


@dataclass(frozen=True)
class LogFilter:
    start: dt.date | None = None
    end: dt.date | None = None
    status: str = ""
    outcome: str = ""
    kind: str = ""
    q: str = ""

    @property
    def used(self) -> list[str]:
        """The names of the filters in use (for the audit log: never their values)."""
        return [name for name, value in vars(self).items() if value]


def filtered(qs: QuerySet[Visit], f: LogFilter) -> QuerySet[Visit]:
    """The visits matching the filter; dates are the school's local days of check-in."""
    tz = timezone.get_current_timezone()
    if f.start:
        qs = qs.filter(checked_in_at__gte=dt.datetime.combine(f.start, dt.time.min, tzinfo=tz))
    if f.end:
        after = f.end + dt.timedelta(days=1)
        qs = qs.filter(checked_in_at__lt=dt.datetime.combine(after, dt.time.min, tzinfo=tz))
    if f.status:
        qs = qs.filter(status=f.status)
    if f.outcome:
        qs = qs.filter(outcome=f.outcome)
    if f.kind:
        qs = qs.filter(kind=f.kind)
    for word in f.q.split()[:5]:
        qs = qs.filter(
            Q(person__first_name__icontains=word)
            | Q(person__last_name__icontains=word)
            | Q(purpose__icontains=word)
            | Q(destination__icontains=word)
        )
    return qs.select_related("person", "host", "school", "checked_in_by").order_by(
        "-checked_in_at", "-pk"
    )


def export_csv(actor: User, school: Any, qs: QuerySet[Visit], f: LogFilter) -> str:
    """The log as CSV (no date of birth, ID or address: who came, when, why), audited."""
    rows = list(qs[: MAX_EXPORT_ROWS + 1])
    if len(rows) > MAX_EXPORT_ROWS:
        raise ValidationError(
            _("More than %(n)d visits: narrow the dates and export again.") % {"n": MAX_EXPORT_ROWS}
        )
    text = csv.table(
        [
            "checked_in",
            "checked_out",
            "school",
            "name",
            "kind",
            "purpose",
            "destination",
            "host",
            "status",
            "screening",
            "checked_in_by",
            "kiosk",
        ],
        (
            (
                csv.when(visit.checked_in_at),
                csv.when(visit.checked_out_at),
                visit.school.name,
                visit.person.name,
                visit.kind,
                visit.purpose,
                visit.destination,
                visit.host.full_name if visit.host else "",
                visit.status,
                visit.outcome,
                visit.checked_in_by.get_username() if visit.checked_in_by else "",
                "yes" if visit.at_kiosk else "no",
            )
            for visit in rows
        ),
    )
    audit.record(
        actor,
        "export",
        ("visitors.visit", "log"),
        detail={"rows": len(rows), "filters": f.used, "format": "csv"},
        school_id=school.pk if school is not None else None,
    )
    return text


# --- expected visitors ---------------------------------------------------------------------------


def expect(
    actor: User,
    school: Any,
    *,
    first_name: str,
    last_name: str,
    expected_on: dt.date,
    purpose: str,
    destination: str = "",
    host: Any = None,
    note: str = "",
    person: Person | None = None,
) -> PreRegistration:
    """Pre-register a visitor (validated by the form), audited."""
    if not policy.may_check_in(actor, school):
        raise PermissionDenied(_("You may not pre-register visitors at this school."))
    if expected_on < timezone.localdate():
        raise ValidationError({"expected_on": _("The day is in the past.")})
    with transaction.atomic():
        pre = PreRegistration.objects.create(
            school=school,
            first_name=first_name,
            last_name=last_name,
            expected_on=expected_on,
            purpose=purpose,
            destination=destination,
            host=host,
            note=note,
            person=person,
            created_by=actor,
        )
        audit.record(actor, "create", pre)
    return pre


def cancel_expected(actor: User, pre: PreRegistration) -> PreRegistration:
    if not policy.may_check_in(actor, pre.school_id):
        raise PermissionDenied(_("You may not change this school's expected visitors."))
    if pre.visit_id:
        raise ValidationError(_("This visitor has already arrived."))
    with transaction.atomic():
        pre.cancelled_at = timezone.now()
        pre.save(update_fields=["cancelled_at"])
        audit.record(actor, "update", pre, detail={"cancelled": True})
    return pre


def expected(school: Any, on: dt.date | None = None) -> QuerySet[PreRegistration]:
    """Visitors expected at ``school`` on a day (today by default) who have not arrived."""
    return (
        PreRegistration.objects.filter(
            school=school,
            expected_on=on or timezone.localdate(),
            visit__isnull=True,
            cancelled_at__isnull=True,
        )
        .select_related("host", "person")
        .order_by("last_name", "first_name")
    )
