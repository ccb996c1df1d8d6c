"""The volunteers' services: the public application and the coordinator's decision
(:mod:`~haven.volunteers.services.applications`), background checks, training and expiry reminders
(:mod:`~haven.volunteers.services.checks`), opportunities and sign-ups
(:mod:`~haven.volunteers.services.opportunities`), and the front desk's volunteer check-in
(:mod:`~haven.volunteers.services.frontdesk`).

Every change goes through a function here that validates, writes, audits and notifies in one
transaction; the public form, the coordinator's pages, the API, the demo and the visitors' check-in
call the same functions.
Who is eligible is decided in :mod:`haven.volunteers.eligibility` (re-exported here).
"""

from haven.volunteers.eligibility import (
    CheckState,
    Eligibility,
    add_months,
    add_years,
    check_expires_on,
    check_state,
    current_check,
    eligibility,
    expiring_days,
    for_eligibility,
    renewal_years,
    required_trainings,
    training_valid_until,
)
from haven.volunteers.services._common import MAX_LINE, MAX_SLOTS, MAX_TEXT, school_id_of
from haven.volunteers.services.applications import (
    Application,
    apply,
    approve,
    decline,
    rescreen,
    search,
)
from haven.volunteers.services.checks import (
    add_training_type,
    change_training_type,
    notify_expiring,
    record_check,
    record_training,
)
from haven.volunteers.services.frontdesk import find_for_check_in, for_check_in, record_visit
from haven.volunteers.services.opportunities import (
    book,
    cancel_opportunity,
    cancel_sign_up,
    open_opportunities,
    post_opportunity,
    sign_up,
)

__all__ = [
    "MAX_LINE",
    "MAX_SLOTS",
    "MAX_TEXT",
    "Application",
    "CheckState",
    "Eligibility",
    "add_months",
    "add_training_type",
    "add_years",
    "apply",
    "approve",
    "book",
    "cancel_opportunity",
    "cancel_sign_up",
    "change_training_type",
    "check_expires_on",
    "check_state",
    "current_check",
    "decline",
    "eligibility",
    "expiring_days",
    "find_for_check_in",
    "for_check_in",
    "for_eligibility",
    "notify_expiring",
    "open_opportunities",
    "post_opportunity",
    "record_check",
    "record_training",
    "record_visit",
    "renewal_years",
    "required_trainings",
    "rescreen",
    "school_id_of",
    "search",
    "sign_up",
    "training_valid_until",
]
