"""The tip line's throttles (the mechanism is :mod:`haven.core.throttle`).

Submissions: a person rarely files more than a few tips an hour; a school rarely gets more than a
few dozen in ten minutes (a viral incident), the district a few hundred.
"""

from __future__ import annotations

from haven.core.throttle import Limit, caller, exceeded, hit, retry_after, scale

__all__ = ["Limit", "caller", "exceeded", "hit", "retry_after", "scale"]

CALLER_SUBMIT = Limit("caller-submit", 5, 3600)
SCHOOL_SUBMIT = Limit("school-submit", 60, 600)
GLOBAL_SUBMIT = Limit("global-submit", 600, 600)
# Receipt guesses: 10 wrong receipts an hour from one caller, 300 an hour in all.
CALLER_GUESS = Limit("caller-guess", 10, 3600)
GLOBAL_GUESS = Limit("global-guess", 300, 3600)
# Follow-up messages from a reporter.
CALLER_MESSAGE = Limit("caller-message", 30, 3600)
