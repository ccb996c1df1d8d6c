"""Whether a volunteer may volunteer, and the date arithmetic behind it — the one place that
decides (the coordinator's pages, sign-ups, the front desk and the API all ask :func:`eligibility`).

**Eligible**: the application is approved, the newest background check is cleared and not expired
(it expires ``HAVEN_VOLUNTEER_CHECK_RENEWAL_YEARS`` after the clearance date: valid until the day
before), and every required training of the district is completed and current. A check within
``HAVEN_VOLUNTEER_EXPIRING_DAYS`` of its expiry is still valid, with a warning.

A list of volunteers asks the same number of queries whatever its length: it narrows its queryset
with :func:`for_eligibility` (checks and trainings prefetched) and passes
``required=required_trainings(...)`` (the districts' required trainings, loaded once). Without
them, :func:`eligibility` reads what it needs itself; the decision is the same either way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from haven.core.models import School
from haven.volunteers.models import BackgroundCheck, TrainingRecord, TrainingType, Volunteer

# --- settings and date arithmetic -----------------------------------------------------------------


def renewal_years() -> int:
    """Years a cleared background check stays valid (``HAVEN_VOLUNTEER_CHECK_RENEWAL_YEARS``)."""
    return max(1, int(getattr(settings, "HAVEN_VOLUNTEER_CHECK_RENEWAL_YEARS", 2)))


def expiring_days() -> int:
    """Days before expiry that a check counts as expiring (``HAVEN_VOLUNTEER_EXPIRING_DAYS``)."""
    return max(0, int(getattr(settings, "HAVEN_VOLUNTEER_EXPIRING_DAYS", 60)))


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved by whole months; a day the target month lacks becomes its last day
    (31 January + 1 month is 28 or 29 February)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover - every month has 28 days


def add_years(day: dt.date, years: int) -> dt.date:
    """``day`` moved by whole years; 29 February becomes 28 February in a common year."""
    return add_months(day, 12 * years)


def check_expires_on(check: BackgroundCheck | None) -> dt.date | None:
    """The day a cleared check stops being valid (it is valid until the day before)."""
    if check is None or check.status != BackgroundCheck.Status.CLEARED or not check.cleared_on:
        return None
    return add_years(check.cleared_on, renewal_years())


class CheckState:
    NONE = "none"
    PENDING = "pending"
    CLEARED = "cleared"
    EXPIRING = "expiring"
    EXPIRED = "expired"
    DENIED = "denied"


def check_state(check: BackgroundCheck | None, on: dt.date | None = None) -> str:
    """none, pending, denied, cleared, expiring (valid, within the warning window) or expired."""
    day = on or timezone.localdate()
    if check is None:
        return CheckState.NONE
    if check.status == BackgroundCheck.Status.PENDING:
        return CheckState.PENDING
    if check.status == BackgroundCheck.Status.DENIED:
        return CheckState.DENIED
    expires = check_expires_on(check)
    if expires is None or day >= expires:
        return CheckState.EXPIRED
    if day >= expires - dt.timedelta(days=expiring_days()):
        return CheckState.EXPIRING
    return CheckState.CLEARED


def _prefetched(volunteer: Volunteer, name: str) -> bool:
    return name in getattr(volunteer, "_prefetched_objects_cache", {})


def current_check(volunteer: Volunteer) -> BackgroundCheck | None:
    """The check in force: the newest one recorded (by request date, then the latest recorded)."""
    if _prefetched(volunteer, "checks"):
        checks = list(volunteer.checks.all())
        return max(checks, key=lambda c: (c.requested_on, c.pk)) if checks else None
    return volunteer.checks.order_by("-requested_on", "-pk").first()


def for_eligibility(volunteers: QuerySet[Volunteer]) -> QuerySet[Volunteer]:
    """``volunteers`` with what :func:`eligibility` reads prefetched: their checks (newest first)
    and training records (with their type), so that a list costs no query per volunteer."""
    return volunteers.prefetch_related(
        Prefetch("checks", queryset=BackgroundCheck.objects.order_by("-requested_on", "-pk")),
        Prefetch("trainings", queryset=TrainingRecord.objects.select_related("training")),
    )


def required_trainings(district_ids: Iterable[int]) -> dict[int, list[TrainingType]]:
    """Each district's required, active training types (by name; an empty list for a district
    with none), in one query: pass it to :func:`eligibility` for a list of volunteers."""
    found: dict[int, list[TrainingType]] = {pk: [] for pk in set(district_ids)}
    if found:
        for training in TrainingType.objects.filter(
            district_id__in=found, required=True, active=True
        ):
            found[training.district_id].append(training)
    return found


def _required_for(
    volunteer: Volunteer, required: Mapping[int, Sequence[TrainingType]] | None
) -> Sequence[TrainingType]:
    if required is not None and volunteer.district_id in required:
        return required[volunteer.district_id]
    return list(
        TrainingType.objects.filter(district_id=volunteer.district_id, required=True, active=True)
    )


def training_valid_until(training: TrainingType, completed_on: dt.date) -> dt.date | None:
    """The day a completed training stops being valid (None: it never needs renewing)."""
    if not training.valid_months:
        return None
    return add_months(completed_on, training.valid_months)


# --- eligibility ----------------------------------------------------------------------------------


@dataclass
class Eligibility:
    eligible: bool
    reasons: list[str] = field(default_factory=list)  # why not (empty when eligible)
    warnings: list[str] = field(default_factory=list)  # eligible, but act soon
    check_state: str = CheckState.NONE
    check_expires_on: dt.date | None = None
    trainings: list[dict[str, Any]] = field(default_factory=list)


def day_text(value: dt.date) -> str:
    return formats.date_format(value, "SHORT_DATE_FORMAT")


def eligibility(
    volunteer: Volunteer,
    school: School | None = None,
    on: dt.date | None = None,
    *,
    required: Mapping[int, Sequence[TrainingType]] | None = None,
) -> Eligibility:
    """May this volunteer volunteer (at ``school``) on ``on`` (today)? With every reason why not:
    the coordinator and the front desk are told all of them at once.

    ``required``: the districts' required active trainings from :func:`required_trainings`, when
    a list asks for many volunteers (a district missing from it is looked up)."""
    day = on or timezone.localdate()
    result = Eligibility(eligible=False)
    Status = Volunteer.Status
    if volunteer.status == Status.APPLIED:
        result.reasons.append(_("The application has not been approved yet."))
    elif volunteer.status == Status.DECLINED:
        result.reasons.append(_("The application was declined."))
    elif volunteer.status == Status.INACTIVE:
        result.reasons.append(_("The volunteer is inactive."))
    if school is not None and not volunteer.schools.filter(pk=school.pk).exists():
        result.reasons.append(
            _("Not a volunteer at %(school)s.") % {"school": school.name},
        )

    check = current_check(volunteer)
    result.check_state = check_state(check, day)
    result.check_expires_on = check_expires_on(check)
    if result.check_state == CheckState.NONE:
        result.reasons.append(_("No background check on record."))
    elif result.check_state == CheckState.PENDING:
        result.reasons.append(_("The background check is still pending."))
    elif result.check_state == CheckState.DENIED:
        result.reasons.append(_("The background check was denied."))
    elif result.check_state == CheckState.EXPIRED:
        expired = result.check_expires_on
        result.reasons.append(
            _("The background check expired on %(date)s.") % {"date": day_text(expired)}
            if expired
            else _("The background check has no clearance date.")
        )
    elif result.check_state == CheckState.EXPIRING and result.check_expires_on:
        result.warnings.append(
            _("The background check expires on %(date)s: ask for a renewal.")
            % {"date": day_text(result.check_expires_on)}
        )

    done: dict[int, dt.date] = {}
    for record in volunteer.trainings.all():
        if record.completed_on <= day and record.completed_on > done.get(
            record.training_id, dt.date.min
        ):
            done[record.training_id] = record.completed_on
    for training in _required_for(volunteer, required):
        completed = done.get(training.pk)
        until = training_valid_until(training, completed) if completed else None
        current = completed is not None and (until is None or day < until)
        result.trainings.append(
            {"training": training, "completed_on": completed, "valid_until": until, "ok": current}
        )
        if completed is None:
            result.reasons.append(
                _("Required training not completed: %(name)s.") % {"name": training.name}
            )
        elif not current and until is not None:
            result.reasons.append(
                _("Required training expired on %(date)s: %(name)s.")
                % {"date": day_text(until), "name": training.name}
            )
    result.eligible = not result.reasons
    return result
