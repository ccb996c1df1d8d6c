"""A reporter's PDF or video loses what it says about them (author, where it was filmed, which
phone) in the copy staff open; the original is kept, encrypted, for an investigation."""

from __future__ import annotations

import io
import struct
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image, ImageChops, ImageStat
from pypdf import PdfReader, PdfWriter

from haven.tips import attachments, metadata, services
from tests.tips import pdf_bytes, tip_input, upload

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


# Each thing a PDF can say about who made it, with a mark of its own to look for.
MARKS = {
    "info": "InfoAuthor Jordan Reyes",
    "xmp": "XmpCreator Jordan Reyes",
    "comment": "jreyes-comment-author",
    "script": "OpenActionScript-jreyes",
    "page_action": "PageActionScript-jreyes",
    "named_script": "NamedScript-jreyes",
    "link": "LinkScript-jreyes",
    "attachment": "AttachedFile-jreyes-555-0100",
    "form": "FormValue-jreyes",
    "xfa": "XfaData-jreyes",
}


def _js(code: str):
    from pypdf.generic import DictionaryObject, NameObject, TextStringObject

    return DictionaryObject(
        {
            NameObject("/S"): NameObject("/JavaScript"),
            NameObject("/JS"): TextStringObject(code),
        }
    )


def reporters_pdf() -> bytes:
    """A PDF as a reporter's laptop may make it: a photo with its EXIF position on the page, an
    author, XMP, a comment signed with the account name, scripts on opening, on the page, by
    name and behind a link, an attached file, and a form (AcroForm with XFA)."""
    from pypdf.annotations import Link, Text
    from pypdf.generic import (
        ArrayObject,
        DictionaryObject,
        NameObject,
        NumberObject,
        StreamObject,
        TextStringObject,
    )
    from reportlab.pdfgen import canvas

    from tests.tips import jpeg_bytes

    out = io.BytesIO()
    page = canvas.Canvas(out, invariant=True)
    page.drawString(72, 720, "Screenshot of the group chat")
    page.save()

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(out.getvalue())))
    # A photo placed as it came from the phone (DCTDecode keeps the JPEG whole, EXIF and all).
    photo = StreamObject()
    photo.set_data(jpeg_bytes(gps=True, size=(120, 90)))
    photo.update(
        {
            NameObject("/Type"): NameObject("/XObject"),
            NameObject("/Subtype"): NameObject("/Image"),
            NameObject("/Width"): NumberObject(120),
            NameObject("/Height"): NumberObject(90),
            NameObject("/ColorSpace"): NameObject("/DeviceRGB"),
            NameObject("/BitsPerComponent"): NumberObject(8),
            NameObject("/Filter"): NameObject("/DCTDecode"),
        }
    )
    first = writer.pages[0]
    resources = first[NameObject("/Resources")].get_object()
    resources[NameObject("/XObject")] = DictionaryObject(
        {NameObject("/Photo"): writer._add_object(photo)}
    )
    drawing = StreamObject()
    drawing.set_data(b"q 120 0 0 90 72 500 cm /Photo Do Q")
    contents = first["/Contents"]
    first[NameObject("/Contents")] = ArrayObject(
        [
            *(contents if isinstance(contents, ArrayObject) else [contents]),
            writer._add_object(drawing),
        ]
    )
    writer.add_metadata({"/Author": MARKS["info"]})
    xmp = StreamObject()
    xmp.set_data(f"<x:xmpmeta><dc:creator>{MARKS['xmp']}</dc:creator></x:xmpmeta>".encode())
    writer.root_object[NameObject("/Metadata")] = writer._add_object(xmp)

    comment = Text(rect=(300, 700, 320, 720), text="He said it again today")
    comment[NameObject("/T")] = TextStringObject(MARKS["comment"])
    writer.add_annotation(0, comment)
    link = Link(rect=(72, 700, 200, 730), url="https://example.org/")
    link[NameObject("/A")] = _js(MARKS["link"])
    writer.add_annotation(0, link)

    writer.root_object[NameObject("/OpenAction")] = _js(MARKS["script"])
    writer.pages[0][NameObject("/AA")] = DictionaryObject(
        {NameObject("/O"): _js(MARKS["page_action"])}
    )
    writer.add_attachment("contact.txt", MARKS["attachment"].encode())
    names = writer.root_object["/Names"]
    names[NameObject("/JavaScript")] = DictionaryObject(
        {
            NameObject("/Names"): ArrayObject(
                [TextStringObject("init"), writer._add_object(_js(MARKS["named_script"]))]
            )
        }
    )

    field = DictionaryObject(
        {
            NameObject("/FT"): NameObject("/Tx"),
            NameObject("/T"): TextStringObject("name"),
            NameObject("/V"): TextStringObject(MARKS["form"]),
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Widget"),
            NameObject("/Rect"): ArrayObject([NumberObject(n) for n in (72, 600, 300, 620)]),
        }
    )
    field_ref = writer._add_object(field)
    writer.pages[0][NameObject("/Annots")].append(field_ref)
    xfa = StreamObject()
    xfa.set_data(f"<xdp:xdp><data>{MARKS['xfa']}</data></xdp:xdp>".encode())
    writer.root_object[NameObject("/AcroForm")] = DictionaryObject(
        {
            NameObject("/Fields"): ArrayObject([field_ref]),
            NameObject("/XFA"): writer._add_object(xfa),
        }
    )
    result = io.BytesIO()
    writer.write(result)
    return result.getvalue()


