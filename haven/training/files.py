"""Certificates uploaded for training taken elsewhere: a PDF or a picture, checked by what the
content is (not by its name or declared type), limited in size, kept encrypted
(:class:`haven.core.storage.EncryptedFileSystemStorage`), never served inline."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import filetype
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
PDF = "application/pdf"
TYPES = {PDF: {"pdf"}, "image/png": {"png"}, "image/jpeg": {"jpg", "jpeg"}}


@dataclass(frozen=True)
class Checked:
    name: str
    content_type: str
    data: bytes


def check(upload: Any, field: str = "file") -> Checked:
    """The upload, if it is a readable PDF, PNG or JPEG whose name does not say otherwise."""
    if upload is None:
        raise ValidationError({field: _("Attach the certificate (PDF or picture).")})
    if getattr(upload, "size", 0) and upload.size > MAX_BYTES:
        raise ValidationError({field: _("The file is larger than 10 MB.")})
    upload.seek(0)
    data = upload.read(MAX_BYTES + 1)
    if not data:
        raise ValidationError({field: _("The file is empty.")})
    if len(data) > MAX_BYTES:
        raise ValidationError({field: _("The file is larger than 10 MB.")})
    kind = filetype.guess(data[:8192])
    mime = kind.mime if kind else ""
    if mime not in TYPES:
        raise ValidationError({field: _("Attach a PDF, PNG or JPEG file.")})
    name = str(getattr(upload, "name", "") or "certificate")[:200]
    stem, dot, ending = name.rpartition(".")
    if dot and stem and ending.lower() not in TYPES[mime]:
        raise ValidationError(
            {
                field: _(
                    "The file is named as a .%(ending)s file but its content is something else."
                )
                % {"ending": ending.lower()[:10]}
            }
        )
    if mime == PDF:
        _check_pdf(data, field)
    else:
        _check_image(data, field)
    return Checked(name, mime, data)


def _check_pdf(data: bytes, field: str) -> None:
    import pypdfium2

    try:
        document = pypdfium2.PdfDocument(data)
    except Exception as exc:  # pdfium raises its own error types for any broken file
        raise ValidationError(
            {field: _("The file could not be read as a PDF, or is protected by a password.")}
        ) from exc
    try:
        if len(document) < 1:
            raise ValidationError({field: _("The PDF has no pages.")})
    finally:
        document.close()


def _check_image(data: bytes, field: str) -> None:
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > MAX_PIXELS:
                raise ValidationError({field: _("The picture is too large.")})
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as exc:
        raise ValidationError({field: _("The picture could not be read.")}) from exc


def as_file(checked: Checked) -> ContentFile:
    return ContentFile(checked.data, name="certificate")
