"""Assessments along a model held as data (CSTAG by default): steps taken in order, each closed
only when its questions are answered, its classification chosen with a rationale ("when in
doubt, substantive" is pre-chosen) and its required actions settled."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.cases import cstag
from haven.cases.models import (
    ActionItem,
    Assessment,
    AssessmentModel,
    Case,
    RequiredAction,
    Step,
    StepRecord,
)
from haven.cases.services._common import (
    audit_read,
    clean_text,
    record,
    require_case,
    require_open,
)

if TYPE_CHECKING:
    from haven.accounts.models import User

MAX_RATIONALE = 10_000
MAX_REASON = 2_000
_UNFINISHED = (StepRecord.Status.PENDING, StepRecord.Status.OPEN)


@dataclass
class StepView:
    record: StepRecord
    step: Step
    actions: list[ActionItem]
    #: Why the step cannot close now, by field (empty: it can).
    blockers: dict[str, str] = field(default_factory=dict)

    @property
    def can_close(self) -> bool:
        return not self.blockers


@dataclass
class AssessmentView:
    assessment: Assessment
    model: AssessmentModel
    steps: list[StepView]
    classification_label: str

    @property
    def current(self) -> StepView | None:
        return next((s for s in self.steps if s.record.status == StepRecord.Status.OPEN), None)


def _model_for(case: Case, model: AssessmentModel | str) -> AssessmentModel:
    if isinstance(model, AssessmentModel):
        return model
    offered = list(
        AssessmentModel.objects.filter(slug=model, active=True)
        .filter(Q(district__isnull=True) | Q(district=case.school.district_id))
        .order_by("-installed_at", "-pk")
    )
    # The district's own version first, then the newest shipped one.
    chosen = next((m for m in offered if m.district_id), None) or next(iter(offered), None)
    if chosen is None:
        raise ValidationError({"model": _("No such assessment model.")})
    return chosen


def start_assessment(user: User, case: Case, model: AssessmentModel | str = "cstag") -> Assessment:
    """Start an assessment of ``case`` along ``model`` (by default the newest CSTAG offered to the
    case's district)."""
    case = require_case(user, case)
    require_open(case)
    chosen = _model_for(case, model)
    if Assessment.objects.filter(case=case, model__slug=chosen.slug).exists():
        raise ValidationError({"model": _("This assessment has already been started.")})
    with transaction.atomic():
        assessment = Assessment.objects.create(case=case, model=chosen, started_by=user)
        StepRecord.objects.bulk_create(
            StepRecord(assessment=assessment, step=step) for step in chosen.steps.all()
        )
        _advance(assessment)
        record(
            user,
            case,
            action="create",
            kind="assessment",
            obj=assessment,
            text=_("Assessment started: %(model)s") % {"model": chosen.name},
        )
    return assessment


def get_assessment(user: User, case: Case, assessment_id: int) -> Assessment:
    case = require_case(user, case)
    found = Assessment.objects.select_related("model", "case").filter(pk=assessment_id, case=case)
    assessment = found.first()
    if assessment is None:
        raise Http404
    return assessment


def assessments(user: User, case: Case) -> list[AssessmentView]:
    """Every assessment of the case, step by step, with what each step still needs; audited."""
    case = require_case(user, case)
    views = [_view(a) for a in Assessment.objects.filter(case=case).select_related("model", "case")]
    audit_read(user, case, what="assessments")
    return views


def assessment_view(user: User, assessment: Assessment) -> AssessmentView:
    case = require_case(user, assessment.case_id)
    view = _view(assessment)
    audit_read(user, case, what="assessment")
    return view


def _view(assessment: Assessment) -> AssessmentView:
    records = _records(assessment)
    items: dict[int, list[ActionItem]] = {}
    for item in ActionItem.objects.filter(record__assessment=assessment).select_related("action"):
        items.setdefault(item.record_id, []).append(item)
    labels = dict(assessment.model.classifications.values_list("key", "label"))
    steps = [
        StepView(
            record=r,
            step=r.step,
            actions=sorted(items.get(r.pk, []), key=lambda i: (i.action.number, i.pk)),
            blockers=_blockers(assessment, r, records, items.get(r.pk, [])),
        )
        for r in records
    ]
    return AssessmentView(
        assessment, assessment.model, steps, labels.get(assessment.classification, "")
    )


def _records(assessment: Assessment) -> list[StepRecord]:
    return list(assessment.records.select_related("step").order_by("step__number"))


def _record(assessment: Assessment, step_key: str) -> tuple[StepRecord, list[StepRecord]]:
    records = _records(assessment)
    found = next((r for r in records if r.step.key == step_key), None)
    if found is None:
        raise ValidationError({"step": _("This model has no such step.")})
    return found, records


def _refuse_unless_workable(assessment: Assessment, rec: StepRecord, records: list) -> None:
    if rec.status == StepRecord.Status.CLOSED:
        raise ValidationError({"step": _("This step is closed: reopen it to change it.")})
    if rec.status == StepRecord.Status.NOT_APPLICABLE:
        raise ValidationError(
            {
                "step": _("This step does not apply to a case classified %(c)s.")
                % {"c": assessment.classification or _("(not yet classified)")}
            }
        )
    earlier = _earlier_unfinished(assessment, rec, records)
    if earlier is not None:
        raise ValidationError({"step": _skipping(earlier)})


def _earlier_unfinished(
    assessment: Assessment, rec: StepRecord, records: list[StepRecord]
) -> StepRecord | None:
    if not assessment.model.sequential:
        return None
    return next(
        (r for r in records if r.step.number < rec.step.number and r.status in _UNFINISHED),
        None,
    )


def _skipping(earlier: StepRecord) -> str:
    return _('Close step %(n)d ("%(title)s") first: steps are taken in order, none skipped.') % {
        "n": earlier.step.number,
        "title": earlier.step.title,
    }


def _required(step: Step, classification: str) -> list[RequiredAction]:
    return list(step.actions.filter(classification__in=["", classification]))


def _sync_actions(rec: StepRecord) -> None:
    """Make the checklist match the step's classification: the actions it requires, no others."""
    required = {a.pk: a for a in _required(rec.step, rec.classification)}
    ActionItem.objects.filter(record=rec).exclude(action__in=list(required)).delete()
    have = set(ActionItem.objects.filter(record=rec).values_list("action_id", flat=True))
    ActionItem.objects.bulk_create(
        ActionItem(record=rec, action=a) for pk, a in required.items() if pk not in have
    )


def _blockers(
    assessment: Assessment, rec: StepRecord, records: list[StepRecord], items: list[ActionItem]
) -> dict[str, str]:
    """Why ``rec``'s step cannot close now, by the field that needs attention."""
    if rec.status == StepRecord.Status.CLOSED:
        return {"step": _("Closed.")}
    if rec.status == StepRecord.Status.NOT_APPLICABLE:
        return {"step": _("Does not apply.")}
    problems: dict[str, str] = {}
    earlier = _earlier_unfinished(assessment, rec, records)
    if earlier is not None:
        problems["step"] = _skipping(earlier)
    step = rec.step
    if step.classifications and not rec.rationale.strip():
        problems["rationale"] = _("Give the rationale for the classification.")
    for key in cstag.unanswered(step, rec.answers):
        problems[f"answers.{key}"] = _("Answer this question to close the step.")
    pending = [i.action.label for i in items if not i.settled]
    if pending:
        problems["actions"] = _(
            "Settle each required action first (done, or not applicable with a reason): "
            "%(actions)s."
        ) % {"actions": "; ".join(pending)}
    return problems


def _advance(assessment: Assessment) -> None:
    """After a change: open the next step that applies (marking those that do not), pre-choose
    its classification ("when in doubt"), and keep the case's stage and classification current."""
    records = _records(assessment)
    model = assessment.model
    opened = False
    for rec in records:
        if rec.status == StepRecord.Status.CLOSED:
            continue
        if model.sequential and opened:
            rec.status = StepRecord.Status.PENDING  # judged when it is reached
        elif cstag.applies(rec.step, assessment.classification):
            rec.status = StepRecord.Status.OPEN
            opened = True
            if rec.step.classifications and not rec.classification:
                rec.classification = cstag.default_classification(
                    rec.step, assessment.classification, model.default_classification
                )
        else:
            rec.status = StepRecord.Status.NOT_APPLICABLE
        rec.save(update_fields=["status", "classification"])
        _sync_actions(rec)
    done = not any(r.status in _UNFINISHED for r in records)
    assessment.completed_at = (assessment.completed_at or timezone.now()) if done else None
    assessment.save(update_fields=["completed_at", "classification"])
    if model.kind == AssessmentModel.Kind.DECISION_TREE:
        current = next((r for r in records if r.status == StepRecord.Status.OPEN), None)
        stage = (
            _("Step %(n)d: %(title)s") % {"n": current.step.number, "title": current.step.title}
            if current
            else _("Assessment complete")
        )
        Case.objects.filter(pk=assessment.case_id).update(
            stage=stage[:200], classification=assessment.classification
        )


def save_step(
    user: User,
    assessment: Assessment,
    step_key: str,
    *,
    answers: dict[str, Any] | None = None,
    classification: str | None = None,
    rationale: str | None = None,
) -> StepRecord:
    """Record answers, the classification and its rationale on the current step (a step not yet
    reached is refused: no skipping). An empty answer clears it."""
    case = require_case(user, assessment.case_id)
    require_open(case)
    rec, records = _record(assessment, step_key)
    _refuse_unless_workable(assessment, rec, records)
    changed: list[str] = []
    if answers is not None:
        clean = cstag.clean_answers(rec.step, answers)
        merged = {k: v for k, v in rec.answers.items() if k not in answers}
        rec.answers = {**merged, **clean}
        changed.append("answers")
    if classification is not None:
        allowed = rec.step.classifications
        if not allowed:
            raise ValidationError({"classification": _("This step decides no classification.")})
        if classification == "":
            classification = cstag.default_classification(
                rec.step, assessment.classification, assessment.model.default_classification
            )
        if classification not in allowed:
            raise ValidationError(
                {"classification": _("One of: %(keys)s.") % {"keys": ", ".join(allowed)}}
            )
        rec.classification = classification
        changed.append("classification")
    if rationale is not None:
        rec.rationale = clean_text(rationale, "rationale", limit=MAX_RATIONALE, required=False)
        changed.append("rationale")
    with transaction.atomic():
        rec.updated_at = timezone.now()
        rec.save(update_fields=[*changed, "updated_at"])
        if "classification" in changed:
            _sync_actions(rec)
        record(
            user,
            case,
            action="update",
            kind="assessment_step",
            obj=rec,
            text=_("Step %(n)d updated") % {"n": rec.step.number},
            detail={"fields": changed},
        )
    return rec


def settle_action(user: User, item: ActionItem, *, status: str, reason: str = "") -> ActionItem:
    """Mark a required action done, or not applicable (a reason is required), or back to do."""
    rec = StepRecord.objects.select_related("assessment__model", "step").get(pk=item.record_id)
    case = require_case(user, rec.assessment.case_id)
    require_open(case)
    if rec.status != StepRecord.Status.OPEN:
        raise ValidationError({"step": _("Actions are settled on the step in progress.")})
    if status not in ActionItem.Status.values:
        raise ValidationError({"status": _("One of: pending, done, not_applicable.")})
    reason = clean_text(reason, "reason", limit=MAX_REASON, required=False)
    if status == ActionItem.Status.NOT_APPLICABLE and not reason:
        raise ValidationError({"reason": _("Say why this action does not apply.")})
    with transaction.atomic():
        item.status, item.reason = status, reason
        settled = status != ActionItem.Status.PENDING
        item.settled_by = user if settled else None
        item.settled_at = timezone.now() if settled else None
        item.save(update_fields=["status", "reason", "settled_by", "settled_at"])
        record(
            user,
            case,
            action="update",
            kind="assessment_action",
            obj=item,
            text=_("Step %(n)d: action %(status)s")
            % {"n": rec.step.number, "status": ActionItem.Status(status).label.lower()},
        )
    return item


def close_step(user: User, assessment: Assessment, step_key: str) -> StepRecord:
    """Close the current step. Refused, naming each problem, when an earlier step is open, a
    required question is unanswered, the rationale is missing or an action is unsettled."""
    case = require_case(user, assessment.case_id)
    require_open(case)
    rec, records = _record(assessment, step_key)
    _refuse_unless_workable(assessment, rec, records)
    items = list(ActionItem.objects.filter(record=rec).select_related("action"))
    problems = _blockers(assessment, rec, records, items)
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        rec.status, rec.closed_by, rec.closed_at = StepRecord.Status.CLOSED, user, timezone.now()
        rec.save(update_fields=["status", "closed_by", "closed_at"])
        if rec.step.classifications:
            assessment.classification = rec.classification
        _advance(assessment)
        label = dict(assessment.model.classifications.values_list("key", "label")).get(
            rec.classification, ""
        )
        record(
            user,
            case,
            action="update",
            kind="assessment_step_closed",
            obj=rec,
            text=(
                _("Step %(n)d closed: %(classification)s")
                % {"n": rec.step.number, "classification": label}
                if label
                else _("Step %(n)d closed") % {"n": rec.step.number}
            ),
            detail={"step": rec.step.key},  # the classification is content: not in the log
        )
    return rec


def reopen_step(user: User, assessment: Assessment, step_key: str, reason: str) -> StepRecord:
    """Reopen a closed step (new information): the steps after it go back to waiting, and the
    classification returns to what the steps before it decided."""
    case = require_case(user, assessment.case_id)
    require_open(case)
    rec, records = _record(assessment, step_key)
    if rec.status != StepRecord.Status.CLOSED:
        raise ValidationError({"step": _("Only a closed step can be reopened.")})
    reason = clean_text(reason, "reason", limit=MAX_REASON)
    with transaction.atomic():
        for other in records:
            if other.step.number >= rec.step.number:
                other.status, other.closed_by, other.closed_at = (
                    StepRecord.Status.PENDING,
                    None,
                    None,
                )
                other.save(update_fields=["status", "closed_by", "closed_at"])
        before = [
            r
            for r in records
            if r.step.number < rec.step.number
            and r.status == StepRecord.Status.CLOSED
            and r.step.classifications
        ]
        assessment.classification = before[-1].classification if before else ""
        _advance(assessment)
        record(
            user,
            case,
            action="update",
            kind="assessment_step_reopened",
            obj=rec,
            text=_("Step %(n)d reopened") % {"n": rec.step.number},
            reason=reason,
        )
    rec.refresh_from_db()
    return rec
