"""What a reporter's PDF or video says about them, removed from the copy staff open.

A PDF names its author and the program (and often the computer's user name) in its document
information dictionary and its XMP stream. A phone's video carries where it was filmed (the
``©xyz`` atom, QuickTime's ``com.apple.quicktime.location.ISO6709`` key), the phone's make and
model, and the time. For an anonymous reporter either can be as identifying as a name.

* PDFs are rewritten by pypdf without the information dictionary and without XMP, at the
  document and the page level. A PDF protected by a password cannot be rewritten and is refused.
* MP4 and QuickTime files keep their exact layout: every metadata box (``udta``, ``meta``, XMP's
  ``uuid``) is turned into a ``free`` box of the same size with its content zeroed, so that the
  offsets of the media samples stay valid and the video still plays.
* WebM is kept as sent: browsers record it without a position or a device name.

The original is kept too (encrypted), as for pictures: an investigation may need it.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Iterator

from pypdf import PdfReader, PdfWriter
from pypdf.errors import PyPdfError

#: Boxes holding other boxes, walked to find metadata inside tracks.
_CONTAINERS = {b"moov", b"trak", b"mdia", b"minf", b"stbl", b"edts", b"dinf", b"mvex", b"moof"}
#: Boxes holding metadata: user data (©xyz, ©mak, ©mod), meta (QuickTime keys, iTunes tags) and
#: uuid (XMP, camera makers' own).
_METADATA = {b"udta", b"meta", b"uuid"}
_PAGE_METADATA = ("/Metadata", "/PieceInfo")


class Unreadable(ValueError):
    """The file is not what its first bytes say, or cannot be cleaned."""


def clean_pdf(data: bytes) -> bytes:
    """The PDF without its information dictionary and XMP metadata."""
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise Unreadable("encrypted")
        writer = PdfWriter(clone_from=reader)
        writer.metadata = None
        for key in _PAGE_METADATA:
            writer.root_object.pop(key, None)
        for page in writer.pages:
            for key in _PAGE_METADATA:
                page.pop(key, None)
        # Objects nothing refers to any more (the XMP streams just unhooked) are not written.
        writer.compress_identical_objects(remove_duplicates=False, remove_unreferenced=True)
        out = io.BytesIO()
        writer.write(out)
    except Unreadable:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        raise Unreadable(str(exc)) from exc
    return out.getvalue()


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


def _walk(buffer: bytearray, start: int, end: int, depth: int) -> int:
    if depth > 16:
        raise Unreadable("boxes nested too deep")
    blanked = 0
    for kind, box, payload, box_end in list(_boxes(buffer, start, end)):
        if kind in _METADATA:
            _blank(buffer, box, box_end)
            blanked += 1
        elif kind in _CONTAINERS:
            blanked += _walk(buffer, payload, box_end, depth + 1)
    return blanked


def clean_mp4(data: bytes) -> bytes:
    """The MP4/QuickTime file with its metadata boxes blanked; same length, same layout."""
    buffer = bytearray(data)
    _walk(buffer, 0, len(buffer), 0)
    return bytes(buffer)
