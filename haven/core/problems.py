"""What goes wrong in an import from files (the OneRoster export, the sex-offender registry): a
:class:`Problem` points at ``file:line`` (the header is line 1) and says why; :class:`Refused`
carries every problem of an import that wrote nothing. Each importer raises its own subclass."""

from __future__ import annotations

from dataclasses import dataclass


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


class Refused(Exception):
    """The file cannot be imported; ``problems`` lists every reason. Nothing was written."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        shown = "; ".join(str(p) for p in problems[:3])
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        super().__init__(f"{shown}{more}")