def _rendered(data: bytes) -> Image.Image:
    document = pdfium.PdfDocument(data)
    try:
        page = document[0]
        width, height = page.get_size()
        image = page.render(scale=1, may_draw_forms=False).to_pil().convert("L")
        return image.resize((int(width), int(height)))
    finally:
        document.close()


def test_a_reporters_pdf_loses_every_identifying_part_in_the_staff_copy():
    original = reporters_pdf()
    reader = PdfReader(io.BytesIO(original))
    # The test PDF really carries each of them.
    assert reader.metadata["/Author"] == MARKS["info"]
    root = reader.trailer["/Root"]
    assert {"/Metadata", "/OpenAction", "/Names", "/AcroForm"} <= set(root)
    assert "/XFA" in root["/AcroForm"] and "/EmbeddedFiles" in root["/Names"]
    annots = [a.get_object() for a in reader.pages[0]["/Annots"]]
    assert MARKS["comment"] in [a.get("/T") for a in annots]
    assert "/AA" in reader.pages[0]
    assert b"PhoneMaker" in original  # the photo's EXIF, inside the page's JPEG

    [checked] = attachments.check([upload("notes.pdf", original)])
    assert checked.kind == "pdf" and checked.original == original
    cleaned = checked.cleaned
    for mark in (*MARKS.values(), "Jordan", "jreyes", "PhoneMaker", "Exif"):
        assert mark.encode() not in cleaned, mark
    copy = PdfReader(io.BytesIO(cleaned))
    assert not copy.metadata and "/Info" not in copy.trailer
    root = copy.trailer["/Root"]
    assert set(root) <= {"/Type", "/Pages"}
    assert len(copy.pages) == 1
    page = copy.pages[0]
    assert not {"/Annots", "/AA", "/Metadata", "/PieceInfo"} & set(page)
    # Only pictures remain: no text, no font, nothing a script could hide in.
    assert copy.pages[0].extract_text() == ""
    assert set(page["/Resources"]) <= {"/ProcSet", "/XObject"}


def test_the_staff_copy_of_a_pdf_shows_the_same_page():
    original = pdf_bytes(author="Jordan Reyes")
    cleaned = metadata.clean_pdf(original)
    before, after = _rendered(original), _rendered(cleaned)
    assert before.size == after.size
    difference = ImageChops.difference(before, after)
    # The text is there (dark pixels where it was), give or take the JPEG's softness.
    assert ImageStat.Stat(difference).mean[0] < 3
    assert after.getextrema()[0] < 100


