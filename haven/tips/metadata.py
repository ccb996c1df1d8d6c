"""What a reporter's PDF or video says about them, removed from the copy staff open.

A PDF names its author and the program (often the computer's user name) in its information
dictionary and XMP, Acrobat and Preview write the account name into every comment (``/T``), and a
PDF can carry scripts and actions, attached files, forms (AcroForm, XFA) and pictures that keep
their own EXIF position. A phone's video carries where it was filmed (``©xyz``, QuickTime's
``com.apple.quicktime.location.ISO6709``), the phone's make and model, and when it was filmed
(also in the ``mvhd``/``tkhd``/``mdhd`` headers). A WebM file names the program that wrote it, may
carry a date, a title and tags. For an anonymous reporter any of these can be as identifying as a
name.

* **PDFs are rasterised**: each page is drawn by PDFium (no script runs: PDFium runs one only
  inside a form environment, which Haven never starts) and the staff copy is a new PDF holding
  only those pictures, with no information dictionary. Whatever a PDF can hide — authors
  of comments, scripts and actions, attachments, forms, XMP, EXIF inside embedded pictures,
  objects nothing refers to, older revisions after an incremental update — is simply not there,
  which a rewrite object by object cannot promise. The price: the copy's text cannot be selected
  or searched, and a comment's text shows only where the page draws it. A PDF protected by a
  password, or longer than ``MAX_PDF_PAGES``, is refused with a clear message.
* **MP4 and QuickTime files keep their exact layout**: every metadata box (``udta``, ``meta``,
  XMP's ``uuid``) and every top-level box Haven does not know is turned into a ``free`` box of the
  same size with its content zeroed (so the media offsets stay valid and the video still plays),
  and the creation and modification times in ``mvhd``, ``tkhd`` and ``mdhd`` are zeroed.
* **WebM (Matroska) the same way**: ``Tags``, ``Attachments``, ``Chapters`` and unknown elements
  become ``Void`` elements of the same size; in ``Info`` only the time scale and the duration are
  kept (the date, title, file names and segment ids become ``Void``; the muxing and writing
  programs become empty strings); a track's name becomes ``Void``; and ``SeekHead`` entries
  pointing at what was removed go too.

A file these parsers cannot walk (cut short, sizes that do not fit) is refused, never kept as sent.
The original is kept too (encrypted), as for pictures: an investigation may need it.
"""

from __future__ import annotations

import io
import math
import struct
import threading
from collections.abc import Iterator

import pypdfium2 as pdfium

MAX_PDF_PAGES = 20
#: Pages are drawn at this resolution, or less for a page so large that it would pass
#: ``MAX_PAGE_PIXELS`` (a page may be 200 inches wide).
PDF_DPI = 150
MAX_PAGE_PIXELS = 6_000_000
PDF_JPEG_QUALITY = 85

#: PDFium is not thread-safe: one document at a time in a process.
_pdfium_lock = threading.Lock()


class Unreadable(ValueError):
    """The file is not what its first bytes say, or cannot be cleaned."""


class TooManyPages(Unreadable):
    """A PDF longer than ``MAX_PDF_PAGES``."""


# --- PDF ----------------------------------------------------------------------------------------


def clean_pdf(data: bytes) -> bytes:
    """A new PDF holding a picture of each page of ``data``, and nothing else."""
    out = io.BytesIO()
    with _pdfium_lock:
        try:
            document = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as exc:  # not a PDF, damaged, or a password is needed
            raise Unreadable(str(exc)) from exc
        try:
            if len(document) > MAX_PDF_PAGES:
                raise TooManyPages(f"{len(document)} pages")
            if len(document) == 0:
                raise Unreadable("no pages")
            for index in range(len(document)):
                # One page in memory at a time: each is appended to the copy as it is drawn.
                _append_page(document[index], out, first=index == 0)
        except pdfium.PdfiumError as exc:
            raise Unreadable(str(exc)) from exc
        finally:
            document.close()
    return out.getvalue()


def _append_page(page: pdfium.PdfPage, out: io.BytesIO, *, first: bool) -> None:
    try:
        width, height = page.get_size()
        scale = PDF_DPI / 72
        if width * height * scale * scale > MAX_PAGE_PIXELS:
            # (a little under, as the renderer rounds each side up)
            scale = 0.995 * math.sqrt(MAX_PAGE_PIXELS / (width * height))
        bitmap = page.render(scale=scale, may_draw_forms=True)
        picture = bitmap.to_pil().convert("RGB")
    finally:
        page.close()
    # No title and no dates: Pillow then writes no information dictionary at all.
    picture.save(
        out,
        format="PDF",
        append=not first,
        resolution=72 * scale,
        quality=PDF_JPEG_QUALITY,
        title=None,
        creationDate=None,
        modDate=None,
    )


# --- MP4 / QuickTime (ISO base media file format) ------------------------------------------------

