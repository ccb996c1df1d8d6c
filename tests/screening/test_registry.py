"""Importing a registry file: idempotent, jurisdiction by jurisdiction, bad rows by line, and
nothing written from a file that cannot be read."""

from __future__ import annotations

import datetime as dt

import pytest

from haven.audit.models import AuditEvent
from haven.screening import registry
from haven.screening.models import Registrant, RegistryImport
from haven.screening.names import Name
from tests.screening.conftest import CA_ROWS, HEADER, TX_ROWS

pytestmark = pytest.mark.django_db


def stored():
    return set(
        Registrant.objects.values_list(
            "jurisdiction", "record_id", "first_name", "last_name", "names", "date_of_birth"
        )
    )


def test_a_registry_file_is_imported_with_normalised_names(registry_file):
    result = registry.import_registry(registry_file(*TX_ROWS, *CA_ROWS))
    assert result.records == 5
    assert {code: j.records for code, j in result.jurisdictions.items()} == {"CA": 2, "TX": 3}
    assert result.skipped == []
    william = Registrant.objects.get(jurisdiction="TX", record_id="tx-1")
    assert (william.first_name, william.middle_name, william.suffix) == ("William", "James", "Jr")
    assert william.date_of_birth == dt.date(1975, 3, 14)
    assert william.aliases == "Bill Smith; Smith, Billy J"
    assert [Name.decode(n) for n in william.names.split(";")] == [
        Name(("william",), ("james",), ("smith",), "jr"),
        Name(("bill",), (), ("smith",)),
        Name(("billy",), ("j",), ("smith",)),
    ]
    jose = Registrant.objects.get(record_id="tx-2")
    assert jose.names.split(";")[0] == "jose||garcia lopez|"


def test_importing_the_same_file_again_changes_nothing(registry_file):
    path = registry_file(*TX_ROWS, *CA_ROWS)
    registry.import_registry(path)
    before = stored()
    result = registry.import_registry(path)
    assert stored() == before
    assert Registrant.objects.count() == 5
    assert {code: j.replaced for code, j in result.jurisdictions.items()} == {"CA": 2, "TX": 3}


def test_a_file_replaces_only_its_own_jurisdictions(registry_file):
    registry.import_registry(registry_file(*TX_ROWS, *CA_ROWS))
    update = (
        "tx-1,Smith,William,James,Jr,,1975-03-14,M,TX,",
        "tx-9,Doe,Jane,,,,1970-01-01,F,tx,",  # jurisdiction codes are upper-cased
    )
    result = registry.import_registry(registry_file(*update))
    assert set(result.jurisdictions) == {"TX"}
    assert result.jurisdictions["TX"].replaced == 3
    assert set(
        Registrant.objects.filter(jurisdiction="TX").values_list("record_id", flat=True)
    ) == {
        "tx-1",
        "tx-9",
    }
    assert Registrant.objects.filter(jurisdiction="CA").count() == 2
    imports = RegistryImport.objects.filter(jurisdiction="TX").order_by("id")
    assert [(i.records, i.replaced) for i in imports] == [(3, 0), (2, 3)]


def test_bad_rows_are_left_out_and_reported_by_line(registry_file):
    path = registry_file(
        TX_ROWS[0],
        "tx-4,,Nameless,,,,1970-01-01,M,TX,",  # line 3
        "tx-5,Smith,Ann,,,,1990-02-30,F,TX,",  # line 4
        'tx-6,Lee,"Kim\nSun",,,,1985-05-05,F,TX,',  # lines 5-6: a quoted line break is fine
        "tx-7,Wong,Al,,,,2999-01-01,M,TX,",  # line 7
        "tx-1,Smith,Again,,,,1975-03-14,M,TX,",  # line 8
        "tx-8,Park,Jo,,,,1999-09-09,M,TX,javascript:alert(1)",  # line 9
        "tx-9,Too,Many,,,,1999-09-09,M,TX,,extra",  # line 10
        "tx-10,---,Dash,,,,1999-09-09,M,TX,",  # line 11
        "tx-11,Ok,Fine,,,,14/03/1975,M,TX,",  # line 12
        "",  # a blank line is not a row
        ",Missing,Code,,,,1999-09-09,M,,",  # line 14
    )
    result = registry.import_registry(path)
    name = path.name
    assert [str(p) for p in result.skipped] == [
        f"{name}:3: last_name is empty",
        f"{name}:4: date_of_birth '1990-02-30' is not a real date",
        f"{name}:7: date_of_birth 2999-01-01 is in the future",
        f"{name}:8: record_id 'tx-1' of TX is given twice (first on line 2); this row is left out",
        f"{name}:9: source_url is not an http(s) address",
        f"{name}:10: 11 fields where the header has 10 "
        "(does a field with a comma lack its quotes?)",
        f"{name}:11: last_name has no letters",
        f"{name}:12: date_of_birth '14/03/1975' is not a date written YYYY-MM-DD",
        f"{name}:14: jurisdiction is empty",
    ]
    assert set(Registrant.objects.values_list("record_id", flat=True)) == {"tx-1", "tx-6"}
    # Counted against TX: not the rows whose jurisdiction cannot be told (lines 10 and 14).
    assert RegistryImport.objects.get().skipped == 7


