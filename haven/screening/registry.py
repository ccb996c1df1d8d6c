"""Importing a sex-offender registry file (``haven import-registry FILE.csv``).

The file is CSV, UTF-8 (a BOM is allowed), with a header naming at least these columns (any order,
others ignored)::

    record_id, last_name, first_name, middle_name, suffix, aliases, date_of_birth, sex,
    jurisdiction, source_url

``aliases`` are full names separated by ``;``; ``date_of_birth`` is YYYY-MM-DD.

What the import does:

* **Each jurisdiction in the file replaces that jurisdiction's records** (delete, then insert), in
  one transaction per jurisdiction: a screening sees the old list or the new one, never half of
  each (should the database fail half-way through a file, the jurisdictions already written stay
  replaced and the others stay as they were; run the import again). Jurisdictions absent from the
  file are left alone. Importing the same file again gives the same records (a record is
  identified by jurisdiction + record_id), so the import is idempotent.
* **A file that cannot be read** — missing columns, broken quoting, text that is not UTF-8, no
  records — raises :class:`RegistryError` naming ``file:line`` before anything is written.
* **A bad row** (no name, an impossible date, a record_id given twice …) is left out and reported
  as ``file:line: reason``; with ``strict=True`` any bad row stops the import before anything is
  written.

The file is read once: rows are checked and their names normalised (the index reads them back
without normalising again), then spooled per jurisdiction to a temporary file: memory holds the
record ids seen (to find duplicates), not the rows. Rows are written with COPY on PostgreSQL and
``executemany`` elsewhere.
"""

from __future__ import annotations

import csv
import datetime as dt
import marshal
import re
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from django.db import connection, transaction
from django.utils import timezone

from haven.audit import services as audit
from haven.core.problems import Problem, Refused
from haven.screening.models import Registrant, RegistryImport
from haven.screening.names import normalise, parse_full

if TYPE_CHECKING:
    from haven.accounts.models import User

COLUMNS = (
    "record_id",
    "last_name",
    "first_name",
    "middle_name",
    "suffix",
    "aliases",
    "date_of_birth",
    "sex",
    "jurisdiction",
    "source_url",
)
# Columns written, in the order of each spooled row; registry_import_id is added per jurisdiction.
_WRITTEN = (
    "jurisdiction",
    "record_id",
    "last_name",
    "first_name",
    "middle_name",
    "suffix",
    "aliases",
    "date_of_birth",
    "sex",
    "source_url",
    "names",
)
LIMITS = {
    "record_id": 128,
    "last_name": 200,
    "first_name": 200,
    "middle_name": 200,
    "suffix": 20,
    "aliases": 4000,
    "date_of_birth": 32,  # then checked as a date
    "sex": 16,
    "jurisdiction": 32,
    "source_url": 2000,
}
_LIMITS = tuple(LIMITS[c] for c in COLUMNS)
MAX_LISTED = 50  # problems the command prints; the result keeps them all
SPOOL_ROWS = 5_000  # rows per jurisdiction held in memory before they go to the spool file
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_URL = re.compile(r"https?://\S+", re.IGNORECASE)

Progress = Callable[[str, int, int], None]


class RegistryError(Refused):
    """The file cannot be imported; nothing was written. ``problems`` says why."""


@dataclass
class Jurisdiction:
    records: int = 0
    replaced: int = 0  # records it had before
    skipped: int = 0


@dataclass
class ImportResult:
    file: str
    jurisdictions: dict[str, Jurisdiction] = field(default_factory=dict)
    skipped: list[Problem] = field(default_factory=list)

    @property
    def records(self) -> int:
        return sum(j.records for j in self.jurisdictions.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "records": self.records,
            "jurisdictions": {
                code: {"records": j.records, "replaced": j.replaced}
                for code, j in sorted(self.jurisdictions.items())
            },
            "skipped": len(self.skipped),
            "problems": [str(p) for p in self.skipped[:MAX_LISTED]],
        }


