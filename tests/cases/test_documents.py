"""Documents in a compartment: encrypted on disk, size and type limits, image metadata stripped
(but not from law-enforcement evidence), read only by those who may read the compartment."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from PIL import Image

from haven.audit.models import AuditEvent
from haven.cases import services
from tests.cases.conftest import REASON


def _jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (8, 8), "red")
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (40.0, 26.0, 46.0)}  # GPSInfo
    exif[0x010E] = "secret description"
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def _upload(data: bytes, name: str = "photo.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


def test_an_image_is_stored_encrypted_and_without_its_metadata(case, people):
    data = _jpeg_with_gps()
    document = services.add_document(people["counselor"], case, "clinical", _upload(data))
    on_disk = (Path(settings.DATA_DIR) / "private" / document.file.name).read_bytes()
    assert b"JFIF" not in on_disk and b"secret description" not in on_disk
    found, content = services.open_document(people["counselor"], case, document.pk)
    assert found.content_type == "image/jpeg" and found.name == "photo.jpg"
    assert b"secret description" not in content
    assert not Image.open(io.BytesIO(content)).getexif()
    event = AuditEvent.objects.filter(object_type="cases.document", action="view").get()
    assert event.compartment == "clinical"


def test_law_enforcement_evidence_is_kept_as_received(case, people):
    data = _jpeg_with_gps()
    document = services.add_document(people["sro"], case, "law_enforcement", _upload(data))
    _, content = services.open_document(people["sro"], case, document.pk)
    assert content == data


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"MZ\x90\x00" + b"\x00" * 100, "Upload a PDF"),
        (b"", "empty"),
        (b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024), "larger than 10 MB"),
    ],
)
def test_files_outside_the_limits_are_refused(case, people, data, message):
    with pytest.raises(ValidationError) as err:
        services.add_document(people["counselor"], case, "team", _upload(data, "x.bin"))
    assert message in err.value.message_dict["file"][0]
    assert not case.documents.exists()


def test_text_and_pdf_are_accepted(case, people):
    text = services.add_document(people["principal"], case, "team", _upload(b"notes", "a.txt"))
    pdf = services.add_document(
        people["principal"], case, "team", _upload(b"%PDF-1.4\n%%EOF\n", "b.pdf")
    )
    assert (text.content_type, pdf.content_type) == ("text/plain", "application/pdf")


def test_documents_follow_their_compartment(case, people):
    document = services.add_document(
        people["counselor"], case, "clinical", _upload(b"session notes", "s.txt")
    )
    with pytest.raises(Http404):
        services.open_document(people["sro"], case, document.pk)
    with pytest.raises(Http404):
        services.documents(people["principal"], case, "clinical")
    with pytest.raises(Http404):
        services.add_document(people["sro"], case, "clinical", _upload(b"x", "x.txt"))
    services.break_glass(people["sro"], case, "clinical", REASON)
    assert services.open_document(people["sro"], case, document.pk)[1] == b"session notes"
    with pytest.raises(PermissionDenied):
        services.add_document(people["sro"], case, "clinical", _upload(b"x", "x.txt"))
