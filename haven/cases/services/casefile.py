"""The case file as the case page shows it: the case, what the user may do in each compartment,
the notes and documents of the compartments they may read, the latest events, the assessments'
state, team chat and tasks — read in a fixed number of queries whatever the case holds, and audited
as one read per compartment shown (in one transaction)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction

from haven.access.models import Compartment
from haven.cases.models import (
    Assessment,
    AssessmentModel,
    Case,
    CaseEvent,
    Classification,
    Document,
    Message,
    Note,
    Step,
    StepRecord,
    Task,
)
from haven.cases.services._common import audit_read, require_case
from haven.cases.services.records import CompartmentAccess, access_rows

if TYPE_CHECKING:
    from haven.accounts.models import User


@dataclass(frozen=True)
class AssessmentSummary:
    assessment: Assessment
    model: AssessmentModel
    classification_label: str
    #: The step in progress (None: none is open).
    current_step: Step | None


@dataclass(frozen=True)
class CaseFile:
    case: Case
    access: list[CompartmentAccess]
    notes: dict[Compartment, list[Note]]
    documents: dict[Compartment, list[Document]]
    #: The latest events, oldest first.
    events: list[CaseEvent]
    assessments: list[AssessmentSummary]
    messages: list[Message]
    tasks: list[Task]
    team: list[Any]


def _assessments(case: Case) -> list[AssessmentSummary]:
    rows = list(Assessment.objects.filter(case=case).select_related("model"))
    ids = [a.pk for a in rows]
    labels = {
        (c.model_id, c.key): c.label
        for c in Classification.objects.filter(model__in={a.model_id for a in rows})
    }
    current: dict[int, Step] = {}
    open_records = (
        StepRecord.objects.filter(assessment__in=ids, status=StepRecord.Status.OPEN)
        .select_related("step")
        .order_by("step__number")
    )
    for rec in open_records:
        current.setdefault(rec.assessment_id, rec.step)
    return [
        AssessmentSummary(
            assessment=a,
            model=a.model,
            classification_label=labels.get((a.model_id, a.classification), ""),
            current_step=current.get(a.pk),
        )
        for a in rows
    ]


def case_file(
    user: User, case: Case | int, *, latest_events: int = 20, latest_messages: int = 200
) -> CaseFile:
    """Everything the case page shows of ``case`` to ``user`` (404 if they may not see it). Each
    compartment's notes, documents and events only where ``user`` may read it now."""
    case = require_case(user, case)
    access = access_rows(user, case)
    readable = [row.compartment for row in access if row.readable]
    notes: dict[Compartment, list[Note]] = {part: [] for part in readable}
    for note in Note.objects.filter(case=case, compartment__in=readable).select_related("author"):
        notes[Compartment(note.compartment)].append(note)
    documents: dict[Compartment, list[Document]] = {part: [] for part in readable}
    for document in Document.objects.filter(case=case, compartment__in=readable).select_related(
        "uploaded_by"
    ):
        documents[Compartment(document.compartment)].append(document)
    events = list(
        CaseEvent.objects.filter(case=case, compartment__in=readable)
        .select_related("actor")
        .order_by("-at", "-pk")[: max(1, latest_events)]
    )[::-1]
    messages = list(
        Message.objects.filter(case=case)
        .select_related("author")
        .order_by("-created_at", "-pk")[: max(1, latest_messages)]
    )[::-1]
    found = CaseFile(
        case=case,
        access=access,
        notes=notes,
        documents=documents,
        events=events,
        assessments=_assessments(case),
        messages=messages,
        tasks=list(Task.objects.filter(case=case).select_related("assignee")),
        team=list(case.team.all()),
    )
    with transaction.atomic():
        for part in readable:
            audit_read(user, case, part=part, what="case_file")
    return found
