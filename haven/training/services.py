"""Training's state changes and reads: tests and their scoring, completions, assignments from
requirements, extensions, external certificates, transcripts and compliance.

Every function that changes something validates, writes and audits in one transaction; every read
of someone else's record is audited. Access decisions are the policy's
(:mod:`haven.access.policy.training`).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.access import policy
from haven.access.policy import Perm
from haven.accounts.models import role_rank
from haven.audit import services as audit
from haven.training import status as st
from haven.training.models import (
    Assignment,
    Attempt,
    CertificateKind,
    Completion,
    ExternalCertificate,
    Module,
    ModuleText,
    Question,
    Requirement,
    TrainingPolicy,
)

if TYPE_CHECKING:
    from haven.accounts.models import User

DEFAULT_PASS_MARK = 80
DEFAULT_TARGET = 80
#: How long a test started on the page stays in progress (another attempt waits until then).
ATTEMPT_MINUTES = 60
#: Roles whose holders are assigned training when a requirement names no role.


class NotAssigned(PermissionDenied):
    """Answers to a module that is not assigned to the caller."""


class AttemptInProgress(Exception):
    """Another attempt at the same test is still in progress."""

    def __init__(self, attempt: Attempt) -> None:
        super().__init__(
            _("An attempt at this test started at %(at)s is still in progress: finish it first.")
            % {"at": timezone.localtime(attempt.started_at).strftime("%H:%M")}
        )
        self.attempt = attempt


def today() -> dt.date:
    return timezone.localdate()


# --- modules --------------------------------------------------------------------------------------


def modules() -> models.QuerySet[Module]:
    return Module.objects.filter(active=True).prefetch_related("texts")


def module(slug: str) -> Module | None:
    return Module.objects.filter(active=True, slug=slug).first()


def text_of(module: Module, language: str) -> ModuleText:
    """The module's text in ``language``, or in English (or its first language) when it has none."""
    texts = {t.language: t for t in module.texts.all()}
    return texts.get(language) or texts.get("en") or next(iter(texts.values()))


def in_language(values: dict[str, str], language: str) -> str:
    return values.get(language) or values.get("en") or next(iter(values.values()), "")


def questions_for(module: Module, kind: str) -> list[Question]:
    """The questions a ``kind`` test draws from the module's bank."""
    return [q for q in module.questions.all() if q.use in (kind, Question.Use.BOTH)]


def training_policy(district_id: int | None) -> TrainingPolicy:
    found = TrainingPolicy.objects.filter(district_id=district_id).first() if district_id else None
    # Unsaved: the defaults of a district that has not set its own.
    return found or TrainingPolicy(pass_mark=DEFAULT_PASS_MARK, target=DEFAULT_TARGET)


def _district_of(user: User) -> int | None:
    districts = sorted(policy.districts_of(user))
    return districts[0] if districts else None


def pass_mark(module: Module, user: User) -> int:
    return module.pass_mark or training_policy(_district_of(user)).pass_mark


# --- assignments ----------------------------------------------------------------------------------


def _assigned_to(user: User) -> models.QuerySet[Assignment]:
    return Assignment.objects.filter(user=user, requirement__active=True).select_related(
        "requirement", "requirement__module", "school"
    )


def is_assigned(user: User, module: Module) -> bool:
    """A module is assigned when a requirement names it for the person, or when the person has
    an hours requirement (every module counts toward it)."""
    mine = _assigned_to(user)
    return mine.filter(
        models.Q(requirement__module=module) | models.Q(requirement__due=Requirement.Due.HOURS)
    ).exists()


@transaction.atomic
def sync_assignments(district: Any) -> int:
    """Apply the district's active requirements to the people holding roles: create missing
    assignments, refresh the due dates that nobody extended, drop those whose role is gone.
    Returns how many assignments exist afterwards."""
    district_id = getattr(district, "pk", district)
    kept: set[int] = set()
    for req in Requirement.objects.filter(district_id=district_id, active=True).prefetch_related(
        "schools"
    ):
        holders = policy.role_holdings(
            Perm.TRAINING_TAKE, district_id, req.roles, [s.pk for s in req.schools.all()]
        )
        for holder in holders.order_by("created_at", "pk"):
            assigned_on = timezone.localdate(holder.created_at)
            due_on = _due_on(req, assigned_on)
            found, made = Assignment.objects.get_or_create(
                requirement=req,
                user_id=holder.user_id,
                school_id=holder.school_id,
                defaults={"role": holder.role, "assigned_on": assigned_on, "due_on": due_on},
            )
            if not made and found.due_on != due_on and found.extended_to is None:
                found.due_on = due_on
                found.save(update_fields=["due_on"])
            kept.add(found.pk)
    stale = Assignment.objects.filter(requirement__district_id=district_id).exclude(pk__in=kept)
    stale.delete()
    return len(kept)


