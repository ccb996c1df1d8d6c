"""Training content as data: a folder of modules, loaded all or nothing.

For each module the folder holds ``<slug>.yaml`` (or ``<slug>.json``: the same structure) with its
metadata and question bank, and one ``<slug>.<language>.md`` per language it is written in, whose
``## `` headings start its sections. :func:`read_folder` checks everything and raises
:class:`ContentError` naming the file and line of the first problems; :func:`load_folder` writes
the modules in one transaction only when the whole folder is good. The format is in
docs/training.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction
from django.utils import timezone

from haven.training import markdown
from haven.training.models import LANGUAGES, Module, ModuleText, Question

#: The content shipped with Haven.
SHIPPED = Path(__file__).resolve().parent / "data"
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,49}$")
KEY = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
MAX_FILE_BYTES = 512 * 1024


class ContentError(ValueError):
    """A content folder that cannot be loaded; ``problems`` are ``file:line: reason`` lines."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class _Located(dict):
    line: int = 0


class _LineLoader(yaml.SafeLoader):
    """Safe YAML (JSON too) whose mappings remember their first line."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> _Located:
    mapping = _Located(loader.construct_mapping(node, deep=True))
    mapping.line = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


@dataclass
class Section:
    heading: str
    body: str


@dataclass
class ModuleData:
    slug: str
    version: str
    minutes: int
    source: str
    source_url: str
    licence: str
    in_person: bool
    pass_mark: int | None
    order: int
    titles: dict[str, str]
    summaries: dict[str, str]
    further: list[dict[str, str]]
    sections: dict[str, list[Section]] = field(default_factory=dict)
    questions: list[dict[str, Any]] = field(default_factory=list)

    @property
    def languages(self) -> list[str]:
        return [lang for lang in LANGUAGES if lang in self.titles]


class _File:
    """Collects the problems of one file, each with its line."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        self.path = path
        self.problems = problems

    def error(self, line: int, reason: str) -> None:
        self.problems.append(f"{self.path.name}:{line}: {reason}")


def _text(f: _File, where: _Located, key: str, *, required: bool = True, limit: int = 2000) -> str:
    value = where.get(key)
    if value is None or value == "":
        if required:
            f.error(where.line, f"'{key}' is missing")
        return ""
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        f.error(where.line, f"'{key}' must be text")
        return ""
    text = str(value).strip()
    if "\x00" in text:
        f.error(where.line, f"'{key}' holds a NUL character")
        return ""
    if len(text) > limit:
        f.error(where.line, f"'{key}' is longer than {limit} characters")
    return text


def _int(f: _File, where: _Located, key: str, low: int, high: int, required: bool = True) -> int:
    value = where.get(key)
    if value is None:
        if required:
            f.error(where.line, f"'{key}' is missing")
        return 0
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        f.error(where.line, f"'{key}' must be a whole number from {low} to {high}")
        return 0
    return value


def _per_language(
    f: _File, where: _Located, key: str, languages: list[str], limit: int = 2000
) -> dict[str, str]:
    value = where.get(key)
    if not isinstance(value, dict):
        f.error(where.line, f"'{key}' must give the text per language ({', '.join(languages)})")
        return {}
    located = value if isinstance(value, _Located) else _Located(value)
    if not located.line:
        located.line = where.line
    out = {}
    for lang in languages:
        out[lang] = _text(f, located, lang, limit=limit)
    extra = set(value) - set(languages)
    if extra:
        f.error(located.line, f"'{key}' has a language the module's title lacks: {sorted(extra)}")
    return out