def test_every_page_of_a_pdf_is_kept_and_a_very_long_pdf_is_refused(monkeypatch):
    writer = PdfWriter()
    for _ in range(3):
        writer.add_blank_page(width=300, height=200)
    out = io.BytesIO()
    writer.write(out)
    copy = PdfReader(io.BytesIO(metadata.clean_pdf(out.getvalue())))
    assert len(copy.pages) == 3
    assert [round(float(p.mediabox.width)) for p in copy.pages] == [300, 300, 300]

    monkeypatch.setattr(metadata, "MAX_PDF_PAGES", 2)
    with pytest.raises(ValidationError) as excinfo:
        attachments.check([upload("long.pdf", out.getvalue())])
    assert "more than 2 pages" in excinfo.value.message_dict["files"][0]


def test_a_huge_page_is_drawn_within_the_pixel_limit():
    writer = PdfWriter()
    writer.add_blank_page(width=14000, height=14000)
    out = io.BytesIO()
    writer.write(out)
    copy = PdfReader(io.BytesIO(metadata.clean_pdf(out.getvalue())))
    image = copy.pages[0]["/Resources"]["/XObject"]["/image"]
    assert image["/Width"] * image["/Height"] <= metadata.MAX_PAGE_PIXELS


def test_a_password_protected_or_broken_pdf_is_refused_with_a_clear_message():
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_bytes(author="Jordan Reyes"))))
    writer.encrypt("secret")
    locked = io.BytesIO()
    writer.write(locked)
    for data in (
        locked.getvalue(),
        b"%PDF-1.7\n" + b"\x00garbage" * 50,
        pdf_bytes()[:200],  # cut short
    ):
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


def timed_header(kind: bytes) -> st.SearchStrategy[bytes]:
    """An mvhd/tkhd/mdhd of version 0 (32-bit times) or 1 (64-bit), with any times in it."""
    return st.tuples(st.sampled_from([0, 1]), st.binary(min_size=3, max_size=3)).flatmap(
        lambda v: st.tuples(
            st.binary(min_size=16 if v[0] else 8, max_size=16 if v[0] else 8),
            st.binary(max_size=20),
        ).map(lambda t, v=v: box(kind, bytes([v[0]]) + v[1] + t[0] + t[1]))
    )


leaves = st.one_of(
    st.sampled_from([b"mvhd", b"tkhd", b"mdhd"]).flatmap(timed_header),
    st.tuples(
        st.sampled_from([b"mdat", b"free", b"skip", b"udta", b"meta", b"uuid", b"stsd"]),
        st.binary(max_size=40),
    ).map(lambda t: box(*t)),
)
trees = st.recursive(
    leaves,
    lambda children: st.tuples(
        st.sampled_from([b"moov", b"trak", b"mdia"]), st.lists(children, max_size=4)
    ).map(lambda t: box(t[0], b"".join(t[1]))),
    max_leaves=12,
)
#: Top-level boxes Haven does not know (a maker's own, wall-clock times) next to the trees.
unknown_top = st.tuples(st.sampled_from([b"prft", b"junk", b"Xtra"]), st.binary(max_size=30)).map(
    lambda t: box(*t)
)


@given(st.lists(st.one_of(trees, unknown_top), min_size=1, max_size=5))
def test_any_well_formed_file_keeps_its_media_and_loses_metadata_times_and_unknown_boxes(parts):
    data = box(b"ftyp", b"isom\0\0\0\0") + b"".join(parts)
    cleaned = metadata.clean_mp4(data)
    assert len(cleaned) == len(data)

    def check(start: int, end: int, depth: int) -> None:
        for kind, at, payload, box_end in metadata._boxes(cleaned, start, end):
            assert kind not in (b"udta", b"meta", b"uuid", b"skip")
            if depth == 0:
                assert kind in metadata._TOP_LEVEL
            if kind == b"free":
                assert not any(cleaned[payload:box_end])
            if kind == b"mdat":  # the media is untouched, where it was
                assert cleaned[at:box_end] == data[at:box_end]
            if kind in (b"mvhd", b"tkhd", b"mdhd"):
                width = 8 if cleaned[payload] == 1 else 4
                assert not any(cleaned[payload + 4 : payload + 4 + 2 * width])
            if kind in (b"moov", b"trak", b"mdia"):
                check(payload, box_end, depth + 1)

    check(0, len(cleaned), 0)
    assert metadata.clean_mp4(cleaned) == cleaned  # cleaning twice changes nothing