def _due_on(req: Requirement, assigned_on: dt.date) -> dt.date | None:
    if req.due == Requirement.Due.FIXED:
        return req.due_on
    if req.due == Requirement.Due.AFTER_START:
        return assigned_on + dt.timedelta(days=req.due_days or 0)
    return None


def records(user_ids: Iterable[int]) -> dict[int, st.Record]:
    """What each person has done (completions, attempts, certificates), in four queries."""
    ids = set(user_ids)
    out = {uid: st.Record(defaultdict(list), set(), [], {}) for uid in ids}
    minutes = dict(Module.objects.values_list("pk", "minutes"))
    for c in Completion.objects.filter(user_id__in=ids).order_by("-completed_at", "-pk"):
        out[c.user_id].completions[c.module_id].append(c)
    attempted = Attempt.objects.filter(user_id__in=ids, submitted_at__isnull=False)
    for uid, mid in attempted.values_list("user_id", "module_id").distinct():
        out[uid].attempted.add(mid)
    for cert in ExternalCertificate.objects.filter(user_id__in=ids).order_by("-issued_on"):
        out[cert.user_id].certificates.append(cert)
    for record in out.values():
        record.minutes = minutes
    return out


@dataclass(frozen=True)
class Row:
    assignment: Assignment
    standing: st.Standing


def rows_for(assignments: Iterable[Assignment], on: dt.date | None = None) -> list[Row]:
    assignments = list(assignments)
    found = records(a.user_id for a in assignments)
    day = on or today()
    return [Row(a, st.standing(a, found[a.user_id], day)) for a in assignments]


def my_rows(user: User, on: dt.date | None = None) -> list[Row]:
    """The caller's own assignments with where each stands (no audit: one's own record)."""
    rows = rows_for(_assigned_to(user).order_by("due_on", "pk"), on)
    order = {st.OVERDUE: 0, st.EXPIRING: 1, st.IN_PROGRESS: 2, st.NOT_STARTED: 3, st.DONE: 4}
    return sorted(rows, key=lambda r: (order[r.standing.status], r.standing.due or dt.date.max))


