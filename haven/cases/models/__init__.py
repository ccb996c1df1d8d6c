"""The cases app's models (one module per idea, re-exported here)."""

from haven.cases.models.assessment import (
    ActionItem,
    Assessment,
    AssessmentModel,
    Classification,
    RequiredAction,
    Step,
    StepRecord,
)
from haven.cases.models.case import (
    WARNING_SIGN_HINTS,
    Case,
    CaseEvent,
    CaseType,
    Priority,
    Referral,
    Source,
    Status,
    TeamMember,
    WarningSign,
)
from haven.cases.models.observation import PathwayObservation, Screening
from haven.cases.models.plan import PlanItem, Review
from haven.cases.models.record import Document, Message, Note, Task

__all__ = [
    "WARNING_SIGN_HINTS",
    "ActionItem",
    "Assessment",
    "AssessmentModel",
    "Case",
    "CaseEvent",
    "CaseType",
    "Classification",
    "Document",
    "Message",
    "Note",
    "PathwayObservation",
    "PlanItem",
    "Priority",
    "Referral",
    "RequiredAction",
    "Review",
    "Screening",
    "Source",
    "Status",
    "Step",
    "StepRecord",
    "Task",
    "TeamMember",
    "WarningSign",
]