@given(st.binary(max_size=300))
def test_arbitrary_bytes_are_cleaned_or_refused_never_crash(data):
    try:
        cleaned = metadata.clean_mp4(box(b"ftyp", b"isom\0\0\0\0") + data)
    except metadata.Unreadable:
        return
    assert len(cleaned) == 16 + len(data)


# --- MP4 times and unknown boxes ---------------------------------------------------------------

FILMED = struct.pack(">I", 3_848_000_000)  # 2025-12-09 in QuickTime's seconds since 1904


def timed_video() -> bytes:
    """An MP4 whose headers say when it was filmed (mvhd version 1, tkhd and mdhd version 0), with
    a maker's own top-level box and a producer reference time (``prft``, wall-clock)."""
    mvhd = box(b"mvhd", b"\x01\0\0\0" + b"\0\0\0\0" + FILMED + b"\0\0\0\0" + FILMED + b"\7" * 40)
    tkhd = box(b"tkhd", b"\0\0\0\x03" + FILMED + FILMED + b"\5" * 40)
    mdhd = box(b"mdhd", b"\0\0\0\0" + FILMED + FILMED + b"\6" * 12)
    moov = box(b"moov", mvhd + box(b"trak", tkhd + box(b"mdia", mdhd)))
    return (
        box(b"ftyp", b"mp42\0\0\0\0mp42isom")
        + box(b"prft", b"\0\0\0\0\0\0\0\1" + FILMED + b"\0\0\0\0")
        + box(b"mdat", b"\x11" * 64)
        + moov
        + box(b"SNYx", b"Sony camera serial 4711")
        + box(b"free", b"old title: Jordan's clip")
    )


def test_a_videos_creation_times_are_zeroed_and_unknown_boxes_dropped():
    original = timed_video()
    assert original.count(FILMED) == 7
    [checked] = attachments.check([upload("clip.mp4", original)])
    cleaned = checked.cleaned
    assert checked.original == original and len(cleaned) == len(original)
    assert FILMED not in cleaned
    assert b"Sony" not in cleaned and b"Jordan" not in cleaned
    assert kinds(cleaned) == [b"ftyp", b"free", b"mdat", b"moov", b"free", b"free"]
    assert b"\x11" * 64 in cleaned and b"\7" * 40 in cleaned  # media and the rest of mvhd


@pytest.mark.parametrize(
    "header",
    [box(b"mvhd", b"\x01\0\0\0" + FILMED), box(b"tkhd", b""), box(b"mdhd", b"\0\0\0\0\0\0")],
    ids=["mvhd-version-1", "tkhd-empty", "mdhd-version-0"],
)
def test_a_header_too_short_for_its_times_is_refused(header):
    data = box(b"ftyp", b"isom\0\0\0\0") + box(b"moov", header)
    with pytest.raises(ValidationError) as excinfo:
        attachments.check([upload("clip.mp4", data)])
    assert "could not be read as a video" in excinfo.value.message_dict["files"][0]


# --- WebM --------------------------------------------------------------------------------------


def vint_size(n: int) -> bytes:
    width = next(w for w in range(1, 9) if n < (1 << (7 * w)) - 1)
    return ((1 << (7 * width)) | n).to_bytes(width, "big")


