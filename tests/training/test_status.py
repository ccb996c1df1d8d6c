"""Statuses derived from completions, attempts, certificates and dates (time frozen)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from haven.accounts.models import Role, RoleAssignment
from haven.audit.models import AuditEvent
from haven.training import services
from haven.training import status as st
from haven.training.models import Assignment, ExternalCertificate, Requirement
from tests.training.world import answers, require

TZ = dt.UTC


def _mine(user):
    [row] = services.my_rows(user)
    return row.standing


def test_not_started_in_progress_done(teacher, district, modules):
    module = modules["fairness"]
    with time_machine.travel(dt.datetime(2027, 1, 10, 15, tzinfo=TZ)):
        require(district, module, due_on=dt.date(2027, 3, 1))
        assert _mine(teacher).status == st.NOT_STARTED
        services.submit(teacher, module, "pre", answers(module, "pre"))
        assert _mine(teacher).status == st.IN_PROGRESS
        services.submit(teacher, module, "post", answers(module))
        assert _mine(teacher).status == st.DONE


def test_overdue_after_the_due_date_until_extended(teacher, principal, district, modules):
    with time_machine.travel(dt.datetime(2027, 3, 2, 15, tzinfo=TZ)):
        require(district, modules["fairness"], due_on=dt.date(2027, 3, 1))
        assert _mine(teacher).status == st.OVERDUE
        assignment = Assignment.objects.get(user=teacher)
        services.extend_due(principal, assignment, dt.date(2027, 4, 1), "Back from leave")
        standing = _mine(teacher)
        assert standing.status == st.NOT_STARTED and standing.due == dt.date(2027, 4, 1)
        event = AuditEvent.objects.get(action="training.extend")
        assert event.actor == principal and event.detail["to"] == "2027-04-01"


def test_an_extension_needs_an_overseer_a_reason_and_a_later_date(
    teacher,
    principal,
    people,
    district,
    modules,
):
    with time_machine.travel(dt.datetime(2027, 3, 2, 15, tzinfo=TZ)):
        require(district, modules["fairness"])
        assignment = Assignment.objects.get(user=teacher)
        with pytest.raises(PermissionDenied):
            services.extend_due(people["counselor"], assignment, dt.date(2027, 4, 1), "x")
        with pytest.raises(PermissionDenied):
            services.extend_due(people["principal2"], assignment, dt.date(2027, 4, 1), "x")
        with pytest.raises(ValidationError):
            services.extend_due(principal, assignment, dt.date(2027, 4, 1), "  ")
        with pytest.raises(ValidationError):
            services.extend_due(principal, assignment, dt.date(2027, 3, 1), "late")
        own = Assignment.objects.get(user=principal)
        with pytest.raises(PermissionDenied):
            services.extend_due(principal, own, dt.date(2027, 4, 1), "myself")
    assert not AuditEvent.objects.filter(action="training.extend").exists()


def test_days_after_assignment(teacher, district, modules):
    RoleAssignment.objects.filter(user=teacher).update(
        created_at=dt.datetime(2027, 1, 5, 12, tzinfo=TZ)
    )
    with time_machine.travel(dt.datetime(2027, 1, 20, 15, tzinfo=TZ)):
        require(district, modules["fairness"], due=Requirement.Due.AFTER_START, due_days=30)
        assert _mine(teacher).due == dt.date(2027, 2, 4)


def test_a_renewal_expires_warns_then_lapses(teacher, district, modules):
    module = modules["fairness"]
    with time_machine.travel(dt.datetime(2026, 1, 10, 15, tzinfo=TZ)):
        require(district, module, due_on=dt.date(2026, 2, 1), renew_months=12)
        services.submit(teacher, module, "post", answers(module))
        assert _mine(teacher).status == st.DONE
        assert _mine(teacher).valid_until == dt.date(2027, 1, 10)
    with time_machine.travel(dt.datetime(2026, 12, 20, 15, tzinfo=TZ)):
        assert _mine(teacher).status == st.EXPIRING
    with time_machine.travel(dt.datetime(2027, 1, 11, 15, tzinfo=TZ)):
        standing = _mine(teacher)
        assert standing.status == st.OVERDUE and standing.due == dt.date(2027, 1, 10)


def test_hours_per_school_year_count_module_minutes(teacher, district, modules):
    with time_machine.travel(dt.datetime(2026, 9, 10, 15, tzinfo=TZ)):
        require(district, None, due=Requirement.Due.HOURS, hours=Decimal("0.5"), name="Hours")
        assert _mine(teacher).status == st.NOT_STARTED
        assert _mine(teacher).due == dt.date(2027, 7, 31)
        fairness = modules["fairness"]  # 15 minutes
        services.submit(teacher, fairness, "post", answers(fairness))
        services.submit(teacher, fairness, "post", answers(fairness))  # the same module: once
        assert _mine(teacher).status == st.IN_PROGRESS and _mine(teacher).minutes == 15
        telling = modules["telling-someone"]  # 15 more
        services.submit(teacher, telling, "post", answers(telling))
        assert _mine(teacher).status == st.DONE
    with time_machine.travel(dt.datetime(2027, 8, 2, 15, tzinfo=TZ)):
        assert _mine(teacher).status == st.NOT_STARTED  # a new school year


def _pdf() -> bytes:
    import io

    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, "Certificate")
    page.save()
    return buffer.getvalue()


def test_an_accepted_external_certificate_counts(teacher, district, modules):
    with time_machine.travel(dt.datetime(2027, 1, 10, 15, tzinfo=TZ)):
        require(district, modules["suicide-warning-signs"], accepts=["qpr"])
        services.add_certificate(
            teacher,
            teacher,
            kind="ymhfa",
            issuer="A provider",
            issued_on=dt.date(2026, 12, 1),
            expires_on=None,
            upload=SimpleUploadedFile("cert.pdf", _pdf()),
        )
        assert _mine(teacher).status == st.NOT_STARTED  # not a kind this requirement accepts
        cert = services.add_certificate(
            teacher,
            teacher,
            kind="qpr",
            issuer="QPR Institute",
            issued_on=dt.date(2026, 12, 1),
            expires_on=dt.date(2029, 12, 1),
            upload=SimpleUploadedFile("cert.pdf", _pdf()),
        )
        assert _mine(teacher).status == st.DONE
        # Stored encrypted: the bytes on disk are not the PDF.
        with open(cert.file.path, "rb") as handle:
            assert not handle.read().startswith(b"%PDF")
        assert cert.file.open().read().startswith(b"%PDF")


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("cert.pdf", b"MZ\x90\x00not a pdf at all", "Attach a PDF, PNG or JPEG"),
        ("cert.pdf", b"", "empty"),
        ("cert.png", None, "named as a .png"),
        ("cert.pdf", b"%PDF-1.4\n%broken", "could not be read as a PDF"),
    ],
)
def test_a_certificate_whose_file_is_not_what_it_says_is_refused(
    teacher,
    district,
    modules,
    name,
    data,
    message,
):
    upload = SimpleUploadedFile(name, _pdf() if data is None else data)
    with pytest.raises(ValidationError) as caught:
        services.add_certificate(
            teacher,
            teacher,
            kind="qpr",
            issuer="QPR",
            issued_on=dt.date(2026, 1, 1),
            expires_on=None,
            upload=upload,
        )
    assert message in str(caught.value)
    assert not ExternalCertificate.objects.exists()
    assert not AuditEvent.objects.filter(action="training.certificate").exists()


def test_assignments_follow_roles_and_schools(people, district, northside, modules):
    req = require(district, modules["fairness"], roles=[Role.STAFF], schools=[northside])
    assert list(Assignment.objects.values_list("user__username", flat=True)) == ["teacher"]
    RoleAssignment.objects.filter(user=people["teacher"]).delete()
    services.sync_assignments(district)
    assert not Assignment.objects.filter(requirement=req).exists()


def test_a_transcript_of_someone_else_is_audited_and_scoped(people, district, modules):
    require(district, modules["fairness"])
    teacher = people["teacher"]
    services.transcript(teacher, teacher)
    assert not AuditEvent.objects.filter(object_type="training.transcript").exists()
    services.transcript(people["principal"], teacher)
    event = AuditEvent.objects.get(object_type="training.transcript")
    assert event.actor == people["principal"] and event.object_id == str(teacher.pk)
    for who in ("principal2", "counselor", "outsider"):
        with pytest.raises(PermissionDenied):
            services.transcript(people[who], teacher)
    services.transcript(people["admin"], teacher)


def test_knowledge_gain_is_aggregate_only(district, northside, modules):
    from tests.conftest import make_user

    module = modules["fairness"]
    require(district, module)
    for n in range(5):
        RoleAssignment.objects.create(
            user=make_user(f"t{n}", None, None, district),
            role=Role.STAFF,
            school=northside,
            district=district,
        )
    services.sync_assignments(district)
    learners = [a.user for a in Assignment.objects.select_related("user")]
    for user in learners[:4]:
        services.submit(user, module, "pre", answers(module, "pre", right=2))
        services.submit(user, module, "post", answers(module))
    assert services.knowledge_gain() == []  # four people: too few to show
    services.submit(learners[4], module, "pre", answers(module, "pre", right=2))
    services.submit(learners[4], module, "post", answers(module))
    assert services.knowledge_gain() == [{"module": "fairness", "people": 5, "gain": 0.5}]
