"""In-person sessions (the Standard Response Protocol roles): attendance recorded by the school's
overseer completes the module for each person who attended."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from pypdf import PdfReader

from haven.audit.models import AuditEvent
from haven.training import services
from haven.training import status as st
from haven.training.models import Completion
from tests.conftest import signed_in
from tests.training.world import require


@pytest.fixture
def srp(district, people, modules):
    require(district, modules["standard-response-protocol"])
    return modules["standard-response-protocol"]


def test_attendance_completes_the_module_with_a_certificate(people, northside, srp):
    teacher, principal = people["teacher"], people["principal"]
    day = services.today()
    response = signed_in(principal).post(
        "/training/attendance/",
        {
            "school": "northside-high",
            "module": srp.slug,
            "on": day.isoformat(),
            "people": [teacher.pk, people["counselor"].pk],
        },
    )
    assert response.status_code == 302
    completion = Completion.objects.get(user=teacher)
    assert completion.via == "attendance" and completion.recorded_by == principal
    [row] = services.my_rows(teacher)
    assert row.standing.status == st.DONE
    event = AuditEvent.objects.get(action="training.attendance")
    assert event.detail["people"] == sorted([teacher.pk, people["counselor"].pk])
    pdf = signed_in(teacher).get(f"/training/certificates/{completion.pk}.pdf")
    text = PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    assert "attended in person on" in text
    # Recording the same session again adds nothing.
    services.record_attendance(principal, northside, srp, [teacher.pk], day)
    assert Completion.objects.filter(user=teacher).count() == 1


def test_attendance_is_refused_whole_when_anyone_is_wrong(people, northside, srp):
    day = services.today()
    principal = people["principal"]
    with pytest.raises(ValidationError):  # the outsider takes it at Riverside, not here
        services.record_attendance(
            principal, northside, srp, [people["teacher"].pk, people["outsider"].pk], day
        )
    with pytest.raises(ValidationError):
        services.record_attendance(principal, northside, srp, [], day)
    with pytest.raises(ValidationError):
        services.record_attendance(
            principal, northside, srp, [people["teacher"].pk], day + dt.timedelta(days=1)
        )
    with pytest.raises(PermissionDenied):
        services.record_attendance(people["counselor"], northside, srp, [people["teacher"].pk], day)
    assert not Completion.objects.exists()
    assert not AuditEvent.objects.filter(action="training.attendance").exists()


def test_only_in_person_modules_take_attendance(people, northside, district, modules):
    require(district, modules["fairness"])
    with pytest.raises(ValidationError):
        services.record_attendance(
            people["principal"],
            northside,
            modules["fairness"],
            [people["teacher"].pk],
            services.today(),
        )


def test_the_dashboard_offers_the_session_form(people, srp):
    page = signed_in(people["principal"]).get("/training/dashboard/").content.decode()
    assert 'data-testid="attendance"' in page and "Hold, secure, lockdown" in page


def test_bad_attendance_input_is_a_message_not_a_500(people, srp):
    client = signed_in(people["principal"])
    response = client.post(
        "/training/attendance/",
        {"school": "northside-high", "module": srp.slug, "on": "not a date", "people": ["x"]},
    )
    assert response.status_code == 302
    assert not Completion.objects.exists()
    assert client.post("/training/attendance/", {"module": "nope"}).status_code == 404
