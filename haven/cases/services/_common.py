"""What every case service shares: finding a case the user may see, checking a compartment,
recording the audit entry and the timeline event together, and telling the team."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model
from django.http import Http404
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.access import policy
from haven.access.models import Compartment
from haven.audit import services as audit
from haven.cases.models import Case, CaseEvent
from haven.notify import services as notify

if TYPE_CHECKING:
    from haven.accounts.models import User


def visible_cases(user: User):  # type: ignore[no-untyped-def]
    """The cases whose team record ``user`` may see (a queryset; not audited: for counts and
    for narrowing, never for showing content without a read service)."""
    return policy.visible_to(user, Case)


def require_case(user: User, case: Case | int) -> Case:
    """The case, if ``user`` may see it; otherwise 404 (a missing case and a forbidden one look
    the same)."""
    pk = case.pk if isinstance(case, Case) else case
    found = (
        visible_cases(user).select_related("school", "student").filter(pk=pk).first()
        if isinstance(pk, int)
        else None
    )
    if found is None:
        raise Http404
    return found


def compartment(value: Any) -> Compartment:
    try:
        return Compartment(value)
    except ValueError as exc:
        raise ValidationError(
            {"compartment": _("One of: team, clinical, law_enforcement.")}
        ) from exc


def require_readable(user: User, case: Case, part: str) -> Compartment:
    """404 unless ``user`` may read ``part`` of ``case`` now, whether or not it holds anything."""
    chosen = compartment(part)
    if chosen not in policy.case_compartments(user, case):
        raise Http404
    return chosen


def require_writable(user: User, case: Case, part: str) -> Compartment:
    """404 for a compartment the user may not even read; 403 for one they may read but not write
    (opened by break-glass)."""
    chosen = require_readable(user, case, part)
    if not policy.can_write_compartment(user, case, chosen):
        raise PermissionDenied(
            _("Only its owners write in the %(compartment)s record.")
            % {"compartment": chosen.label}
        )
    return chosen


def require_manager(user: User, case: Case) -> None:
    if not policy.may_manage_case(user, case):
        raise PermissionDenied(_("Only the school's threat-assessment team may do this."))


def require_open(case: Case) -> None:
    if not case.is_open:
        raise ValidationError({"case": _("The case is closed: reopen it first.")})


def clean_text(value: Any, field: str, *, limit: int, required: bool = True) -> str:
    """A trimmed text input, or a ValidationError naming ``field``."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError({field: _("Give text.")})
    value = value.strip()
    if required and not value:
        raise ValidationError({field: _("This is required.")})
    if len(value) > limit:
        raise ValidationError({field: _("At most %(n)d characters.") % {"n": limit}})
    return value


def record(
    user: User,
    case: Case,
    *,
    action: str,
    kind: str,
    text: str,
    obj: Model | None = None,
    part: str = Compartment.TEAM,
    detail: dict[str, Any] | None = None,
    reason: str = "",
    touch: bool = True,
) -> CaseEvent:
    """Audit a write and put it on the case's timeline (in the same transaction as the write).
    ``text`` says what happened, never what a record said."""
    target = obj if obj is not None else case
    audit.record(
        user,
        action,
        target,
        compartment=part,
        reason=reason,
        detail={"case": case.pk, **(detail or {})},
        school_id=case.school_id,
    )
    now = timezone.now()
    event = CaseEvent.objects.create(
        case=case,
        at=now,
        actor=user if getattr(user, "is_authenticated", False) else None,
        kind=kind,
        compartment=part,
        text=text[:300],
        object_type=target._meta.label_lower,
        object_id=str(target.pk),
    )
    if touch:
        Case.objects.filter(pk=case.pk).update(updated_at=now)
        case.updated_at = now
    return event


def audit_read(user: User, case: Case, *, part: str = Compartment.TEAM, what: str = "case") -> None:
    audit.record(
        user, "view", case, compartment=part, detail={"part": what}, school_id=case.school_id
    )


def case_url(case: Case) -> str:
    try:
        return reverse("cases:case", args=[case.pk])
    except NoReverseMatch:  # the staff pages are not installed (API-only use)
        return ""


def notify_users(
    users: Iterable[Any], case: Case, *, kind: str, title: str, body: str = "", urgent: bool = False
) -> None:
    """Tell ``users`` something about ``case``. Never put a record's content in the message: it
    may leave Haven by e-mail."""
    recipients = [u for u in {u.pk: u for u in users}.values() if u.is_active]
    if recipients:
        notify.send(
            recipients, kind=kind, title=title, body=body, url=case_url(case), urgent=urgent
        )


def team_users(case: Case, *, exclude: Any = None) -> list[Any]:
    members = [m.user for m in case.team_members.select_related("user")]
    return [u for u in members if exclude is None or u.pk != exclude.pk]
