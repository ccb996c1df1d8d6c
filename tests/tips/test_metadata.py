"""A reporter's PDF or video loses what it says about them (author, where it was filmed, which
phone) in the copy staff open; the original is kept, encrypted, for an investigation."""

from __future__ import annotations

import io
import struct

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st
from pypdf import PdfReader, PdfWriter

from haven.tips import attachments, metadata
from tests.tips import pdf_bytes, upload

# ISO 6709, as an iPhone writes it: a school's position is a reporter's position.
POSITION = b"+33.9519-083.3576+210.000/"


def box(kind: bytes, payload: bytes = b"") -> bytes:
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def phone_video() -> bytes:
    """An MP4 as a phone writes it: ftyp, media data, and a moov whose user data and meta boxes
    hold the position and the phone's make and model (track-level user data too)."""
    udta = box(b"udta", box(b"\xa9xyz", struct.pack(">HH", len(POSITION), 0) + POSITION))
    meta = box(
        b"meta", b"\0\0\0\0" + box(b"keys", b"com.apple.quicktime.make") + box(b"ilst", b"Apple")
    )
    trak = box(b"trak", box(b"tkhd", b"\0" * 84) + box(b"udta", box(b"name", b"Pixel 9 Pro")))
    moov = box(b"moov", box(b"mvhd", b"\0" * 100) + trak + udta + meta)
    xmp = box(b"uuid", bytes.fromhex("be7acfcb97a942e89c71999491e3afac") + b"<x:xmpmeta>GPS")
    return box(b"ftyp", b"qt  \0\0\0\0qt  ") + box(b"mdat", b"\x11" * 64) + moov + xmp


def kinds(data: bytes, start: int = 0, end: int | None = None) -> list[bytes]:
    return [kind for kind, *_ in metadata._boxes(data, start, len(data) if end is None else end)]


def test_a_pdfs_author_and_title_are_removed_from_the_staff_copy_and_kept_in_the_original():
    original = pdf_bytes(author="Jordan Reyes")
    assert PdfReader(io.BytesIO(original)).metadata["/Author"] == "Jordan Reyes"
    [checked] = attachments.check([upload("notes.pdf", original)])
    assert checked.kind == "pdf" and checked.original == original
    cleaned = PdfReader(io.BytesIO(checked.cleaned))
    assert not cleaned.metadata
    assert b"Jordan" not in checked.cleaned
    assert "group chat" in cleaned.pages[0].extract_text()  # the content is all there


def test_a_pdfs_xmp_metadata_is_removed_at_document_and_page_level():
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_bytes())))
    from pypdf.generic import NameObject, StreamObject

    for owner in (writer.root_object, writer.pages[0]):
        xmp = StreamObject()
        xmp.set_data(b"<x:xmpmeta><dc:creator>Jordan Reyes</dc:creator></x:xmpmeta>")
        owner[NameObject("/Metadata")] = writer._add_object(xmp)
    out = io.BytesIO()
    writer.write(out)
    assert out.getvalue().count(b"Jordan Reyes") == 2

    cleaned = metadata.clean_pdf(out.getvalue())
    assert b"Jordan" not in cleaned
    reader = PdfReader(io.BytesIO(cleaned))
    assert "/Metadata" not in reader.trailer["/Root"]
    assert "/Metadata" not in reader.pages[0]


def test_a_password_protected_or_broken_pdf_is_refused_with_a_clear_message():
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_bytes(author="Jordan Reyes"))))
    writer.encrypt("secret")
    locked = io.BytesIO()
    writer.write(locked)
    for data in (locked.getvalue(), b"%PDF-1.7\n" + b"\x00garbage" * 50):
        with pytest.raises(ValidationError) as excinfo:
            attachments.check([upload("notes.pdf", data)])
        assert "password" in excinfo.value.message_dict["files"][0]


def test_a_phone_videos_position_and_device_are_blanked_and_its_layout_kept():
    original = phone_video()
    assert POSITION in original and b"Pixel" in original
    [checked] = attachments.check([upload("IMG_0042.MOV", original)])
    assert checked.kind == "video" and checked.original == original
    cleaned = checked.cleaned
    assert len(cleaned) == len(original)
    assert POSITION not in cleaned and b"Pixel" not in cleaned and b"Apple" not in cleaned
    assert b"xmpmeta" not in cleaned
    # The same boxes at the same offsets: the media data (and any offset into it) is untouched.
    assert kinds(cleaned) == [b"ftyp", b"mdat", b"moov", b"free"]
    assert cleaned[:88] == original[:88]
    [moov] = [b for b in metadata._boxes(cleaned, 0, len(cleaned)) if b[0] == b"moov"]
    assert kinds(cleaned, moov[2], moov[3]) == [b"mvhd", b"trak", b"free", b"free"]


def test_a_video_whose_boxes_do_not_fit_is_refused():
    broken = phone_video()[:-10]  # the last box says it is longer than what is left
    with pytest.raises(ValidationError) as excinfo:
        attachments.check([upload("clip.mov", broken)])
    assert "could not be read as a video" in excinfo.value.message_dict["files"][0]


def test_large_boxes_with_64_bit_sizes_are_walked():
    payload = box(b"udta", POSITION)
    large = struct.pack(">I4sQ", 1, b"moov", 16 + len(payload)) + payload
    cleaned = metadata.clean_mp4(box(b"ftyp", b"isom\0\0\0\0") + large)
    assert POSITION not in cleaned


leaf_kinds = st.sampled_from([b"mvhd", b"tkhd", b"mdat", b"free", b"udta", b"meta", b"uuid"])
trees = st.recursive(
    st.tuples(leaf_kinds, st.binary(max_size=40)).map(lambda t: box(*t)),
    lambda children: st.tuples(
        st.sampled_from([b"moov", b"trak", b"mdia"]), st.lists(children, max_size=4)
    ).map(lambda t: box(t[0], b"".join(t[1]))),
    max_leaves=12,
)


@given(st.lists(trees, min_size=1, max_size=5))
def test_any_well_formed_file_keeps_its_length_and_loses_every_metadata_payload(parts):
    data = box(b"ftyp", b"isom\0\0\0\0") + b"".join(parts)
    cleaned = metadata.clean_mp4(data)
    assert len(cleaned) == len(data)

    def check(start: int, end: int) -> None:
        for kind, _, payload, box_end in metadata._boxes(cleaned, start, end):
            assert kind not in (b"udta", b"meta", b"uuid")
            if kind in (b"moov", b"trak", b"mdia"):
                check(payload, box_end)

    check(0, len(cleaned))
    assert metadata.clean_mp4(cleaned) == cleaned  # cleaning twice changes nothing


@given(st.binary(max_size=300))
def test_arbitrary_bytes_are_cleaned_or_refused_never_crash(data):
    try:
        cleaned = metadata.clean_mp4(box(b"ftyp", b"isom\0\0\0\0") + data)
    except metadata.Unreadable:
        return
    assert len(cleaned) == 16 + len(data)
