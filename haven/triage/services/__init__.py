"""Triage services: the reading of a tip for the tip line, and risk signals from monitoring tools —
intake (validated, classified, de-duplicated, encrypted), routing by urgency, the team's review,
the district's settings, the retention purge and the false-alarm figures.

The functions live in ``signals`` (intake, routing, settings, purge), ``review`` (reading a
signal, confirming or dismissing it, classifying a text on request) and ``quality`` (false-alarm
rates and precision from the team's verdicts); pages, the API, the CLI and the worker call them.

Routing and the guardrails are described in ``signals`` and :mod:`haven.triage.guardrails`.
"""

from __future__ import annotations

import logging
from typing import Any

from haven.triage import classifier
from haven.triage.services.quality import feedback_report, rates
from haven.triage.services.review import (
    cases_available,
    classify_for,
    confirm,
    dismiss,
    get_signal,
    queue_counts,
    suggested_case_type,
)
from haven.triage.services.signals import (
    Intake,
    SignalInput,
    UnknownStudent,
    dedup_window,
    district_settings,
    fingerprint,
    managed_districts,
    may_see,
    purge_expired,
    retention_days,
    submit_signal,
    update_settings,
)

__all__ = [
    "Intake",
    "SignalInput",
    "UnknownStudent",
    "cases_available",
    "classify_for",
    "confirm",
    "dedup_window",
    "dismiss",
    "district_settings",
    "feedback_report",
    "fingerprint",
    "get_signal",
    "managed_districts",
    "may_see",
    "purge_expired",
    "queue_counts",
    "rates",
    "reading_for_tip",
    "retention_days",
    "submit_signal",
    "suggested_case_type",
    "update_settings",
]

log = logging.getLogger(__name__)


def reading_for_tip(tip: Any) -> dict[str, Any]:
    """The classifier's reading of a tip's text (description, location and online context), as
    stored on the tip: scores, urgency and evidence spans into the description.

    A failure of the classifier never loses a tip: it is logged (without the text) and the tip is
    stored unread by the classifier, to be triaged by people as before.
    """
    try:
        result = classifier.classify(tip.description)
    except Exception:  # the tip matters more than its automatic reading
        log.exception("triage could not read tip %s", tip.pk)
        return {}
    return result.as_dict()