def _read_meta(path: Path, problems: list[str]) -> ModuleData | None:
    f = _File(path, problems)
    if path.stat().st_size > MAX_FILE_BYTES:
        f.error(1, f"larger than {MAX_FILE_BYTES // 1024} KB")
        return None
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)  # noqa: S506 - a SafeLoader
    except UnicodeDecodeError:
        f.error(1, "is not UTF-8 text")
        return None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        f.error(mark.line + 1 if mark else 1, f"not valid YAML/JSON: {exc.problem or exc}")
        return None
    except yaml.YAMLError as exc:
        f.error(1, f"not valid YAML/JSON: {exc}")
        return None
    if not isinstance(raw, _Located):
        f.error(1, "must be a mapping of the module's fields")
        return None
    slug = _text(f, raw, "slug", limit=50)
    if slug and not SLUG.match(slug):
        f.error(raw.line, "'slug' must be lower-case letters, digits and dashes")
    if slug and path.stem != slug:
        f.error(raw.line, f"the file must be named {slug}{path.suffix} after its slug")
    titles = raw.get("title")
    languages = [lang for lang in LANGUAGES if isinstance(titles, dict) and lang in titles]
    if not languages:
        f.error(raw.line, f"'title' must give the title in at least one of {', '.join(LANGUAGES)}")
        languages = ["en"]
    minutes = _int(f, raw, "minutes", 10, 30)
    module = ModuleData(
        slug=slug,
        version=_text(f, raw, "version", limit=20),
        minutes=minutes,
        source=_text(f, raw, "source"),
        source_url=_text(f, raw, "source_url", required=False, limit=500),
        licence=_text(f, raw, "licence", limit=200),
        in_person=bool(raw.get("in_person", False)),
        pass_mark=_int(f, raw, "pass_mark", 1, 100, required=False) or None,
        order=_int(f, raw, "order", 0, 1000, required=False),
        titles=_per_language(f, raw, "title", languages, limit=200),
        summaries=_per_language(f, raw, "summary", languages) if "summary" in raw else {},
        further=[],
    )
    if module.source_url and not module.source_url.startswith("https://"):
        f.error(raw.line, "'source_url' must be an https:// address")
    for item in raw.get("further") or []:
        if not isinstance(item, _Located):
            f.error(raw.line, "each 'further' entry must be a mapping with title and url")
            continue
        url = _text(f, item, "url", limit=500)
        if url and not url.startswith("https://"):
            f.error(item.line, "'url' must be an https:// address")
        module.further.append({"title": _text(f, item, "title", limit=200), "url": url})
    module.questions = _read_questions(f, raw, languages)
    return module


def _read_questions(f: _File, raw: _Located, languages: list[str]) -> list[dict[str, Any]]:
    items = raw.get("questions")
    if not isinstance(items, list) or not items:
        f.error(raw.line, "'questions' must list the question bank")
        return []
    questions: list[dict[str, Any]] = []
    seen: set[str] = set()
    for item in items:
        if not isinstance(item, _Located):
            f.error(raw.line, "each question must be a mapping")
            continue
        key = _text(f, item, "id", limit=40)
        if key and not KEY.match(key):
            f.error(item.line, f"question id {key!r}: letters, digits, '-' and '_' only")
        if key in seen:
            f.error(item.line, f"question id {key!r} is used twice")
        seen.add(key)
        use = item.get("use", "both")
        if use not in Question.Use.values:
            f.error(item.line, f"question {key}: 'use' must be pre, post or both")
        choices = []
        for choice in item.get("choices") or []:
            if not isinstance(choice, _Located):
                f.error(item.line, f"question {key}: each choice must be a mapping")
                continue
            cid = _text(f, choice, "id", limit=40)
            choices.append({"id": cid, "text": _per_language(f, choice, "text", languages)})
        ids = [c["id"] for c in choices]
        if len(choices) < 2:
            f.error(item.line, f"question {key}: give at least two choices")
        if len(set(ids)) != len(ids):
            f.error(item.line, f"question {key}: two choices have the same id")
        correct = _text(f, item, "correct", limit=40)
        if correct and correct not in ids:
            f.error(item.line, f"question {key}: 'correct' names no choice ({correct!r})")
        questions.append(
            {
                "key": key,
                "use": use,
                "text": _per_language(f, item, "text", languages),
                "choices": choices,
                "correct": correct,
                "why": _per_language(f, item, "why", languages),
            }
        )
    for kind in ("pre", "post"):
        if not any(q["use"] in (kind, "both") for q in questions):
            f.error(raw.line, f"no question is used in the {kind}-test")
    return questions


