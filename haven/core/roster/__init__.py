"""Import a OneRoster CSV export (versions 1.1 and 1.2) into the roster, all or nothing.

What is imported from which file and column, what a re-import does, and what Haven keeps that
OneRoster lacks are described in ``docs/roster-import.md``. The import runs in three steps, one
module each: :mod:`.reading` (the folder or .zip, the manifest, the CSV files), :mod:`.checking`
(every row, against the export and the database; :mod:`.rows` checks one row's own values) and
:mod:`.writing` (bulk creates and updates, and the counts). :mod:`.problems` holds the error.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.db import DatabaseError, transaction

from haven.audit import services as audit
from haven.core.problems import Problem
from haven.core.roster.checking import Progress
from haven.core.roster.problems import MAX_LISTED, RosterError
from haven.core.roster.reading import read_export
from haven.core.roster.writing import ImportResult, Writer

__all__ = ["MAX_LISTED", "ImportResult", "RosterError", "import_roster"]


def import_roster(
    path: Path, *, dry_run: bool = False, progress: Progress | None = None
) -> ImportResult:
    """Import the OneRoster export at ``path`` (a folder or a .zip), all or nothing.

    Raises :class:`RosterError` with every problem found; nothing is written then. With
    ``dry_run`` everything is checked and counted, and the transaction is rolled back.
    """
    version, tables = read_export(Path(path))
    run = Writer(version, tables, progress or (lambda stage, done, total: None))
    try:
        with transaction.atomic():
            return _run(run, dry_run)
    except DatabaseError as exc:  # a constraint the checks did not foresee, or a locked database
        raise RosterError([Problem("database", None, f"the import was refused: {exc}")]) from exc


def _run(run: Writer, dry_run: bool) -> ImportResult:
    """Check, then write if nothing is wrong, and record the import in the audit log."""
    run.load_database()
    run.check()
    if run.problems:
        raise RosterError(run.problems)
    run.write()
    result = ImportResult(run.version, dry_run, run.tallies())
    detail: dict[str, Any] = {"oneroster_version": run.version, **result.as_dict()}
    audit.record(None, "import", ("core.roster", ""), detail=detail)
    if dry_run:
        transaction.set_rollback(True)
    return result
