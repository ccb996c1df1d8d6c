"""What goes wrong: each :class:`haven.core.problems.Problem` points at ``file:line`` (the header is
line 1) and says why; :class:`RosterError` carries every problem of an import that wrote nothing.

The format is described for districts in ``docs/roster-import.md``.
"""

from __future__ import annotations

from haven.core.problems import Refused

MAX_LISTED = 50  # problems the command prints; the error keeps them all


class RosterError(Refused):
    """The export cannot be imported; ``problems`` lists every reason. Nothing was written."""
