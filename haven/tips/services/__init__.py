"""Every change to a tip goes through here: submission by the anonymous reporter, the dialogue,
and the responders' work (acknowledge, triage, assign, link, close), escalation and the purge.

Each function validates, writes, records the audit entry and sends notifications in one
transaction. The public pages, the API and the staff pages all call these functions.
"""

from haven.notify import services as notify
from haven.tips.services.escalation import escalate_overdue, start_escalation
from haven.tips.services.grouping import (
    Summary,
    acknowledge_group,
    close_group,
    members,
    merge,
    message_group,
    move_out,
    summary,
)
from haven.tips.services.reporter import (
    find_by_receipt,
    reporter_message,
    reporter_opened,
    reporter_thread,
)
from haven.tips.services.responders import (
    acknowledge,
    assign,
    close,
    link,
    listed,
    mark_triaged,
    open_tip,
    reopen,
    reveal_contact,
    set_legal_hold,
    staff_message,
)
from haven.tips.services.retention import DEFAULT_RETENTION_DAYS, purge_expired, retention_days
from haven.tips.services.submission import (
    LIFE_SAFETY_REASON_REPORTER,
    LIFE_SAFETY_REASON_TRIAGE,
    MAX_DESCRIPTION,
    MAX_MESSAGE,
    MAX_SUBJECTS,
    NotStored,
    TipInput,
    submit,
    validate,
)

__all__ = [
    "DEFAULT_RETENTION_DAYS",
    "LIFE_SAFETY_REASON_REPORTER",
    "LIFE_SAFETY_REASON_TRIAGE",
    "MAX_DESCRIPTION",
    "MAX_MESSAGE",
    "MAX_SUBJECTS",
    "NotStored",
    "Summary",
    "TipInput",
    "acknowledge",
    "acknowledge_group",
    "assign",
    "close",
    "close_group",
    "escalate_overdue",
    "find_by_receipt",
    "link",
    "listed",
    "mark_triaged",
    "members",
    "merge",
    "message_group",
    "move_out",
    "notify",
    "open_tip",
    "purge_expired",
    "reopen",
    "reporter_message",
    "reporter_opened",
    "reporter_thread",
    "retention_days",
    "reveal_contact",
    "set_legal_hold",
    "staff_message",
    "start_escalation",
    "submit",
    "summary",
    "validate",
]