@transaction.atomic
def extend_due(actor: User, assignment: Assignment, to: dt.date, reason: str) -> Assignment:
    """Give someone more time: a new due date (later than today) with a reason; audited."""
    if not policy.may_extend_training_due(actor, assignment):
        raise PermissionDenied(_("You may not extend this due date."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the due date is extended.")})
    if to <= today():
        raise ValidationError({"due": _("The new due date must be after today.")})
    if to.year > today().year + 5:
        raise ValidationError({"due": _("The new due date is too far away.")})
    previous = assignment.due
    assignment.extended_to = to
    assignment.extended_by = actor
    assignment.extend_reason = reason
    assignment.save(update_fields=["extended_to", "extended_by", "extend_reason"])
    audit.record(
        actor,
        "training.extend",
        assignment,
        reason=reason,
        school_id=assignment.school_id,
        district_id=assignment.requirement.district_id,
        detail={
            "user": assignment.user_id,
            "from": previous.isoformat() if previous else None,
            "to": to.isoformat(),
        },
    )
    return assignment


# --- tests ----------------------------------------------------------------------------------------


def _in_progress(user: User, module: Module, kind: str) -> Attempt | None:
    since = timezone.now() - dt.timedelta(minutes=ATTEMPT_MINUTES)
    return (
        Attempt.objects.filter(
            user=user, module=module, kind=kind, submitted_at__isnull=True, started_at__gte=since
        )
        .order_by("-started_at")
        .first()
    )


def _check_kind(kind: str) -> None:
    if kind not in Attempt.Kind.values:
        raise ValidationError({"kind": _("Choose pre or post.")})


def _lock_learner(user: User) -> None:
    """Serialise one person's test submissions (two tabs, a double click)."""
    from django.contrib.auth import get_user_model

    get_user_model().objects.select_for_update().filter(pk=user.pk).first()


@transaction.atomic
def start_attempt(user: User, module: Module, kind: str) -> Attempt:
    """Open a test on the page: the questions it draws, in progress until submitted (or
    :data:`ATTEMPT_MINUTES` pass). An attempt already in progress is returned, not doubled."""
    _check_kind(kind)
    if not is_assigned(user, module):
        raise NotAssigned(_("This module is not assigned to you."))
    _lock_learner(user)
    current = _in_progress(user, module, kind)
    if current is not None:
        return current
    return Attempt.objects.create(
        user=user,
        module=module,
        version=module.version,
        kind=kind,
        questions=[q.key for q in questions_for(module, kind)],
    )


@dataclass(frozen=True)
class Feedback:
    question: str
    text: str
    chosen: str | None
    correct_choice: str
    correct_text: str
    right: bool
    why: str


@transaction.atomic
def submit(
    user: User,
    module: Module,
    kind: str,
    answers: dict[str, str],
    attempt: Attempt | None = None,
) -> tuple[Attempt, Completion | None]:
    """Score a test. ``attempt`` is the one started on the page; without it (the API) the test
    is taken in one step, refused while another attempt at it is in progress. Every question of
    the test must be answered with one of its choices; an unknown question or choice is refused
    before anything is stored. A passed post-test completes the module (a :class:`Completion`,
    one certificate)."""
    _check_kind(kind)
    if not is_assigned(user, module):
        raise NotAssigned(_("This module is not assigned to you."))
    _lock_learner(user)
    if attempt is None:
        current = _in_progress(user, module, kind)
        if current is not None:
            raise AttemptInProgress(current)
        drawn = questions_for(module, kind)
    else:
        attempt = Attempt.objects.select_for_update().get(pk=attempt.pk)
        if attempt.user_id != user.pk or attempt.module_id != module.pk or attempt.kind != kind:
            raise ValidationError({"attempt": _("This attempt is not yours to submit.")})
        if attempt.submitted_at is not None:
            raise ValidationError({"attempt": _("This attempt was already submitted.")})
        bank = {q.key: q for q in module.questions.all()}
        drawn = [bank[key] for key in attempt.questions if key in bank]
    by_key = {q.key: q for q in drawn}
    if not isinstance(answers, dict):
        raise ValidationError({"answers": _("Give an answer per question.")})
    errors = {}
    for key, choice in answers.items():
        question = by_key.get(str(key))
        if question is None:
            errors[f"answers.{str(key)[:40]}"] = _("No such question in this test.")
        elif choice not in {c["id"] for c in question.choices}:
            errors[f"answers.{key}"] = _("No such choice for this question.")
    for key in by_key:
        if key not in answers and f"answers.{key}" not in errors:
            errors[f"answers.{key}"] = _("Answer this question.")
    if errors:
        raise ValidationError(errors)
    right = sum(1 for q in drawn if answers.get(q.key) == q.correct)
    score = right / len(drawn) if drawn else 0.0
    passed = score * 100 >= pass_mark(module, user) - 1e-9
    now = timezone.now()
    if attempt is None:
        attempt = Attempt(
            user=user,
            module=module,
            version=module.version,
            kind=kind,
            questions=[q.key for q in drawn],
            started_at=now,
        )
    attempt.answers = {q.key: answers[q.key] for q in drawn}
    attempt.submitted_at = now
    attempt.score = round(score, 4)
    attempt.passed = passed
    attempt.save()
    completion = None
    if passed and kind == Attempt.Kind.POST:
        completion = Completion.objects.create(
            user=user,
            module=module,
            version=module.version,
            attempt=attempt,
            completed_at=now,
            number=f"HT-{now:%Y%m%d}-{secrets.token_hex(4).upper()}",
        )
    audit.record(
        user,
        "training.attempt",
        attempt,
        district_id=_district_of(user),
        detail={
            "module": module.slug,
            "kind": kind,
            "passed": passed,
            "completed": bool(completion),
        },
    )
    return attempt, completion


def feedback(attempt: Attempt, language: str) -> list[Feedback]:
    """After an attempt: each question, what was chosen, the right answer and why."""
    bank = {q.key: q for q in attempt.module.questions.all()}
    out = []
    for key in attempt.questions:
        q = bank.get(key)
        if q is None:  # the module was replaced since: that question is gone
            continue
        texts = {c["id"]: in_language(c["text"], language) for c in q.choices}
        chosen = attempt.answers.get(key)
        out.append(
            Feedback(
                question=key,
                text=in_language(q.text, language),
                chosen=chosen,
                correct_choice=q.correct,
                correct_text=texts.get(q.correct, ""),
                right=chosen == q.correct,
                why=in_language(q.why, language),
            )
        )
    return out


# --- records of others ----------------------------------------------------------------------------


def transcript(viewer: User, person: User) -> dict[str, Any]:
    """A person's assignments, completions and certificates. Someone else's is read only by an
    overseer (the policy) and audited; one's own is not."""
    if not policy.may_see_training_record(viewer, person):
        raise PermissionDenied(_("You may not see this record."))
    with transaction.atomic():
        if viewer.pk != person.pk:
            audit.record(
                viewer,
                "read",
                ("training.transcript", person.pk),
                district_id=_district_of(person),
                detail={"user": person.pk},
            )
        return {
            "person": person,
            "rows": my_rows(person),
            "completions": list(
                Completion.objects.filter(user=person)
                .select_related("module")
                .order_by("-completed_at")
            ),
            "certificates": list(ExternalCertificate.objects.filter(user=person)),
        }


def completion_for(viewer: User, pk: int) -> Completion | None:
    """A completion the viewer may see (their own, or an overseen person's: audited)."""
    found = (
        policy.visible_to(viewer, Completion).select_related("module", "user").filter(pk=pk).first()
    )
    if found is not None and found.user_id != viewer.pk:
        audit.record(
            viewer,
            "read",
            found,
            district_id=_district_of(found.user),
            detail={"user": found.user_id, "certificate": True},
        )
    return found


# --- external certificates ------------------------------------------------------------------------


@transaction.atomic
def add_certificate(
    actor: User,
    person: User,
    *,
    kind: str,
    issuer: str,
    issued_on: dt.date,
    expires_on: dt.date | None,
    upload: Any,
) -> ExternalCertificate:
    """Record training taken elsewhere, with its certificate file (checked by content, kept
    encrypted). One's own, or an overseen person's."""
    from haven.training import files

    if actor.pk != person.pk and not policy.may_see_training_record(actor, person):
        raise PermissionDenied(_("You may not add to this record."))
    if actor.pk != person.pk and not policy.may_oversee_training(actor):
        raise PermissionDenied(_("You may not add to this record."))
    errors: dict[str, str] = {}
    if kind not in CertificateKind.values:
        errors["kind"] = _("Choose the kind of training.")
    issuer = (issuer or "").strip()
    if not issuer:
        errors["issuer"] = _("Name who issued the certificate.")
    elif len(issuer) > 200:
        errors["issuer"] = _("At most 200 characters.")
    if issued_on > today():
        errors["issued_on"] = _("The certificate cannot be issued in the future.")
    if expires_on is not None and expires_on <= issued_on:
        errors["expires_on"] = _("The expiry must be after the date issued.")
    if errors:
        raise ValidationError(errors)
    checked = files.check(upload, field="file")
    cert = ExternalCertificate(
        user=person,
        kind=kind,
        issuer=issuer,
        issued_on=issued_on,
        expires_on=expires_on,
        token=secrets.token_hex(16),
        name=checked.name,
        content_type=checked.content_type,
        size=len(checked.data),
        uploaded_by=actor,
    )
    cert.file.save(cert.token, files.as_file(checked), save=False)
    cert.save()
    audit.record(
        actor,
        "training.certificate",
        cert,
        district_id=_district_of(person),
        detail={"user": person.pk, "kind": kind},
    )
    return cert


def certificate_for(viewer: User, pk: int) -> ExternalCertificate | None:
    found = policy.visible_to(viewer, ExternalCertificate).filter(pk=pk).first()
    if found is not None:
        audit.record(
            viewer,
            "download",
            found,
            district_id=_district_of(found.user),
            detail={"user": found.user_id},
        )
    return found


# --- compliance -----------------------------------------------------------------------------------


@dataclass
class RoleCount:
    role: str
    assigned: int = 0
    done: int = 0
    overdue: int = 0
    expiring: int = 0

    @property
    def percent(self) -> float:
        return round(100.0 * self.done / self.assigned, 1) if self.assigned else 0.0


def school_rows(school: Any, on: dt.date | None = None, certified_only: bool = False) -> list[Row]:
    qs = Assignment.objects.filter(school=school, requirement__active=True)
    if certified_only:
        qs = qs.filter(requirement__certified=True)
    return rows_for(
        qs.select_related("requirement", "requirement__module", "user").order_by("user_id", "pk"),
        on,
    )


def per_role(rows: list[Row]) -> list[RoleCount]:
    """A person counts once per role: done when every assignment is done, overdue when any is."""
    people: dict[tuple[str, int], list[st.Standing]] = defaultdict(list)
    for row in rows:
        people[(row.assignment.role, row.assignment.user_id)].append(row.standing)
    counts: dict[str, RoleCount] = {}
    for (role, _uid), standings in people.items():
        count = counts.setdefault(role, RoleCount(role))
        count.assigned += 1
        if all(s.counts_done for s in standings):
            count.done += 1
        if any(s.status == st.OVERDUE for s in standings):
            count.overdue += 1
        if any(s.status == st.EXPIRING for s in standings):
            count.expiring += 1
    return sorted(counts.values(), key=lambda c: role_rank(c.role))


def compliance(viewer: User, school: Any, on: dt.date | None = None) -> dict[str, Any]:
    """Completion per role at ``school`` against the district's target; audited (it lists how
    many of the school's staff are behind)."""
    if not policy.may_oversee_training(viewer, school):
        raise PermissionDenied(_("You may not see this school's training."))
    rows = school_rows(school, on)
    audit.record(
        viewer,
        "read",
        ("training.compliance", school.pk),
        school_id=school.pk,
        detail={"school": school.slug},
    )
    return {
        "school": school,
        "target": training_policy(school.district_id).target,
        "roles": per_role(rows),
        "rows": rows,
    }


def knowledge_gain(module_ids: Iterable[int] | None = None) -> list[dict[str, Any]]:
    """Per module, the mean post-test score minus the mean pre-test score of the first attempts,
    over everyone: an aggregate only, never a person's. Modules with fewer than five people who
    took both are left out (a small group's mean would describe individuals)."""
    qs = Attempt.objects.filter(submitted_at__isnull=False)
    if module_ids is not None:
        qs = qs.filter(module_id__in=list(module_ids))
    first: dict[tuple[int, int, str], float] = {}
    for a in qs.order_by("submitted_at", "pk").values("module_id", "user_id", "kind", "score"):
        first.setdefault((a["module_id"], a["user_id"], a["kind"]), a["score"] or 0.0)
    gains: dict[int, list[float]] = defaultdict(list)
    for (mid, uid, kind), score in first.items():
        if kind == "post" and (mid, uid, "pre") in first:
            gains[mid].append(score - first[(mid, uid, "pre")])
    slugs = dict(Module.objects.values_list("pk", "slug"))
    return [
        {
            "module": slugs.get(mid, ""),
            "people": len(values),
            "gain": round(sum(values) / len(values), 3),
        }
        for mid, values in sorted(gains.items())
        if len(values) >= 5
    ]


# --- in-person attendance  ------------------------------------------------------------------------


def attendees(school: Any, module: Module) -> list[Any]:
    """The people with ``module`` assigned at ``school``: who may be recorded as attending."""
    from django.contrib.auth import get_user_model

    ids = Assignment.objects.filter(
        school=school, requirement__active=True, requirement__module=module
    ).values("user_id")
    return list(get_user_model().objects.filter(pk__in=ids, is_active=True).order_by("username"))


@transaction.atomic
def record_attendance(
    actor: User, school: Any, module: Module, people: Iterable[int], on: dt.date
) -> list[Completion]:
    """Record that these people attended an in-person session of ``module`` on ``on`` (for
    modules a state requires in person, like the Standard Response Protocol roles): each gets a
    completion (and its certificate), unless already recorded that day. All or nothing."""
    if not policy.may_oversee_training(actor, school):
        raise PermissionDenied(_("You may not record attendance at this school."))
    if not module.in_person:
        raise ValidationError({"module": _("This module is not taken in person.")})
    if on > today() or on < today() - dt.timedelta(days=366):
        raise ValidationError({"on": _("Give the day of the session (within the past year).")})
    allowed = {u.pk: u for u in attendees(school, module)}
    chosen = {int(pk) for pk in people}
    if not chosen:
        raise ValidationError({"people": _("Choose who attended.")})
    if chosen - set(allowed):
        raise ValidationError({"people": _("Someone chosen does not take this module here.")})
    when = timezone.make_aware(dt.datetime.combine(on, dt.time(12)))
    made = []
    for pk in sorted(chosen):
        if Completion.objects.filter(
            user_id=pk, module=module, completed_at__date=on, via=Completion.Via.ATTENDANCE
        ).exists():
            continue
        made.append(
            Completion.objects.create(
                user=allowed[pk],
                module=module,
                version=module.version,
                completed_at=when,
                number=f"HT-{on:%Y%m%d}-{secrets.token_hex(4).upper()}",
                via=Completion.Via.ATTENDANCE,
                recorded_by=actor,
            )
        )
    audit.record(
        actor,
        "training.attendance",
        module,
        school_id=school.pk,
        detail={"module": module.slug, "on": on.isoformat(), "people": sorted(chosen)},
    )
    return made
