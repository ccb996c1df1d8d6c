"""What goes wrong: a :class:`Problem` points at ``file:line`` (the header is line 1) and says why;
:class:`RosterError` carries every problem of an import that wrote nothing.

The format is described for districts in ``docs/roster-import.md``.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_LISTED = 50  # problems the command prints; the error keeps them all


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    reason: str

    def __str__(self) -> str:
        return (
            f"{self.file}:{self.line}: {self.reason}"
            if self.line
            else f"{self.file}: {self.reason}"
        )


class RosterError(Exception):
    """The export cannot be imported; ``problems`` lists every reason. Nothing was written."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        shown = "; ".join(str(p) for p in problems[:3])
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        super().__init__(f"{shown}{more}")
