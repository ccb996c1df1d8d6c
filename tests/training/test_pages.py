"""The training pages: a learner through a module and its tests, the transcript and certificate,
the dashboard, extensions and exports — in English and Spanish."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from pypdf import PdfReader

from haven.audit.models import AuditEvent
from haven.training import services
from haven.training.models import Assignment, Attempt, Completion
from tests.conftest import signed_in
from tests.training.world import answers


def _take(client, module, right=None):
    start = client.post(f"/training/modules/{module.slug}/post/start/")
    assert start.status_code == 302
    url = start["Location"]
    given = {f"q-{k}": v for k, v in answers(module, right=right).items()}
    sent = client.post(url, given)
    assert sent.status_code == 302, sent.content[:500]
    return client.get(url)


def test_a_learner_fails_retakes_passes_and_downloads_the_certificate(
    teacher, modules, pathway_required
):
    module = modules["pathway-to-violence"]
    client = signed_in(teacher)
    page = client.get("/training/")
    assert b"Concerning behaviour and the pathway to violence" in page.content
    body = client.get(f"/training/modules/{module.slug}/").content.decode()
    assert "The pathway" in body and "Refer a student now" in body
    assert 'href="/cases/refer/"' in body and 'href="/report/"' in body
    failed = _take(client, module, right=2).content.decode()
    assert "Not passed" in failed and "You scored 40%" in failed
    assert "A grievance" in failed  # the right answer, with why
    passed = _take(client, module).content.decode()
    assert "You have completed this module." in passed
    completion = Completion.objects.get(user=teacher)
    pdf = client.get(f"/training/certificates/{completion.pk}.pdf")
    assert pdf["Content-Type"] == "application/pdf"
    text = PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    assert "Certificate of completion" in text and completion.number in text
    assert "Concerning behaviour and the pathway to violence" in text


def test_a_test_page_in_spanish(teacher, modules, pathway_required):
    client = signed_in(teacher)
    client.cookies["django_language"] = "es"
    start = client.post("/training/modules/pathway-to-violence/post/start/")
    page = client.get(start["Location"]).content.decode()
    assert "¿Cuál es el primer paso del camino hacia la violencia?" in page


def test_a_test_with_a_missing_answer_is_shown_again_and_nothing_is_scored(
    teacher, modules, pathway_required
):
    client = signed_in(teacher)
    url = client.post("/training/modules/pathway-to-violence/post/start/")["Location"]
    response = client.post(url, {"q-q1": "b"})
    assert response.status_code == 422
    assert "Answer this question." in response.content.decode()
    assert Attempt.objects.get().submitted_at is None


def test_starting_twice_gives_the_same_attempt(teacher, modules, pathway_required):
    client = signed_in(teacher)
    first = client.post("/training/modules/pathway-to-violence/post/start/")["Location"]
    second = client.post("/training/modules/pathway-to-violence/post/start/")["Location"]
    assert first == second and Attempt.objects.count() == 1


def test_someone_elses_attempt_and_certificate_are_404(people, modules, pathway_required):
    module = modules["pathway-to-violence"]
    services.submit(people["teacher"], module, "post", answers(module))
    completion = Completion.objects.get()
    attempt = Attempt.objects.get()
    other = signed_in(people["counselor"])
    assert other.get(f"/training/attempts/{attempt.pk}/").status_code == 404
    assert other.get(f"/training/certificates/{completion.pk}.pdf").status_code == 404
    # The principal oversees Northside: the certificate, audited.
    assert (
        signed_in(people["principal"]).get(f"/training/certificates/{completion.pk}.pdf")
    ).status_code == 200
    assert AuditEvent.objects.filter(actor=people["principal"], action="read").exists()


def test_the_dashboard_counts_and_extends(people, modules, pathway_required):
    principal = people["principal"]
    client = signed_in(principal)
    page = client.get("/training/dashboard/")
    assert page.status_code == 200
    assert 'data-testid="done-staff">0<' in page.content.decode()
    module = modules["pathway-to-violence"]
    services.submit(people["teacher"], module, "post", answers(module))
    page = client.get("/training/dashboard/?school=northside-high").content.decode()
    assert 'data-testid="done-staff">1<' in page
    assignment = Assignment.objects.get(user=people["counselor"])
    later = services.today() + dt.timedelta(days=200)
    response = client.post(
        f"/training/assignments/{assignment.pk}/extend/",
        {"due": later.isoformat(), "reason": "Medical leave"},
    )
    assert response.status_code == 302
    assignment.refresh_from_db()
    assert assignment.extended_to == later
    assert AuditEvent.objects.filter(action="training.extend", actor=principal).exists()


def test_the_dashboard_csv_is_formula_safe_and_audited(people, district, modules):
    from tests.training.world import require

    people["teacher"].first_name = "=HYPERLINK(1)"
    people["teacher"].save()
    require(district, modules["fairness"])
    response = signed_in(people["principal"]).get("/training/dashboard.csv?school=northside-high")
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode()
    assert "'=HYPERLINK(1)" in text
    assert AuditEvent.objects.filter(action="export", object_type="training.compliance").exists()


def test_the_certification_summary_pdf(people, district, modules):
    from tests.training.world import require

    require(district, modules["suicide-warning-signs"], certified=True)
    response = signed_in(people["admin"]).get("/training/certification.pdf?on=2027-01-01")
    assert response["Content-Type"] == "application/pdf"
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "as of 2027-01-01" in text and "Northside High School" in text
    assert "target not met" in text


@pytest.mark.parametrize("who", ["teacher", "counselor", "outsider"])
def test_no_dashboard_without_oversight(people, modules, who):
    client = signed_in(people[who])
    assert client.get("/training/dashboard/").status_code == 404
    assert client.get("/training/certification.pdf").status_code == 404


def test_the_principal_cannot_see_another_schools_dashboard(people, modules, pathway_required):
    client = signed_in(people["principal"])
    assert client.get("/training/dashboard/?school=riverside-middle").status_code == 404
    assert client.get(f"/training/people/{people['outsider'].pk}/").status_code == 404
    page = client.get(f"/training/people/{people['teacher'].pk}/")
    assert page.status_code == 200
    assert AuditEvent.objects.filter(object_type="training.transcript").exists()


def test_uploading_a_certificate_that_is_not_what_it_says(teacher, modules, pathway_required):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = signed_in(teacher).post(
        "/training/external/",
        {
            "kind": "qpr",
            "issuer": "QPR Institute",
            "issued_on": "2026-01-01",
            "file": SimpleUploadedFile("cert.pdf", b"just text, not a PDF"),
        },
    )
    assert response.status_code == 422
    assert "Attach a PDF, PNG or JPEG file." in response.content.decode()


def test_the_navigation_has_training(teacher, auditor, modules):
    assert b'href="/training/"' in signed_in(teacher).get("/").content
    assert b'href="/training/"' not in signed_in(auditor).get("/").content
