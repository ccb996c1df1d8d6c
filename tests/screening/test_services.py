"""Screening a visitor against the stored registry: the result, what is stored (encrypted), the
audit event (nothing personal), the index following the registry, and the CLI."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from haven.audit.models import AuditEvent
from haven.screening import registry, services
from haven.screening.models import Screening
from tests.screening.conftest import CA_ROWS, TX_ROWS

pytestmark = pytest.mark.django_db


@pytest.fixture
def imported(registry_file):
    registry.import_registry(registry_file(*TX_ROWS, *CA_ROWS))


def test_a_registrant_under_a_nickname_is_a_match(imported, frontdesk):
    screening = services.screen("Bill", "Smith", dt.date(1975, 3, 14), actor=frontdesk)
    assert screening.outcome == "match"
    assert [
        {k: m[k] for k in ("source", "record_id", "name", "date_of_birth", "score")}
        for m in screening.matches
    ] == [
        {
            "source": "registry:TX",
            "record_id": "tx-1",
            "name": "William James Smith Jr",
            "date_of_birth": "1975-03-14",
            "score": 1.0,
        }
    ]
    assert screening.matches[0]["source_url"] == "https://sor.example.org/tx/1"


def test_outcomes(imported):
    assert services.screen("Jose", "Garcia Lopez", "1980-04-07").outcome == "match"  # d/m swapped
    assert services.screen("Jose", "Garcia", "1980-07-04").outcome == "review"  # part of a surname
    assert services.screen("Maria", "Delacruz", "1990-11-03").outcome == "review"  # a day out
    assert services.screen("Maria", "Delacruz", "1993-06-02").outcome == "clear"
    assert services.screen("Maria", "Delacruz", "1993-06-02", "", True).outcome == "review"
    assert services.screen("Hannah", "Kim", "1975-03-14").outcome == "clear"


def test_the_query_is_stored_encrypted(imported, frontdesk):
    screening = services.screen("Sean", "O'Brien", "1988-12-05", "P", actor=frontdesk)
    stored = Screening.objects.get(pk=screening.pk)
    assert (stored.first_name, stored.last_name, stored.middle_name) == ("Sean", "O'Brien", "P")
    assert stored.date_of_birth == "1988-12-05"
    assert stored.actor == frontdesk
    assert stored.matches[0]["record_id"] == "ca-2"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT first_name, last_name, date_of_birth, matches FROM screening_screening"
        )
        row = cursor.fetchone()
    assert all(value.startswith("enc1:") for value in row)
    assert "Brien" not in "".join(row)


def test_each_screening_is_audited_without_the_name(imported, frontdesk):
    screening = services.screen("William", "Smith", "1975-03-14", actor=frontdesk)
    event = AuditEvent.objects.get(object_type="screening.check")
    assert (event.actor, event.action, event.object_id) == (frontdesk, "create", str(screening.pk))
    assert event.detail == {"outcome": "match", "matches": 1}
    assert "Smith" not in json.dumps([event.detail, event.reason, event.object_id])


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("", "Smith", "1975-03-14"), "first_name"),
        (("William", "  ", "1975-03-14"), "last_name"),
        (("William", "---", "1975-03-14"), "last_name"),
        (("William", "Smith", "1975-13-14"), "date_of_birth"),
        (("William", "Smith", "2999-01-01"), "date_of_birth"),
        (("William", "Smith", None), "date_of_birth"),
        (("William", "S" * 201, "1975-03-14"), "last_name"),
    ],
)
def test_bad_input_names_the_field_and_stores_nothing(args, field):
    with pytest.raises(ValidationError) as caught:
        services.screen(*args)
    assert list(caught.value.message_dict) == [field]
    assert not Screening.objects.exists()


def test_the_index_follows_the_registry(registry_file):
    assert services.screen("Anh", "Nguyen", "1969-01-30").outcome == "clear"
    registry.import_registry(registry_file(*CA_ROWS))
    assert services.screen("Anh", "Nguyen", "1969-01-30").outcome == "match"
    registry.import_registry(registry_file("ca-9,Doe,Jane,,,,1970-01-01,F,CA,"))
    assert services.screen("Anh", "Nguyen", "1969-01-30").outcome == "clear"


def test_haven_screen_prints_the_result_as_json(imported):
    out = StringIO()
    args = ["--first", "José", "--last", "Garcia-Lopez", "--dob", "1980-07-04"]
    call_command("screen", *args, stdout=out)
    assert json.loads(out.getvalue()) == {
        "outcome": "match",
        "matches": [
            {
                "source": "registry:TX",
                "record_id": "tx-2",
                "name": "José García-López",
                "date_of_birth": "1980-07-04",
                "score": 1.0,
            }
        ],
    }
    out = StringIO()
    call_command("screen", "--first", "Nobody", "--last", "Here", "--dob", "2001-01-01", stdout=out)
    assert json.loads(out.getvalue()) == {"outcome": "clear", "matches": []}


def test_haven_screen_names_a_bad_option():
    with pytest.raises(CommandError, match=r"--dob: Write the date as YYYY-MM-DD\."):
        call_command("screen", "--first", "A", "--last", "B", "--dob", "14/03/1975")


def test_haven_import_registry_reports_and_fails_clearly(registry_file):
    out, err = StringIO(), StringIO()
    good = registry_file(*TX_ROWS, "tx-9,,X,,,,1970-01-01,M,TX,")
    call_command("import_registry", str(good), stdout=out, stderr=err)
    assert "TX: 3 records (replacing 0)" in out.getvalue()
    assert f"{good.name}:5: last_name is empty (row left out)" in err.getvalue()
    out = StringIO()
    call_command("import_registry", str(good), "--json", stdout=out)
    assert json.loads(out.getvalue())["jurisdictions"] == {"TX": {"records": 3, "replaced": 3}}
    bad = registry_file(raw=b"record_id,last_name\n1,Smith\n")
    err = StringIO()
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("import_registry", str(bad), stderr=err)
    assert f"{bad.name}:1: missing columns first_name" in err.getvalue()
    with pytest.raises(CommandError):
        call_command("import_registry", str(good), "--strict", stderr=StringIO())
