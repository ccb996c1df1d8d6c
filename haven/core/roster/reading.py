"""Reading an export: opening the folder or .zip, the manifest (OneRoster version, bulk or absent
files), and each CSV file parsed into :class:`~.rows.Row` objects that know their file and line.

A problem that makes the export unreadable raises :class:`~.problems.RosterError` straight away;
otherwise every problem of every file is collected and raised together.
"""

from __future__ import annotations

import csv
import io
import zipfile
import zlib
from pathlib import Path

from haven.core.problems import Problem
from haven.core.roster.problems import RosterError
from haven.core.roster.rows import Row

MAX_FILE_BYTES = 512 * 1024 * 1024  # one CSV; a district's largest export is far smaller
FILES = (
    "orgs",
    "academicSessions",
    "courses",
    "users",
    "roles",
    "demographics",
    "classes",
    "enrollments",
)
REQUIRED_FILES = {"1.1": {"orgs", "users", "classes", "enrollments"}}
REQUIRED_FILES["1.2"] = REQUIRED_FILES["1.1"] | {"roles"}
COLUMNS: dict[str, tuple[str, ...]] = {
    "manifest": ("propertyName", "value"),
    "orgs": ("sourcedId", "name", "type"),
    "academicSessions": ("sourcedId", "title", "type"),
    "courses": ("sourcedId", "title"),
    "users": ("sourcedId", "givenName", "familyName"),
    "roles": ("userSourcedId", "roleType", "role", "orgSourcedId"),
    "demographics": ("sourcedId", "birthDate"),
    "classes": ("sourcedId", "title", "schoolSourcedId"),
    "enrollments": ("sourcedId", "classSourcedId", "userSourcedId", "role"),
}
USERS_11_COLUMNS = ("role", "orgSourcedIds")


def read_export(path: Path) -> tuple[str, dict[str, list[Row]]]:
    """Read and parse the export's files: (OneRoster version, rows by file name without .csv)."""
    blobs = _open(path)
    problems: list[Problem] = []
    if "manifest.csv" not in blobs:
        raise RosterError([Problem(path.name, None, "manifest.csv is missing")])
    manifest_rows = _parse_csv("manifest.csv", blobs["manifest.csv"], problems, COLUMNS["manifest"])
    if problems:
        raise RosterError(problems)
    manifest: dict[str, str] = {}
    for row in manifest_rows:
        name = row.get("propertyName")
        if name in manifest:
            problems.append(Problem(row.file, row.line, f"'{name}' is given twice"))
        manifest[name] = row.get("value")
    raw_version = manifest.get("oneroster.version", "")
    version = next((v for v in REQUIRED_FILES if raw_version in (v, f"{v}.0")), "")
    if not version:
        found = f"'{raw_version}'" if raw_version else "missing"
        problems.append(
            Problem("manifest.csv", None, f"oneroster.version is {found}; Haven reads 1.1 and 1.2")
        )
        raise RosterError(problems)
    tables: dict[str, list[Row]] = {}
    for name in FILES:
        if name == "roles" and version == "1.1":
            continue
        filename = f"{name}.csv"
        mode = manifest.get(f"file.{name}", "").lower()
        if mode == "absent":
            continue
        if mode == "delta":
            problems.append(
                Problem(
                    "manifest.csv",
                    None,
                    f"file.{name} is 'delta': Haven imports bulk exports only; export a full set",
                )
            )
        elif mode not in ("", "bulk"):
            problems.append(Problem("manifest.csv", None, f"file.{name} is '{mode}'"))
        elif filename in blobs:
            required = COLUMNS[name] + (
                USERS_11_COLUMNS if filename == "users.csv" and version == "1.1" else ()
            )
            tables[name] = _parse_csv(filename, blobs[filename], problems, required)
        elif mode == "bulk" or name in REQUIRED_FILES[version]:
            problems.append(Problem(filename, None, "the file is missing from the export"))
    if problems:
        raise RosterError(problems)
    return version, tables


def _open(path: Path) -> dict[str, bytes]:
    """The export's files by (lower-case) name, from a folder or a zip."""
    if not path.exists():
        raise RosterError([Problem(path.name, None, "no such folder or file")])
    try:
        if path.is_dir():
            blobs = {}
            for child in path.iterdir():
                if child.is_file() and child.suffix.lower() == ".csv":
                    if child.stat().st_size > MAX_FILE_BYTES:
                        raise RosterError([Problem(child.name, None, "the file is too large")])
                    blobs[_canonical_name(child.name)] = child.read_bytes()
            return blobs
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.infolist() if not m.is_dir()]
            manifest = next(
                (m for m in members if m.filename.rsplit("/", 1)[-1].lower() == "manifest.csv"),
                None,
            )
            folder = (
                manifest.filename.rsplit("/", 1)[0] + "/"
                if manifest and "/" in manifest.filename
                else ""
            )
            blobs = {}
            for member in members:
                inside = (
                    member.filename[len(folder) :] if member.filename.startswith(folder) else ""
                )
                if not inside or "/" in inside or not inside.lower().endswith(".csv"):
                    continue
                if member.file_size > MAX_FILE_BYTES:
                    raise RosterError([Problem(inside, None, "the file is too large")])
                blobs[_canonical_name(inside)] = archive.read(member)
            return blobs
    except zipfile.BadZipFile as exc:
        raise RosterError([Problem(path.name, None, "not a folder or a zip file")]) from exc
    except (OSError, EOFError, RuntimeError, ValueError, NotImplementedError, zlib.error) as exc:
        # unreadable, encrypted, corrupt or compressed in a way Python cannot read
        raise RosterError([Problem(path.name, None, f"cannot be read ({exc})")]) from exc


def _canonical_name(name: str) -> str:
    lowered = {f"{n.lower()}.csv": f"{n}.csv" for n in (*FILES, "manifest")}
    return lowered.get(name.lower(), name)


def _parse_csv(
    filename: str, data: bytes, problems: list[Problem], required: tuple[str, ...]
) -> list[Row]:
    """Rows of one CSV file (UTF-8, an optional BOM), each with the line it starts on."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        problems.append(Problem(filename, line, "the file is not UTF-8 text"))
        return []
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[Row] = []
    try:
        header = [h.strip() for h in next(reader, [])]
        if not any(header):
            problems.append(Problem(filename, 1, "the file is empty (no header row)"))
            return []
        for column in sorted({h for h in header if header.count(h) > 1}):
            problems.append(Problem(filename, 1, f"column '{column}' appears more than once"))
        for column in required:
            if column not in header:
                problems.append(Problem(filename, 1, f"missing required column '{column}'"))
        start = reader.line_num + 1
        for record in reader:
            line, start = start, reader.line_num + 1
            if not any(v.strip() for v in record):
                continue
            if len(record) != len(header):
                problems.append(
                    Problem(
                        filename,
                        line,
                        f"the row has {len(record)} values; the header has {len(header)} columns",
                    )
                )
                continue
            rows.append(Row(filename, line, dict(zip(header, record, strict=True))))
    except csv.Error as exc:
        problems.append(Problem(filename, reader.line_num, f"malformed CSV ({exc})"))
    return rows
