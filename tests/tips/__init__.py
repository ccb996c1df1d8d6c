"""Tests of the tip line. Helpers shared by its test modules live here (import them by name)."""

from __future__ import annotations

import io
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from haven.tips import services

HTML = '<script>alert("x")</script><b>bold</b>'


def tip_input(**overrides: Any) -> services.TipInput:
    """A plausible tip from a student at Northside (override any field)."""
    values: dict[str, Any] = {
        "school": "northside-high",
        "category": "bullying",
        "description": "A group keeps pushing a younger student into the lockers after lunch.",
        "location": "Hallway by the gym",
    }
    values.update(overrides)
    return services.TipInput(**values)


def jpeg_bytes(*, gps: bool = False, size: tuple[int, int] = (64, 48)) -> bytes:
    """A small JPEG; with ``gps`` it carries EXIF with a GPS position and a camera make."""
    image = Image.new("RGB", size, (200, 30, 30))
    out = io.BytesIO()
    if gps:
        exif = Image.Exif()
        exif[0x010F] = "PhoneMaker"  # Make
        exif[0x0132] = "2026:11:28 10:00:00"  # DateTime
        gps_ifd = {
            1: "N",
            2: (40.0, 26.0, 46.0),
            3: "W",
            4: (79.0, 58.0, 56.0),
        }
        exif[0x8825] = gps_ifd  # GPSInfo
        image.save(out, format="JPEG", exif=exif)
    else:
        image.save(out, format="JPEG")
    return out.getvalue()


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (20, 20), (0, 100, 200, 128)).save(out, format="PNG")
    return out.getvalue()


def pdf_bytes(author: str = "", text: str = "Screenshot of the group chat") -> bytes:
    """A one-page PDF, as a phone or a word processor would make it (with its author, if given)."""
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    page = canvas.Canvas(out, invariant=True)
    if author:
        page.setAuthor(author)
        page.setTitle(f"{author}'s notes")
    page.drawString(72, 720, text)
    page.save()
    return out.getvalue()


PDF = pdf_bytes()
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200


def upload(name: str, data: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)