#: Boxes holding other boxes, walked to find metadata and times inside tracks and fragments.
_CONTAINERS = {
    b"moov",
    b"trak",
    b"mdia",
    b"minf",
    b"stbl",
    b"edts",
    b"dinf",
    b"mvex",
    b"moof",
    b"traf",
    b"mfra",
}
#: Boxes holding metadata: user data (©xyz, ©mak, ©mod), meta (QuickTime keys, iTunes tags) and
#: uuid (XMP, camera makers' own).
_METADATA = {b"udta", b"meta", b"uuid"}
_FREE = {b"free", b"skip"}
#: Headers whose creation and modification times are zeroed (1904-01-01, "unknown").
_TIMED = {b"mvhd", b"tkhd", b"mdhd"}
#: The top-level boxes a video needs; any other (a maker's own, ``prft`` wall-clock times, a
#: top-level ``meta``) is blanked.
_TOP_LEVEL = {
    b"ftyp",
    b"styp",
    b"moov",
    b"mdat",
    b"moof",
    b"mfra",
    b"sidx",
    b"ssix",
    b"free",
    b"skip",
    b"wide",
    b"pdin",
}


def _boxes(data: bytes | bytearray, start: int, end: int) -> Iterator[tuple[bytes, int, int, int]]:
    """(type, box start, payload start, box end) for each box between ``start`` and ``end``."""
    pos = start
    while pos < end:
        if end - pos < 8:
            if any(data[pos:end]):
                raise Unreadable("a box is cut short")
            return  # zero padding at the end
        size, kind = struct.unpack_from(">I4s", data, pos)
        header = 8
        if size == 1:
            if end - pos < 16:
                raise Unreadable("a large box is cut short")
            (size,) = struct.unpack_from(">Q", data, pos + 8)
            header = 16
        elif size == 0:
            size = end - pos  # the last box runs to the end
        if size < header or pos + size > end:
            raise Unreadable("a box's size does not fit the file")
        yield kind, pos, pos + header, pos + size
        pos += size


def _blank(buffer: bytearray, start: int, end: int) -> None:
    """Turn the box at ``start`` into a ``free`` box of the same size, its content zeroed."""
    size = struct.unpack_from(">I", buffer, start)[0]
    struct.pack_into(">4s", buffer, start + 4, b"free")
    payload = start + (16 if size == 1 else 8)
    buffer[payload:end] = bytes(end - payload)


def _zero_times(buffer: bytearray, payload: int, end: int) -> None:
    """Zero the creation and modification times of a version 0 or 1 mvhd/tkhd/mdhd."""
    if end - payload < 4:
        raise Unreadable("a header box is cut short")
    width = 8 if buffer[payload] == 1 else 4
    times = payload + 4
    if end - times < 2 * width:
        raise Unreadable("a header box is cut short")
    buffer[times : times + 2 * width] = bytes(2 * width)


def _walk(buffer: bytearray, start: int, end: int, depth: int) -> None:
    if depth > 16:
        raise Unreadable("boxes nested too deep")
    for kind, box, payload, box_end in list(_boxes(buffer, start, end)):
        if kind in _METADATA or kind in _FREE or (depth == 0 and kind not in _TOP_LEVEL):
            _blank(buffer, box, box_end)  # free space too: it may hold what an editor left
        elif kind in _TIMED:
            _zero_times(buffer, payload, box_end)
        elif kind in _CONTAINERS:
            _walk(buffer, payload, box_end, depth + 1)


def clean_mp4(data: bytes) -> bytes:
    """The MP4/QuickTime file with its metadata and unknown top-level boxes blanked and its
    times zeroed; same length, same layout."""
    buffer = bytearray(data)
    _walk(buffer, 0, len(buffer), 0)
    return bytes(buffer)


# --- WebM (Matroska, EBML) ---------------------------------------------------------------------

_EBML = 0x1A45DFA3
_SEGMENT = 0x18538067
_SEEK_HEAD, _SEEK, _SEEK_ID = 0x114D9B74, 0x4DBB, 0x53AB
_INFO, _TIMESTAMP_SCALE, _DURATION = 0x1549A966, 0x2AD7B1, 0x4489
_MUXING_APP, _WRITING_APP = 0x4D80, 0x5741
_TRACKS, _TRACK_ENTRY, _TRACK_NAME = 0x1654AE6B, 0xAE, 0x536E
_CLUSTER, _CUES = 0x1F43B675, 0x1C53BB6B
_VOID, _CRC32 = 0xEC, 0xBF
#: What a Segment keeps (Tags, Attachments, Chapters and anything unknown become Void).
_SEGMENT_KEEPS = {_SEEK_HEAD, _INFO, _TRACKS, _CLUSTER, _CUES, _VOID}
#: Where a Cluster of unknown size ends: the next element of the Segment's level (Void and
#: CRC-32 may sit inside a Cluster too, so they do not end it).
_CLUSTER_ENDS = {
    _SEEK_HEAD,
    _INFO,
    _TRACKS,
    _CLUSTER,
    _CUES,
    0x1254C367,  # Tags
    0x1941A469,  # Attachments
    0x1043A770,  # Chapters
    _EBML,
    _SEGMENT,
}
_UNKNOWN = -1


