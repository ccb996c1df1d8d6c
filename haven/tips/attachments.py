"""Files a reporter attaches: checked by content (not by name or declared type), limited in size
and number, and a cleaned copy without metadata for staff to open: pictures without EXIF (GPS),
PDFs as pictures of their pages (no author, comment authors, scripts, attachments, forms or
metadata), MP4/QuickTime videos without position, device and times, WebM without tags, date and
program names (see ``haven.tips.metadata``).

The original is kept too (encrypted, like the copy) because an investigation may need it.
Neither is ever served inline from Haven's origin (see the download view).
"""

from __future__ import annotations

import io
import secrets
from dataclasses import dataclass

import filetype
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from haven.tips import metadata

MAX_FILES = 5
MAX_IMAGE_BYTES = 10 * 1024 * 1024
MAX_PDF_BYTES = 10 * 1024 * 1024
MAX_VIDEO_BYTES = 30 * 1024 * 1024
MAX_PIXELS = 40_000_000  # refuse decompression bombs

IMAGE_TYPES = {"image/jpeg": "JPEG", "image/png": "PNG", "image/gif": "GIF", "image/webp": "WEBP"}
VIDEO_TYPES = {"video/mp4", "video/quicktime", "video/webm", "video/x-m4v"}
PDF_TYPE = "application/pdf"
#: The file-name endings each type may carry. A name that says one type while the content is another
#: (a PDF or a program named photo.jpg) is refused: it is disguised, by mistake or on purpose.
EXTENSIONS = {
    "image/jpeg": {"jpg", "jpeg", "jpe", "jfif"},
    "image/png": {"png"},
    "image/gif": {"gif"},
    "image/webp": {"webp"},
    "video/mp4": {"mp4", "m4v"},
    "video/x-m4v": {"mp4", "m4v"},
    "video/quicktime": {"mov", "qt"},
    "video/webm": {"webm"},
    PDF_TYPE: {"pdf"},
}


@dataclass(frozen=True)
class CheckedFile:
    token: str
    kind: str
    content_type: str
    original: bytes
    cleaned: bytes

    @property
    def size(self) -> int:
        return len(self.original)


def check(files: list, field: str = "files") -> list[CheckedFile]:
    """Validate uploaded files (Django UploadedFile or bytes-like with .name); raise a
    ValidationError naming the field and the file's position on any problem."""
    if len(files) > MAX_FILES:
        raise ValidationError({field: _("Attach at most %(n)d files.") % {"n": MAX_FILES}})
    checked = []
    for position, upload in enumerate(files, start=1):
        data = _read(upload, field, position)
        one = _check_one(data, field, position)
        _check_name(upload, one.content_type, field, position)
        checked.append(one)
    return checked


def _check_name(upload, mime: str, field: str, position: int) -> None:  # type: ignore[no-untyped-def]
    name = getattr(upload, "name", "") or ""
    stem, dot, ending = str(name).rpartition(".")
    if not dot or not stem:
        return  # no ending (a pasted screenshot is often just "blob"): the content decides
    if ending.lower() not in EXTENSIONS.get(mime, set()):
        raise ValidationError(
            {
                field: _(
                    "File %(n)d is named as a .%(ending)s file but its content is something "
                    "else. Attach the original picture, video or PDF."
                )
                % {"n": position, "ending": ending.lower()[:10]}
            }
        )


def _read(upload, field: str, position: int) -> bytes:  # type: ignore[no-untyped-def]
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_VIDEO_BYTES:
        raise ValidationError({field: _too_big(position, MAX_VIDEO_BYTES)})
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read(MAX_VIDEO_BYTES + 1) if hasattr(upload, "read") else bytes(upload)
    if len(data) > MAX_VIDEO_BYTES:
        raise ValidationError({field: _too_big(position, MAX_VIDEO_BYTES)})
    if not data:
        raise ValidationError({field: _("File %(n)d is empty.") % {"n": position}})
    return data


def _too_big(position: int, limit: int) -> str:
    return _("File %(n)d is larger than %(mb)d MB.") % {"n": position, "mb": limit // (1024 * 1024)}


def _check_one(data: bytes, field: str, position: int) -> CheckedFile:
    kind = filetype.guess(data[:8192])
    mime = kind.mime if kind else ""
    token = secrets.token_hex(16)
    if mime in IMAGE_TYPES:
        if len(data) > MAX_IMAGE_BYTES:
            raise ValidationError({field: _too_big(position, MAX_IMAGE_BYTES)})
        return CheckedFile(token, "image", mime, data, _strip_image(data, mime, field, position))
    if mime == PDF_TYPE:
        if len(data) > MAX_PDF_BYTES:
            raise ValidationError({field: _too_big(position, MAX_PDF_BYTES)})
        try:
            cleaned = metadata.clean_pdf(data)
        except metadata.TooManyPages as exc:
            raise ValidationError(
                {
                    field: _(
                        "File %(n)d has more than %(pages)d pages. Attach only the pages that "
                        "matter, or pictures of them."
                    )
                    % {"n": position, "pages": metadata.MAX_PDF_PAGES}
                }
            ) from exc
        except metadata.Unreadable as exc:
            raise ValidationError(
                {
                    field: _(
                        "File %(n)d could not be read as a PDF, or is protected by a password. "
                        "Attach it without a password, or attach pictures of it instead."
                    )
                    % {"n": position}
                }
            ) from exc
        return CheckedFile(token, "pdf", mime, data, cleaned)
    if mime in VIDEO_TYPES:
        clean = metadata.clean_webm if mime == "video/webm" else metadata.clean_mp4
        try:
            cleaned = clean(data)
        except metadata.Unreadable as exc:
            raise ValidationError(
                {field: _("File %(n)d could not be read as a video.") % {"n": position}}
            ) from exc
        return CheckedFile(token, "video", mime, data, cleaned)
    raise ValidationError(
        {
            field: _(
                "File %(n)d is not a picture (JPEG, PNG, GIF, WebP), "
                "a video (MP4, MOV, WebM) or a PDF."
            )
            % {"n": position}
        }
    )


def _strip_image(data: bytes, mime: str, field: str, position: int) -> bytes:
    """Re-encode the pixels only, so that EXIF (including GPS), XMP and comments are dropped."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > MAX_PIXELS:
                raise ValidationError(
                    {field: _("File %(n)d is too large a picture.") % {"n": position}}
                )
            image.load()
            upright = ImageOps.exif_transpose(image)  # keep the picture the right way up
            # A new image from the pixels alone: no info dict, so no EXIF/XMP/comments to write.
            clean = Image.frombytes(upright.mode, upright.size, upright.tobytes())
            palette = upright.getpalette() if upright.mode == "P" else None
            if palette:
                clean.putpalette(palette)
            out = io.BytesIO()
            fmt = IMAGE_TYPES[mime]
            if fmt == "JPEG" and clean.mode not in ("RGB", "L"):
                clean = clean.convert("RGB")
            clean.save(out, format=fmt)
            return out.getvalue()
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
    ) as exc:
        raise ValidationError(
            {field: _("File %(n)d could not be read as a picture.") % {"n": position}}
        ) from exc


def as_django_file(data: bytes, token: str) -> ContentFile:
    return ContentFile(data, name=token)