def test_strict_refuses_a_file_with_any_bad_row(registry_file):
    registry.import_registry(registry_file(*CA_ROWS))
    with pytest.raises(registry.RegistryError) as caught:
        registry.import_registry(
            registry_file(*TX_ROWS, "ca-3,,X,,,,1970-01-01,M,CA,"), strict=True
        )
    assert [p.line for p in caught.value.problems] == [5]
    assert not Registrant.objects.filter(jurisdiction="TX").exists()
    assert Registrant.objects.filter(jurisdiction="CA").count() == 2


@pytest.mark.parametrize(
    ("contents", "line", "reason"),
    [
        (
            HEADER.replace(",aliases", "").replace(",sex", "") + "x\n",
            1,
            "missing columns aliases, sex",
        ),
        (
            HEADER + 'tx-1,Smith,"Will,,,,1975-03-14,M,TX,\n' + TX_ROWS[1] + "\n",
            2,
            "broken quoting",
        ),
        (HEADER + TX_ROWS[1] + '\ntx-4,"Smith"son,Al,,,,1975-03-14,M,TX,\n', 3, "broken quoting"),
        (HEADER.replace("source_url", "source_url,Record_ID") + "\n", 1, "twice: record_id"),
        ("", None, "the file is empty"),
        (HEADER, None, "no records to import"),
    ],
)
def test_an_unreadable_file_writes_nothing(registry_file, contents, line, reason):
    registry.import_registry(registry_file(*CA_ROWS))
    before = stored()
    path = registry_file(raw=contents.encode())
    with pytest.raises(registry.RegistryError) as caught:
        registry.import_registry(path)
    problem = caught.value.problems[-1]
    assert (problem.file, problem.line) == (path.name, line)
    assert reason in problem.reason
    assert stored() == before
    assert RegistryImport.objects.count() == 1


def test_text_that_is_not_utf8_is_refused_naming_its_line(registry_file):
    raw = (HEADER + TX_ROWS[0] + "\n").encode() + "tx-2,Muñoz,Ana,,,,1980-01-01,F,TX,\n".encode(
        "latin-1"
    )
    with pytest.raises(registry.RegistryError) as caught:
        registry.import_registry(registry_file(raw=raw))
    assert str(caught.value.problems[0]).endswith(
        ":3: is not UTF-8 text (byte 0xf1); save the file as UTF-8 CSV"
    )
    assert not Registrant.objects.exists()


def test_a_byte_order_mark_crlf_and_extra_columns_are_accepted(registry_file):
    text = ("photo," + HEADER.replace("\n", "\r\n")).upper() + "p.jpg," + TX_ROWS[2] + "\r\n"
    result = registry.import_registry(registry_file(raw=b"\xef\xbb\xbf" + text.encode()))
    assert result.records == 1
    assert Registrant.objects.get().last_name == "De La Cruz"


def test_a_failure_while_writing_leaves_that_jurisdiction_as_it_was(registry_file, monkeypatch):
    registry.import_registry(registry_file(*TX_ROWS, *CA_ROWS))
    before = stored()

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(registry, "_insert", broken)
    with pytest.raises(OSError, match="disk full"):
        registry.import_registry(registry_file(*CA_ROWS))
    assert stored() == before


def test_each_replaced_jurisdiction_is_audited_without_names(registry_file):
    registry.import_registry(registry_file(*TX_ROWS, *CA_ROWS))
    events = AuditEvent.objects.filter(object_type="screening.registry").order_by("seq")
    assert [(e.action, e.object_id, e.detail) for e in events] == [
        ("update", "CA", {"records": 2, "replaced": 0, "skipped": 0}),
        ("update", "TX", {"records": 3, "replaced": 0, "skipped": 0}),
    ]


def test_progress_is_reported(registry_file):
    seen = []
    registry.import_registry(registry_file(*TX_ROWS), progress=lambda *a: seen.append(a))
    assert seen[0][0] == "reading" and seen[-1] == ("writing", 3, 3)
