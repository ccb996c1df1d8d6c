"""The content folder: the shipped modules, and the loader refusing bad folders whole."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import given
from hypothesis import strategies as s

from haven.training import content, markdown
from haven.training.models import Module, ModuleText, Question

SIX = {
    "pathway-to-violence",
    "telling-someone",
    "suicide-warning-signs",
    "online-warning-signs",
    "fairness",
    "standard-response-protocol",
}


def test_the_shipped_modules_load_in_english_and_spanish(modules):
    assert set(modules) == SIX
    for module in modules.values():
        assert 10 <= module.minutes <= 30
        assert module.languages == ["en", "es"]
        assert module.source and module.licence and module.version
        texts = {t.language: t for t in module.texts.all()}
        assert set(texts) == {"en", "es"}
        assert len(texts["en"].sections) == len(texts["es"].sections) >= 3
        assert texts["en"].title != texts["es"].title
        questions = list(module.questions.all())
        assert len(questions) >= 4
        for q in questions:
            assert set(q.text) == set(q.why) == {"en", "es"}
            assert q.correct in {c["id"] for c in q.choices}
    assert modules["standard-response-protocol"].in_person
    # Proprietary programmes are linked, never copied.
    further = modules["suicide-warning-signs"].texts.get(language="en").further
    assert any("qprinstitute.com" in f["url"] for f in further)


def test_loading_again_replaces_a_module_and_keeps_one_copy(modules, tmp_path):
    folder = _copy(tmp_path)
    meta = folder / "fairness.yaml"
    meta.write_text(meta.read_text().replace('version: "1.0"', 'version: "1.1"'))
    call_command("load_training", str(folder))
    assert Module.objects.get(slug="fairness").version == "1.1"
    assert Module.objects.count() == 6
    assert ModuleText.objects.filter(module__slug="fairness").count() == 2


def _copy(tmp_path: Path) -> Path:
    folder = tmp_path / "content"
    shutil.copytree(content.SHIPPED, folder)
    return folder


BAD = [
    # (file, change, expected problem)
    ("fairness.yaml", ("minutes: 15", "minutes: 45"), "fairness.yaml:1: 'minutes' must be"),
    ("fairness.yaml", ("slug: fairness\n", ""), "fairness.yaml:1: 'slug' is missing"),
    ("fairness.yaml", ("    correct: a\n", "    correct: z\n"), "'correct' names no choice"),
    ("fairness.yaml", ("  - id: q2\n", "  - id: q1\n"), "question id 'q1' is used twice"),
    ("fairness.yaml", ("title:\n", "title: [\n"), "fairness.yaml:"),
    (
        "fairness.en.md",
        ("## There is no profile", "Stray text\n## There is no profile"),
        "fairness.en.md:3: text before the first '## ' section heading",
    ),
    ("suicide-warning-signs.es.md", ("(https://", "(http://"), "only https:// addresses"),
    ("telling-someone.yaml", ("source_url: https://", "source_url: http://"), "https://"),
]


@pytest.mark.parametrize(("name", "change", "problem"), BAD)
def test_a_bad_folder_is_refused_whole_naming_file_and_line(
    modules,
    tmp_path,
    name,
    change,
    problem,
):
    folder = _copy(tmp_path)
    # A good change elsewhere that must not be written either.
    other = folder / "pathway-to-violence.yaml"
    other.write_text(other.read_text().replace('version: "1.0"', 'version: "9.9"'))
    path = folder / name
    text = path.read_text()
    assert change[0] in text
    path.write_text(text.replace(change[0], change[1], 1))
    with pytest.raises(content.ContentError) as caught:
        content.load_folder(folder)
    assert any(problem in p for p in caught.value.problems), caught.value.problems
    assert Module.objects.get(slug="pathway-to-violence").version == "1.0"
    with pytest.raises(CommandError, match="nothing was loaded"):
        call_command("load_training", str(folder))


def test_yaml_errors_name_the_line(db, tmp_path):
    folder = _copy(tmp_path)
    path = folder / "fairness.yaml"
    lines = path.read_text().splitlines()
    lines[3] = "minutes: [15"  # line 4
    path.write_text("\n".join(lines))
    with pytest.raises(content.ContentError) as caught:
        content.read_folder(folder)
    assert any(p.startswith("fairness.yaml:") for p in caught.value.problems)
    assert not Module.objects.exists()


def test_a_missing_language_file_and_a_stray_file_are_named(db, tmp_path):
    folder = _copy(tmp_path)
    (folder / "fairness.es.md").unlink()
    (folder / "orphan.en.md").write_text("## A\ntext\n")
    with pytest.raises(content.ContentError) as caught:
        content.read_folder(folder)
    assert "fairness.es.md:1: missing (the module has a title in 'es')" in caught.value.problems
    assert any(p.startswith("orphan.en.md:1: belongs to no module") for p in caught.value.problems)


def test_a_json_module_loads_like_yaml(db, tmp_path):
    import json

    folder = tmp_path / "json"
    folder.mkdir()
    (folder / "short.json").write_text(
        json.dumps(
            {
                "slug": "short",
                "version": "2",
                "minutes": 10,
                "source": "Written for the test",
                "licence": "CC0",
                "title": {"en": "Short"},
                "questions": [
                    {
                        "id": "q1",
                        "text": {"en": "Yes?"},
                        "choices": [
                            {"id": "y", "text": {"en": "Yes"}},
                            {"id": "n", "text": {"en": "No"}},
                        ],
                        "correct": "y",
                        "why": {"en": "Because."},
                    }
                ],
            },
            indent=1,
        )
    )
    (folder / "short.en.md").write_text("# Short\n\n## One\nBody.\n")
    [module] = content.load_folder(folder)
    assert module.languages == ["en"]
    assert Question.objects.get(module=module).use == "both"


def test_an_empty_or_missing_folder_is_refused(db, tmp_path):
    with pytest.raises(content.ContentError, match="no module"):
        content.read_folder(tmp_path)
    with pytest.raises(content.ContentError, match="not a folder"):
        content.read_folder(tmp_path / "nope")


def test_markdown_renders_the_subset():
    html = markdown.render(
        "Para **one** and *two* [link](https://example.org).\n\n- a\n- b\n\n1. x\n2. y\n### Sub"
    )
    assert "<strong>one</strong>" in html and "<em>two</em>" in html
    assert '<a href="https://example.org" rel="noopener noreferrer">link</a>' in html
    assert "<ul><li>a</li><li>b</li></ul>" in html
    assert "<ol><li>x</li><li>y</li></ol>" in html
    assert "<h4>Sub</h4>" in html
    assert "href" not in markdown.render("[x](javascript:alert(1))")


@given(s.text(max_size=300))
def test_markdown_never_lets_html_through(text):
    html = markdown.render(text)
    assert "<script" not in html.lower()
    assert "<img" not in html.lower()
    for tag in ("<p>", "<ul>", "<ol>", "<li>", "<h4>", "<strong>", "<em>", "<a href"):
        html = html.replace(tag, "").replace(tag.replace("<", "</"), "")
    assert "<" not in html.replace("</a>", "").replace('rel="noopener noreferrer">', "")