def import_registry(
    path: Path | str,
    *,
    strict: bool = False,
    actor: User | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Import a registry file (see the module's docstring). Raises :class:`RegistryError` when the
    file cannot be imported (and, with ``strict``, when any row is bad); nothing is written then.
    ``progress(stage, done, total)`` is called now and then ("reading" in bytes, "writing" in
    records).
    """
    path = Path(path)
    result = ImportResult(path.name)
    with tempfile.TemporaryFile(prefix="haven-registry-") as spool:
        read = _Reader(path, spool, progress)
        read.run()
        result.skipped = read.problems
        if strict and read.problems:
            raise RegistryError(read.problems)
        if not read.spooled:
            raise RegistryError([*read.problems, Problem(path.name, None, "no records to import")])
        total = sum(read.counts.values())
        done = 0
        for code in sorted(read.spooled):
            result.jurisdictions[code] = _replace(
                code,
                path.name,
                spool,
                read.spooled[code],
                records=read.counts[code],
                skipped=read.skipped.get(code, 0),
                actor=actor,
            )
            done += read.counts[code]
            if progress:
                progress("writing", done, total)
    return result


class _Reader:
    """Reads, checks and normalises the rows, spooling them per jurisdiction."""

    def __init__(self, path: Path, spool: IO[bytes], progress: Progress | None) -> None:
        self.path, self.name, self.spool, self.progress = path, path.name, spool, progress
        self.problems: list[Problem] = []
        self.spooled: dict[str, list[tuple[int, int]]] = {}  # code → [(offset, rows)]
        self.counts: dict[str, int] = {}
        self.skipped: dict[str, int] = {}
        self._pending: dict[str, list[tuple[str, ...]]] = {}
        self._seen: dict[str, dict[str, int]] = {}  # code → record_id → line
        self._today = timezone.localdate()
        self._dates: dict[str, str] = {}  # date_of_birth → why it is refused ("" when it is not)

    def fail(self, line: int | None, reason: str) -> RegistryError:
        return RegistryError([*self.problems, Problem(self.name, line, reason)])

    def run(self) -> None:
        try:
            handle = self.path.open("rb")
        except OSError as exc:
            raise self.fail(None, f"cannot be read ({exc.strerror or exc})") from exc
        with handle:
            lines = _Lines(handle)
            try:
                self._read(lines, csv.reader(lines, strict=True))
            except UnicodeDecodeError as exc:
                raise self.fail(
                    lines.number,
                    f"is not UTF-8 text (byte 0x{exc.object[exc.start]:02x}); "
                    "save the file as UTF-8 CSV",
                ) from exc
        for code in list(self._pending):
            self._flush(code)

    def _read(self, lines: _Lines, reader: Any) -> None:
        try:
            header = next(reader)
        except StopIteration:
            raise self.fail(None, "the file is empty") from None
        except csv.Error as exc:
            raise self.fail(1, f"the header cannot be read ({exc})") from exc
        columns = [c.strip().lower() for c in header]
        missing = [c for c in COLUMNS if c not in columns]
        if missing:
            raise self.fail(
                1,
                f"missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
                f"(the header must name {', '.join(COLUMNS)})",
            )
        twice = sorted({c for c in columns if c and columns.count(c) > 1})
        if twice:
            raise self.fail(
                1, f"column{'s' if len(twice) > 1 else ''} given twice: {', '.join(twice)}"
            )
        positions = [columns.index(c) for c in COLUMNS]
        width = len(columns)
        size = max(self.path.stat().st_size, 1)
        start, rows = 2, 0
        while True:
            try:
                values = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                raise self.fail(
                    start,
                    f"broken quoting ({exc}): a field that starts with a quote must end with one, "
                    'and a quote inside a quoted field is written twice ("")',
                ) from exc
            line, start = start, reader.line_num + 1
            if not values or (len(values) == 1 and not values[0].strip()):
                continue  # a blank line
            rows += 1
            if len(values) != width:
                self._bad(
                    line,
                    None,
                    f"{len(values)} fields where the header has {width} "
                    "(does a field with a comma lack its quotes?)",
                )
                continue
            self._row(line, [values[p] for p in positions])
            if self.progress and rows % 20_000 == 0:
                self.progress("reading", lines.bytes, size)
        if self.progress:
            self.progress("reading", size, size)

    def _bad(self, line: int, code: str | None, reason: str) -> None:
        self.problems.append(Problem(self.name, line, reason))
        if code:
            self.skipped[code] = self.skipped.get(code, 0) + 1

    def _row(self, line: int, values: list[str]) -> None:
        """Check one row; spool it, or record why it is left out. (Written for speed: it runs a
        million times for a national registry.)"""
        row = [v.strip() for v in values]
        record_id, last, first, middle, suffix, aliases, born, sex, code, url = row
        code = code.upper()
        for column, value, limit in zip(COLUMNS, row, _LIMITS, strict=True):
            if len(value) > limit:
                self._bad(line, code, f"{column} is longer than {limit} characters")
                return
        if "\x00" in "".join(row):
            self._bad(line, code, "contains a NUL character")
            return
        for column, value in (
            ("jurisdiction", code),
            ("record_id", record_id),
            ("last_name", last),
            ("first_name", first),
            ("date_of_birth", born),
        ):
            if not value:
                self._bad(line, code or None, f"{column} is empty")
                return
        reason = self._dates.get(born)
        if reason is None:
            reason = self._dates[born] = _check_date(born, self._today)
        if reason:
            self._bad(line, code, f"date_of_birth {reason}")
            return
        if url and not _URL.fullmatch(url):
            self._bad(line, code, "source_url is not an http(s) address")
            return
        primary = normalise(first, last, middle, suffix)
        if not primary.given or not primary.surname:
            empty = "first_name" if not primary.given else "last_name"
            self._bad(line, code, f"{empty} has no letters")
            return
        names = [primary.encode()]
        if aliases:
            listed = [a.strip() for a in aliases.split(";") if a.strip()]
            if any(len(a) > 200 for a in listed):
                self._bad(line, code, "an alias is longer than 200 characters")
                return
            aliases = "; ".join(listed)
            names += [n.encode() for n in map(parse_full, listed) if not n.is_empty]
        seen = self._seen.get(code)
        if seen is None:
            seen = self._seen[code] = {}
        first_line = seen.setdefault(record_id, line)
        if first_line != line:
            self._bad(
                line,
                code,
                f"record_id {record_id!r} of {code} is given twice (first on line "
                f"{first_line}); this row is left out",
            )
            return
        encoded = ";".join(dict.fromkeys(names)) if len(names) > 1 else names[0]
        pending = self._pending.get(code)
        if pending is None:
            pending = self._pending[code] = []
        # In the order of _WRITTEN.
        pending.append(
            (code, record_id, last, first, middle, suffix, aliases, born, sex, url, encoded)
        )
        if len(pending) >= SPOOL_ROWS:
            self._flush(code)

    def _flush(self, code: str) -> None:
        rows = self._pending.pop(code, [])
        if not rows:
            return
        offset = self.spool.seek(0, 2)
        marshal.dump(rows, self.spool)
        self.spooled.setdefault(code, []).append((offset, len(rows)))
        self.counts[code] = self.counts.get(code, 0) + len(rows)


class _Lines:
    """The file's lines decoded one by one (so a decoding error names its line), counting lines
    and bytes."""

    def __init__(self, handle: IO[bytes]) -> None:
        self.handle = handle
        self.number = 0
        self.bytes = 0

    def __iter__(self) -> Iterator[str]:
        for raw in self.handle:
            self.number += 1
            self.bytes += len(raw)
            if self.number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            yield raw.decode("utf-8")


def _check_date(value: str, today: dt.date) -> str:
    """Why a date_of_birth is not acceptable ("" if it is)."""
    if not _DATE.fullmatch(value):
        return f"{value!r} is not a date written YYYY-MM-DD"
    try:
        born = dt.date.fromisoformat(value)
    except ValueError:
        return f"{value!r} is not a real date"
    if born > today:
        return f"{value} is in the future"
    if born.year < 1900:
        return f"{value} is before 1900"
    return ""


def _replace(
    code: str,
    file_name: str,
    spool: IO[bytes],
    spooled: list[tuple[int, int]],
    *,
    records: int,
    skipped: int,
    actor: User | None,
) -> Jurisdiction:
    """Replace one jurisdiction's records by the spooled rows, in one transaction."""
    qn = connection.ops.quote_name
    table = qn(Registrant._meta.db_table)
    where = f"FROM {table} WHERE {qn('jurisdiction')} = %s"  # a quoted table; value as parameter
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) {where}", [code])
        before = cursor.fetchone()[0]
        cursor.execute(f"DELETE {where}", [code])
        batch = RegistryImport.objects.create(
            jurisdiction=code,
            file_name=file_name[:255],
            records=records,
            replaced=before,
            skipped=skipped,
        )
        for offset, _count in spooled:
            spool.seek(offset)
            rows = marshal.load(spool)  # noqa: S302 - our own spool file, written above
            _insert(cursor, table, rows, batch.pk)
        audit.record(
            actor,
            "update",
            ("screening.registry", code),
            detail={"records": records, "replaced": before, "skipped": skipped},
        )
    return Jurisdiction(records=records, replaced=before, skipped=skipped)


def _insert(cursor: Any, table: str, rows: list[tuple[str, ...]], import_id: int) -> None:
    qn = connection.ops.quote_name
    columns = ", ".join(qn(c) for c in (*_WRITTEN, "registry_import_id"))
    if connection.vendor == "postgresql":
        # COPY: several times faster than INSERT for a million rows.
        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row((*row, import_id))
        return
    marks = ", ".join(["%s"] * len(_WRITTEN))
    # The import's id is an integer from the database, written into the statement so that the
    # rows go to executemany as they were spooled (no new tuple per row).
    sql = f"INSERT INTO {table} ({columns}) VALUES ({marks}, {int(import_id)})"  # noqa: S608 - quoted identifiers and an int; values are parameters
    cursor.executemany(sql, rows)