def _read_sections(path: Path, problems: list[str]) -> list[Section]:
    f = _File(path, problems)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError:
        f.error(1, "is not UTF-8 text")
        return []
    sections: list[Section] = []
    body: list[str] = []
    heading_line = 0
    for number, line in enumerate(lines, start=1):
        if "\x00" in line:
            f.error(number, "holds a NUL character")
            return []
        if line.startswith("# "):
            if sections or body or heading_line:
                f.error(number, "a '# ' title may only be the first line")
            continue
        if line.startswith("## "):
            if heading_line:
                if not "".join(body).strip():
                    f.error(heading_line, "this section is empty")
                sections.append(Section(lines[heading_line - 1][3:].strip(), "\n".join(body)))
            elif "".join(body).strip():
                f.error(number - 1, "text before the first '## ' section heading")
            heading_line, body = number, []
            continue
        body.append(line)
    if heading_line:
        if not "".join(body).strip():
            f.error(heading_line, "this section is empty")
        sections.append(Section(lines[heading_line - 1][3:].strip(), "\n".join(body).strip()))
    else:
        f.error(1, "no '## ' section: a module has at least one")
    for section in sections:
        section.body = section.body.strip()
        problem = markdown.problem(section.body)
        if problem:
            f.error(heading_line, problem)
    return sections


def read_folder(folder: Path) -> list[ModuleData]:
    """Every module of the folder, checked; :class:`ContentError` lists every problem found."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ContentError([f"{folder}: not a folder"])
    problems: list[str] = []
    modules: list[ModuleData] = []
    metas = sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml", ".json"))
    if not metas:
        raise ContentError([f"{folder}: no module (<slug>.yaml or <slug>.json) in it"])
    stems = [p.stem for p in metas]
    for stem in {s for s in stems if stems.count(s) > 1}:
        problems.append(f"{stem}: described by two files")
    for path in metas:
        module = _read_meta(path, problems)
        if module is None:
            continue
        for lang in module.languages:
            text = folder / f"{path.stem}.{lang}.md"
            if not text.is_file():
                problems.append(f"{text.name}:1: missing (the module has a title in {lang!r})")
                continue
            module.sections[lang] = _read_sections(text, problems)
        modules.append(module)
    known = {f"{p.stem}.{lang}.md" for p in metas for lang in LANGUAGES}
    for path in sorted(folder.glob("*.md")):
        if path.name not in known and not path.name.lower().startswith("readme"):
            problems.append(f"{path.name}:1: belongs to no module (name it <slug>.<en|es>.md)")
    if problems:
        raise ContentError(problems)
    return modules


@transaction.atomic
def load_folder(folder: Path) -> list[Module]:
    """Check the folder, then add or replace its modules in one transaction (nothing is written
    if any file is wrong). A module already loaded with the same slug is replaced: its text and
    bank are those of the folder; attempts and completions made on it are kept."""
    found = read_folder(folder)
    now = timezone.now()
    loaded = []
    for data in found:
        module, _ = Module.objects.update_or_create(
            slug=data.slug,
            defaults={
                "version": data.version,
                "minutes": data.minutes,
                "source": data.source,
                "source_url": data.source_url,
                "licence": data.licence,
                "languages": data.languages,
                "in_person": data.in_person,
                "pass_mark": data.pass_mark,
                "order": data.order,
                "active": True,
                "loaded_at": now,
            },
        )
        module.texts.all().delete()
        module.questions.all().delete()
        ModuleText.objects.bulk_create(
            ModuleText(
                module=module,
                language=lang,
                title=data.titles[lang],
                summary=data.summaries.get(lang, ""),
                sections=[{"heading": s.heading, "body": s.body} for s in data.sections[lang]],
                further=data.further,
            )
            for lang in data.languages
        )
        Question.objects.bulk_create(
            Question(
                module=module,
                key=q["key"],
                order=position,
                use=q["use"],
                text=q["text"],
                choices=q["choices"],
                correct=q["correct"],
                why=q["why"],
            )
            for position, q in enumerate(data.questions)
        )
        loaded.append(module)
    return loaded
