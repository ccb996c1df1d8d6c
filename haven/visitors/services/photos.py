"""The visitor's photo from the desk's webcam (or a file): checked by content, re-encoded as a
small JPEG without metadata (EXIF, GPS), then stored encrypted with the visit."""

from __future__ import annotations

import io
import warnings
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
LONG_SIDE = 800  # enough for a face on a badge and on screen
_FORMATS = ("JPEG", "PNG", "WEBP")


def read_upload(upload: Any) -> bytes:
    """The bytes of an uploaded file (Django UploadedFile, or bytes), within the size limit."""
    if upload is None:
        return b""
    if isinstance(upload, bytes | bytearray):
        data = bytes(upload)
    else:
        size = getattr(upload, "size", None)
        if size is not None and size > MAX_BYTES:
            raise ValidationError({"photo": _too_big()})
        data = upload.read()
    if len(data) > MAX_BYTES:
        raise ValidationError({"photo": _too_big()})
    return data


def clean(data: bytes, field_name: str = "photo") -> bytes:
    """A JPEG copy of the photo, upright, at most LONG_SIDE pixels, with no metadata."""
    if not data:
        raise ValidationError({field_name: _("The photo is empty.")})
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            opened = Image.open(io.BytesIO(data), formats=_FORMATS)
            if opened.width * opened.height > MAX_PIXELS:
                raise ValidationError({field_name: _("The photo has too many pixels.")})
            opened.load()
            image: Image.Image = ImageOps.exif_transpose(opened) or opened
            image = image.convert("RGB")
            image.thumbnail((LONG_SIDE, LONG_SIDE), Image.Resampling.LANCZOS)
            out = io.BytesIO()
            image.save(out, format="JPEG", quality=85)  # no exif= argument: metadata dropped
            return out.getvalue()
    except ValidationError:
        raise
    except UnidentifiedImageError as exc:
        raise ValidationError(
            {field_name: _("The photo must be a JPEG, PNG or WebP image.")}
        ) from exc
    except Exception as exc:  # a damaged file or a decoder's complaint: never a 500
        raise ValidationError(
            {field_name: _("The photo could not be read; take it again.")}
        ) from exc


def _too_big() -> str:
    return _("The photo is larger than %(mb)d MB.") % {"mb": MAX_BYTES // (1024 * 1024)}