def _vint(data: bytes | bytearray, pos: int, end: int, *, keep_marker: bool) -> tuple[int, int]:
    """An EBML variable-length integer at ``pos``: (value, length). Sizes whose bits are all
    ones mean "unknown" (:data:`_UNKNOWN`)."""
    if pos >= end:
        raise Unreadable("an element is cut short")
    first = data[pos]
    if first == 0:
        raise Unreadable("an element's header is not valid")
    length = 8 - first.bit_length() + 1
    if pos + length > end or (keep_marker and length > 4):
        raise Unreadable("an element is cut short")
    value = int.from_bytes(data[pos : pos + length], "big")
    if keep_marker:
        return value, length
    value &= (1 << (7 * length)) - 1
    if value == (1 << (7 * length)) - 1:
        return _UNKNOWN, length
    return value, length


def _elements(
    data: bytes | bytearray, start: int, end: int, *, stop: set[int] | None = None
) -> Iterator[tuple[int, int, int, int]]:
    """(id, element start, payload start, element end) between ``start`` and ``end``. With
    ``stop`` (a Cluster of unknown size), the walk ends before the first element with one of
    those ids."""
    pos = start
    while pos < end:
        if end - pos < 2 and not any(data[pos:end]):
            return
        ident, id_length = _vint(data, pos, end, keep_marker=True)
        if stop is not None and ident in stop:
            return
        size, size_length = _vint(data, pos + id_length, end, keep_marker=False)
        payload = pos + id_length + size_length
        if size == _UNKNOWN:
            if ident == _SEGMENT:
                element_end = end
            elif ident == _CLUSTER:
                element_end = payload
                for _i, _s, _p, child_end in _elements(data, payload, end, stop=_CLUSTER_ENDS):
                    element_end = child_end
            else:
                raise Unreadable("an element of unknown size")
        else:
            element_end = payload + size
            if element_end > end:
                raise Unreadable("an element's size does not fit the file")
        yield ident, pos, payload, element_end
        pos = element_end


def _void(buffer: bytearray, start: int, end: int) -> None:
    """Turn the element at ``start``..``end`` into a Void element of the same length, zeroed."""
    length = end - start  # at least 2: an id and a size of one byte each
    width = length - 1 if length <= 9 else 8
    payload = length - 1 - width
    buffer[start:end] = bytes(length)
    buffer[start] = _VOID
    size = (1 << (7 * width)) | payload  # the length marker, then the value
    buffer[start + 1 : start + 1 + width] = size.to_bytes(width, "big")


def _clean_info(buffer: bytearray, start: int, end: int) -> None:
    for ident, element, payload, element_end in list(_elements(buffer, start, end)):
        if ident in (_MUXING_APP, _WRITING_APP):
            buffer[payload:element_end] = bytes(element_end - payload)  # an empty string
        elif ident not in (_TIMESTAMP_SCALE, _DURATION):
            _void(buffer, element, element_end)


def _clean_tracks(buffer: bytearray, start: int, end: int) -> None:
    for ident, element, payload, element_end in list(_elements(buffer, start, end)):
        if ident == _TRACK_ENTRY:
            for child, child_start, _payload, child_end in list(
                _elements(buffer, payload, element_end)
            ):
                if child in (_TRACK_NAME, _CRC32):
                    _void(buffer, child_start, child_end)
        elif ident != _VOID:
            _void(buffer, element, element_end)


def _clean_seek_head(buffer: bytearray, start: int, end: int) -> None:
    for ident, element, payload, element_end in list(_elements(buffer, start, end)):
        if ident != _SEEK:
            _void(buffer, element, element_end)
            continue
        for child, _start, child_payload, child_end in _elements(buffer, payload, element_end):
            if child == _SEEK_ID:
                target = int.from_bytes(buffer[child_payload:child_end], "big")
                if target not in _SEGMENT_KEEPS:
                    _void(buffer, element, element_end)
                break


def _clean_segment(buffer: bytearray, start: int, end: int) -> None:
    for ident, element, payload, element_end in list(_elements(buffer, start, end)):
        if ident == _INFO:
            _clean_info(buffer, payload, element_end)
        elif ident == _TRACKS:
            _clean_tracks(buffer, payload, element_end)
        elif ident == _SEEK_HEAD:
            _clean_seek_head(buffer, payload, element_end)
        elif ident == _VOID:
            buffer[payload:element_end] = bytes(element_end - payload)  # may hold old bytes
        elif ident not in (_CLUSTER, _CUES):
            _void(buffer, element, element_end)


def clean_webm(data: bytes) -> bytes:
    """The WebM file without its tags, attachments, chapters, date, title and program names;
    same length, same layout."""
    buffer = bytearray(data)
    header_seen = False
    for ident, element, payload, element_end in list(_elements(buffer, 0, len(buffer))):
        if ident == _EBML:
            header_seen = True
        elif ident == _SEGMENT and header_seen:
            _clean_segment(buffer, payload, element_end)
        else:
            _void(buffer, element, element_end)
    if not header_seen:
        raise Unreadable("no EBML header")
    return bytes(buffer)
