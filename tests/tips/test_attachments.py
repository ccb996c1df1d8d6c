"""Files a reporter attaches: limits on size and number, the type read from the content (a name
cannot disguise it), image metadata (EXIF, GPS) stripped from the copy staff open while the
original is kept, and both encrypted on disk."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from PIL import Image

from haven.tips import attachments, services
from tests.tips import EXE, PDF, jpeg_bytes, png_bytes, tip_input, upload

GPS_IFD = 0x8825
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 64


def _message(excinfo) -> str:
    return excinfo.value.message_dict["files"][0]


def _exif(data: bytes) -> Image.Exif:
    with Image.open(io.BytesIO(data)) as image:
        return image.getexif()


def test_gps_and_camera_metadata_are_stripped_from_the_copy_and_kept_in_the_original():
    original = jpeg_bytes(gps=True)
    assert _exif(original).get_ifd(GPS_IFD)  # the test picture really carries a position
    [checked] = attachments.check([upload("IMG_2041.jpg", original)])
    assert checked.kind == "image" and checked.content_type == "image/jpeg"
    assert checked.original == original
    cleaned = _exif(checked.cleaned)
    assert not cleaned.get_ifd(GPS_IFD)
    assert len(cleaned) == 0
    assert b"PhoneMaker" not in checked.cleaned and b"PhoneMaker" in original
    with Image.open(io.BytesIO(checked.cleaned)) as image:
        assert image.size == (64, 48)  # the same picture


def test_the_stored_copies_are_encrypted_on_disk_and_the_copy_has_no_gps(people, settings):
    tip, _ = services.submit(tip_input(files=[upload("IMG_2041.jpg", jpeg_bytes(gps=True))]))
    item = tip.attachments.get()
    root = Path(settings.DATA_DIR) / "private"
    for field in (item.original, item.cleaned):
        raw = (root / field.name).read_bytes()
        assert not raw.startswith(b"\xff\xd8")  # not a JPEG on disk
        assert b"PhoneMaker" not in raw and b"Exif" not in raw
    with item.cleaned.open() as handle:
        assert not _exif(handle.read()).get_ifd(GPS_IFD)
    with item.original.open() as handle:
        assert _exif(handle.read()).get_ifd(GPS_IFD)


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("photo.jpg", PDF),
        ("photo.jpg", EXE),
        ("cute.png", b"<html><body><script>alert(1)</script></body></html>"),
        ("drawing.png", b'<svg xmlns="http://www.w3.org/2000/svg"><script>x()</script></svg>'),
        ("notes.pdf", jpeg_bytes()),
        ("clip.mp4", png_bytes()),
        ("setup.exe", jpeg_bytes()),
        ("report.pdf.html", PDF),
        ("readme.txt", b"just some text"),
    ],
    ids=[
        "pdf-named-jpg",
        "program-named-jpg",
        "html-named-png",
        "svg-named-png",
        "jpeg-named-pdf",
        "png-named-mp4",
        "jpeg-named-exe",
        "pdf-named-html",
        "text",
    ],
)
def test_a_file_is_judged_by_its_content_and_a_disguised_one_is_refused(name, data):
    with pytest.raises(ValidationError) as excinfo:
        attachments.check([upload(name, data)])
    assert "File 1" in _message(excinfo)


@pytest.mark.parametrize(
    ("name", "data", "kind"),
    [
        ("screenshot.PNG", png_bytes(), "image"),
        ("blob", png_bytes(), "image"),  # a pasted screenshot has no ending: the content decides
        ("photo.jpeg", jpeg_bytes(), "image"),
        ("chat.pdf", PDF, "pdf"),
        ("clip.mp4", MP4, "video"),
    ],
    ids=["png-upper-case", "pasted-blob", "jpeg", "pdf", "mp4"],
)
def test_genuine_pictures_videos_and_pdfs_are_accepted(name, data, kind):
    [checked] = attachments.check([upload(name, data)])
    assert checked.kind == kind


def test_raw_bytes_without_a_name_are_judged_by_content():
    [checked] = attachments.check([png_bytes()])
    assert checked.content_type == "image/png"


def test_at_most_five_files():
    files = [upload(f"p{n}.png", png_bytes()) for n in range(attachments.MAX_FILES + 1)]
    with pytest.raises(ValidationError) as excinfo:
        attachments.check(files)
    assert "at most 5 files" in _message(excinfo)
    assert len(attachments.check(files[:-1])) == attachments.MAX_FILES


def test_an_empty_file_is_refused():
    with pytest.raises(ValidationError) as excinfo:
        attachments.check([upload("a.png", png_bytes()), upload("empty.jpg", b"")])
    assert _message(excinfo) == "File 2 is empty."


def test_a_picture_over_ten_megabytes_is_refused():
    big = jpeg_bytes() + b"\0" * attachments.MAX_IMAGE_BYTES
    with pytest.raises(ValidationError) as excinfo:
        attachments.check([upload("big.jpg", big)])
    assert _message(excinfo) == "File 1 is larger than 10 MB."


def test_a_video_over_the_limit_is_refused_before_it_is_read(monkeypatch):
    monkeypatch.setattr(attachments, "MAX_VIDEO_BYTES", 1000)
    with pytest.raises(ValidationError) as excinfo:
        attachments.check([upload("clip.mp4", MP4 + b"\0" * 1000)])
    assert "larger than" in _message(excinfo)


def _png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims a huge picture (a decompression bomb)."""
    data = bytearray(png_bytes())
    ihdr = data.index(b"IHDR")
    data[ihdr + 4 : ihdr + 12] = struct.pack(">II", width, height)
    crc = zlib.crc32(bytes(data[ihdr : ihdr + 17])) & 0xFFFFFFFF
    data[ihdr + 17 : ihdr + 21] = struct.pack(">I", crc)
    return bytes(data)


@pytest.mark.parametrize(
    ("side", "message"),
    [
        (8_000, "File 1 is too large a picture."),  # over Haven's limit
        (20_000, "File 1 could not be read as a picture."),  # over Pillow's own bomb limit
    ],
)
def test_a_decompression_bomb_is_refused(side, message):
    with pytest.raises(ValidationError) as excinfo:
        attachments.check([upload("bomb.png", _png_claiming(side, side))])
    assert _message(excinfo) == message


def test_a_broken_picture_is_refused_with_a_clear_message():
    with pytest.raises(ValidationError) as excinfo:
        attachments.check([upload("broken.jpg", b"\xff\xd8\xff\xe0" + b"garbage" * 50)])
    assert _message(excinfo) == "File 1 could not be read as a picture."


@pytest.mark.parametrize("mode", ["RGBA", "P", "L", "CMYK", "LA", "I;16"])
def test_pictures_of_every_mode_are_cleaned(mode):
    fmt = "JPEG" if mode == "CMYK" else "PNG"
    out = io.BytesIO()
    Image.new(mode, (10, 10)).save(out, format=fmt)
    [checked] = attachments.check([upload(f"x.{fmt.lower()}", out.getvalue())])
    assert Image.open(io.BytesIO(checked.cleaned)).size == (10, 10)


def test_a_refused_file_stores_no_tip(people):
    with pytest.raises(ValidationError):
        services.submit(tip_input(files=[upload("photo.jpg", EXE)]))
    from haven.tips.models import Attachment, Tip

    assert not Tip.objects.exists() and not Attachment.objects.exists()