def el(ident: int, payload: bytes = b"", *, unknown: bool = False) -> bytes:
    id_bytes = ident.to_bytes((ident.bit_length() + 7) // 8, "big")
    size = b"\x01\xff\xff\xff\xff\xff\xff\xff" if unknown else vint_size(len(payload))
    return id_bytes + size + payload


EBML_HEADER = el(0x1A45DFA3, el(0x4282, b"webm") + el(0x4287, b"\4") + el(0x4285, b"\2"))
MEDIA = b"\x81\x00\x00\x80" + b"\x9d\x01\x2a" * 30  # a SimpleBlock's track, time and frame
WEBM_MARKS = [b"Jordan", b"Pixel", b"+33.95-083.35", b"LibWebM", b"Chrome", b"\x0b\xad\xda\x7e"]


def browser_webm() -> bytes:
    """A WebM as a recorder and an editor leave it: unknown-size Segment and Cluster (as
    MediaRecorder writes), a SeekHead, Info with programs, a date, a title and a segment id, a
    named track, a Void inside a Cluster, Cues, and at the end Tags, Attachments, Chapters and an
    element nobody knows."""
    seek_head = el(
        0x114D9B74,
        el(0x4DBB, el(0x53AB, bytes.fromhex("1549A966")) + el(0x53AC, b"\x40"))
        + el(0x4DBB, el(0x53AB, bytes.fromhex("1254C367")) + el(0x53AC, b"\x10\x00")),
    )
    info = el(
        0x1549A966,
        el(0x2AD7B1, b"\x0f\x42\x40")
        + el(0x4D80, b"LibWebM-0.0.1")
        + el(0x5741, b"Chrome")
        + el(0x4461, b"\x0b\xad\xda\x7e\x00\x00\x00\x00")
        + el(0x7BA9, b"Jordan's clip")
        + el(0x73A4, b"\x42" * 16)
        + el(0x4489, b"\x40\x8f\x40\x00"),
    )
    tracks = el(
        0x1654AE6B,
        el(0xAE, el(0xD7, b"\1") + el(0x536E, b"Pixel 9 front camera") + el(0x86, b"V_VP8")),
    )
    live = el(0x1F43B675, el(0xE7, b"\0") + el(0xA3, MEDIA) + el(0xEC, b"\0\0"), unknown=True)
    stored = el(0x1F43B675, el(0xE7, b"\x10") + el(0xA3, MEDIA))
    cues = el(0x1C53BB6B, el(0xBB, el(0xB3, b"\0") + el(0xB7, el(0xF7, b"\1"))))
    tags = el(
        0x1254C367,
        el(0x7373, el(0x67C8, el(0x45A3, b"LOCATION") + el(0x4487, b"+33.95-083.35"))),
    )
    attachments_ = el(0x1941A469, el(0x61A7, el(0x466E, b"Jordan.jpg") + el(0x465C, b"JFIF")))
    chapters = el(0x1043A770, el(0x45B9, el(0xB6, el(0x80, el(0x85, b"Jordan arrives")))))
    unknown = el(0x2E7E7E, b"Pixel firmware 4.2")
    segment = el(
        0x18538067,
        seek_head + info + tracks + live + stored + cues + tags + attachments_ + chapters + unknown,
        unknown=True,
    )
    return EBML_HEADER + segment


def children(data: bytes, start: int, end: int) -> list[int]:
    return [ident for ident, *_ in metadata._elements(data, start, end)]


def test_a_webm_loses_its_tags_date_title_programs_and_track_names():
    original = browser_webm()
    for mark in WEBM_MARKS:
        assert mark in original
    [checked] = attachments.check([upload("recording.webm", original)])
    assert checked.kind == "video" and checked.original == original
    cleaned = checked.cleaned
    assert len(cleaned) == len(original)
    for mark in WEBM_MARKS:
        assert mark not in cleaned, mark
    assert cleaned.count(MEDIA) == 2  # the frames, where they were
    assert original.index(MEDIA) == cleaned.index(MEDIA)

    [(_h, *_), (segment, _s, payload, end)] = list(metadata._elements(cleaned, 0, len(cleaned)))
    assert segment == 0x18538067
    top = list(metadata._elements(cleaned, payload, end))
    assert [e[0] for e in top] == [
        0x114D9B74, 0x1549A966, 0x1654AE6B, 0x1F43B675, 0x1F43B675, 0x1C53BB6B,
        0xEC, 0xEC, 0xEC, 0xEC,
    ]  # fmt: skip
    seek_head, info, tracks = top[0], top[1], top[2]
    assert children(cleaned, seek_head[2], seek_head[3]) == [0x4DBB, 0xEC]
    assert children(cleaned, info[2], info[3]) == [
        0x2AD7B1,
        0x4D80,
        0x5741,
        0xEC,
        0xEC,
        0xEC,
        0x4489,
    ]
    [entry] = list(metadata._elements(cleaned, tracks[2], tracks[3]))
    assert children(cleaned, entry[2], entry[3]) == [0xD7, 0xEC, 0x86]
    assert metadata.clean_webm(cleaned) == cleaned


@given(st.integers(min_value=len(EBML_HEADER) + 1, max_value=len(browser_webm()) - 1))
def test_a_webm_cut_anywhere_is_cleaned_or_refused_never_a_crash(cut):
    data = browser_webm()[:cut]
    try:
        cleaned = metadata.clean_webm(data)
    except metadata.Unreadable:
        return
    assert len(cleaned) == len(data)
    assert b"Jordan" not in cleaned and b"+33.95" not in cleaned


@given(st.binary(max_size=300))
def test_arbitrary_bytes_after_a_webm_header_are_cleaned_or_refused(data):
    try:
        cleaned = metadata.clean_webm(EBML_HEADER + data)
    except metadata.Unreadable:
        return
    assert len(cleaned) == len(EBML_HEADER) + len(data)


segment_children = st.one_of(
    st.tuples(
        st.sampled_from([0x1549A966, 0x1254C367, 0x1941A469, 0x1043A770, 0x2E7E7E, 0xEC, 0xBF]),
        st.lists(
            st.tuples(
                st.sampled_from([0x2AD7B1, 0x4D80, 0x5741, 0x4461, 0x7BA9, 0x4489, 0xEC]),
                st.binary(max_size=20),
            ).map(lambda t: el(*t)),
            max_size=5,
        ),
    ).map(lambda t: el(t[0], b"".join(t[1]))),
    st.binary(max_size=30).map(lambda b: el(0x1F43B675, el(0xA3, b))),
)


@given(st.lists(segment_children, max_size=8), st.booleans())
def test_any_well_formed_webm_keeps_its_length_and_only_what_it_needs(parts, unknown_size):
    data = EBML_HEADER + el(0x18538067, b"".join(parts), unknown=unknown_size)
    cleaned = metadata.clean_webm(data)
    assert len(cleaned) == len(data)
    [_header, (_id, _s, payload, end)] = list(metadata._elements(cleaned, 0, len(cleaned)))
    for ident, _start, inner, inner_end in metadata._elements(cleaned, payload, end):
        assert ident in {0x1549A966, 0x1F43B675, 0xEC}
        if ident == 0xEC:
            assert not any(cleaned[inner:inner_end])
        if ident == 0x1549A966:
            assert set(children(cleaned, inner, inner_end)) <= {
                0x2AD7B1,
                0x4D80,
                0x5741,
                0x4489,
                0xEC,
            }
    assert metadata.clean_webm(cleaned) == cleaned


def test_a_tips_pdf_and_video_are_stored_encrypted_the_original_whole_the_copy_clean(
    people, settings
):
    pdf, webm, mp4 = reporters_pdf(), browser_webm(), timed_video()
    files = [upload("notes.pdf", pdf), upload("rec.webm", webm), upload("clip.mp4", mp4)]
    tip, _receipt = services.submit(tip_input(files=files))
    root = Path(settings.DATA_DIR) / "private"
    stored = {item.kind + item.content_type: item for item in tip.attachments.all()}
    for item, original, marks in (
        (stored["pdfapplication/pdf"], pdf, [b"%PDF", b"PhoneMaker", b"Jordan"]),
        (stored["videovideo/webm"], webm, [b"webm", b"Jordan", b"+33.95"]),
        (stored["videovideo/mp4"], mp4, [b"ftyp", b"Sony", FILMED]),
    ):
        for field in (item.original, item.cleaned):
            raw = (root / field.name).read_bytes()
            assert not any(mark in raw for mark in marks)  # encrypted on disk
        with item.original.open() as handle:
            assert handle.read() == original
        with item.cleaned.open() as handle:
            copy = handle.read()
        assert not any(mark in copy for mark in marks[1:])
