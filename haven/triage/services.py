"""Triage services used by the other parts of Haven."""

from __future__ import annotations

import logging
from typing import Any

from haven.triage import classifier

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
