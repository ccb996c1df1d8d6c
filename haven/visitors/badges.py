"""Visitor badges: a PDF for a 2.25 x 4 in label printer or for A4/Letter paper, with the name,
photo, destination, host, date and a QR code that signs the visitor out when scanned.

The QR code holds the address of the desk's scan page with a signed token
(:mod:`django.core.signing`, salted for this purpose, time-stamped): a badge cannot be forged or
altered into another visit's, and an old one stops working after ``TOKEN_DAYS``. Scanning it with
a USB scanner into the scan page, or opening it on a signed-in phone, signs the visitor out.
"""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import parse_qs, urlsplit

import segno
from django.core import signing
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4, letter
from reportlab.lib.units import inch
from reportlab.lib.utils import ImageReader, simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas
from unidecode import unidecode

from haven.visitors.models import Visit

SALT = "haven.visitors.badge.sign-out"
TOKEN_DAYS = 7
LABEL = (4 * inch, 2.25 * inch)  # landscape: 288 x 162 points
SIZES = {"label": LABEL, "letter": letter, "a4": A4}
MAX_TOKEN = 300

# --- the sign-out token ---------------------------------------------------------------------------


class BadgeError(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def token(visit: Visit) -> str:
    return signing.dumps(visit.pk, salt=SALT, compress=False)


def scan_url(visit: Visit, base_url: str) -> str:
    """The address in the QR code: the scan page with the visit's token."""
    return f"{base_url.rstrip('/')}{reverse('visitors:scan')}?t={token(visit)}"


def visit_id(scanned: str) -> int:
    """The visit a scanned badge stands for. ``scanned`` is the token, or the whole address (a
    scanner types what the code holds). Raises BadgeError saying what is wrong."""
    text = (scanned or "").strip()
    if not text:
        raise BadgeError(_("Scan the QR code on the visitor's badge."))
    if len(text) > MAX_TOKEN + 200:
        raise BadgeError(_("That is not a Haven badge."))
    if "://" in text or text.startswith("/") or "?t=" in text:
        values = parse_qs(urlsplit(text).query).get("t", [])
        text = values[0] if values else ""
    try:
        value = signing.loads(text, salt=SALT, max_age=TOKEN_DAYS * 86400)
    except signing.SignatureExpired as exc:
        raise BadgeError(_("This badge has expired: sign the visitor out from the list.")) from exc
    except (signing.BadSignature, ValueError, UnicodeError) as exc:
        raise BadgeError(_("That is not a Haven badge.")) from exc
    if not isinstance(value, int):
        raise BadgeError(_("That is not a Haven badge."))
    return value


# --- the PDF ------------------------------------------------------------------------------------


def _latin(text: str) -> str:
    """Text the PDF's built-in fonts can draw (Windows-1252); other letters are transliterated."""
    out = []
    for ch in text:
        try:
            ch.encode("cp1252")
            out.append(ch)
        except UnicodeEncodeError:
            out.append(unidecode(ch))
    return "".join(out)


def _fit(text: str, font: str, size: float, width: float, smallest: float = 7) -> float:
    while size > smallest and stringWidth(text, font, size) > width:
        size -= 0.5
    return size


def _qr(pdf: canvas.Canvas, data: str, x: float, y: float, side: float) -> None:
    """A QR code drawn as vector squares (crisp on any printer), with a two-module margin."""
    matrix = segno.make(data, error="m", micro=False).matrix
    count = len(matrix)
    module = side / (count + 4)
    pdf.setFillColorRGB(1, 1, 1)
    pdf.rect(x, y, side, side, stroke=0, fill=1)
    pdf.setFillColorRGB(0, 0, 0)
    for r, row in enumerate(matrix):
        top = y + side - (r + 3) * module
        c = 0
        while c < count:
            if row[c]:
                start = c
                while c < count and row[c]:
                    c += 1
                pdf.rect(x + (start + 2) * module, top, (c - start) * module, module, 0, 1)
            else:
                c += 1


def _photo(visit: Visit) -> ImageReader | None:
    if not visit.photo:
        return None
    try:
        with visit.photo.open("rb") as handle:
            return ImageReader(io.BytesIO(handle.read()))
    except Exception:  # a missing or unreadable file: the badge prints without it
        return None


def _draw(pdf: canvas.Canvas, visit: Visit, url: str) -> None:
    """One badge in label coordinates (288 x 162 points)."""
    w, h = LABEL
    volunteer = visit.kind == Visit.Kind.VOLUNTEER
    # the band: what this person is, in large letters, and where
    if volunteer:
        pdf.setFillColorRGB(0.09, 0.44, 0.24)
    else:
        pdf.setFillColorRGB(0.1, 0.12, 0.17)
    pdf.rect(0, h - 28, w, 28, stroke=0, fill=1)
    pdf.setFillColorRGB(1, 1, 1)
    pdf.setFont("Helvetica-Bold", 17)
    word = _("VOLUNTEER") if volunteer else _("VISITOR")
    pdf.drawString(8, h - 21, _latin(word.upper()))
    school = _latin(visit.school.name)
    size = _fit(school, "Helvetica", 8, w - 130)
    pdf.setFont("Helvetica", size)
    pdf.drawRightString(w - 8, h - 18, school)

    # the photo
    pdf.setFillColorRGB(0, 0, 0)
    photo = _photo(visit)
    px, py, pw, ph = 8, 30, 66, 96
    if photo is not None:
        pdf.drawImage(photo, px, py, pw, ph, preserveAspectRatio=True, anchor="c")
    else:
        pdf.setStrokeColorRGB(0.6, 0.6, 0.6)
        pdf.rect(px, py, pw, ph, stroke=1, fill=0)
        pdf.setFont("Helvetica", 7)
        pdf.drawCentredString(px + pw / 2, py + ph / 2, _latin(_("No photo")))

    # who, where, when
    tx, tw = 82, 122
    name = _latin(visit.person.name)
    name_size = _fit(name, "Helvetica-Bold", 15, tw, 11)
    lines = simpleSplit(name, "Helvetica-Bold", name_size, tw)[:2]
    pdf.setFont("Helvetica-Bold", name_size)
    ty = h - 28 - 6 - name_size
    for line in lines:
        pdf.drawString(tx, ty, line)
        ty -= name_size + 1
    ty -= 4
    facts = []
    if visit.destination:
        facts.append(_("To: %(place)s") % {"place": visit.destination})
    if visit.host:
        facts.append(_("Host: %(name)s") % {"name": visit.host.full_name})
    arrived = timezone.localtime(visit.checked_in_at)
    facts.append(formats.date_format(arrived, "D j M Y"))
    facts.append(_("In at %(time)s") % {"time": formats.time_format(arrived, "H:i")})
    pdf.setFont("Helvetica", 8.5)
    for fact in facts:
        for line in simpleSplit(_latin(fact), "Helvetica", 8.5, tw)[:2]:
            if ty < 22:
                break
            pdf.drawString(tx, ty, line)
            ty -= 10.5

    # the QR code that signs the visitor out
    side = 76
    _qr(pdf, url, w - side - 6, 36, side)
    pdf.setFont("Helvetica", 6.5)
    pdf.drawCentredString(w - side / 2 - 6, 29, _latin(_("Scan to sign out")))

    # the foot
    pdf.setStrokeColorRGB(0.75, 0.75, 0.75)
    pdf.line(8, 22, w - 8, 22)
    pdf.setFont("Helvetica", 7)
    foot = _("Valid %(day)s only. Wear it visibly; return it when you leave.") % {
        "day": formats.date_format(arrived, "j M Y")
    }
    pdf.drawString(8, 10, _latin(foot)[:110])


def render(visit: Visit, size: str, base_url: str) -> bytes:
    """The badge as PDF bytes. ``size``: "label" (2.25 x 4 in), "letter" or "a4"; on paper the
    badge is drawn at the top, scaled to the page's width, with a line to cut along."""
    if size not in SIZES:
        raise BadgeError(_("Choose a label, Letter or A4."))
    page = SIZES[size]
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=page, pageCompression=1)
    volunteer = visit.kind == Visit.Kind.VOLUNTEER
    pdf.setTitle(_("Volunteer badge") if volunteer else _("Visitor badge"))
    pdf.setAuthor("Haven")
    pdf.setCreator("Haven")
    url = scan_url(visit, base_url)
    if size == "label":
        _draw(pdf, visit, url)
    else:
        margin = 0.5 * inch
        scale = (page[0] - 2 * margin) / LABEL[0]
        top = page[1] - margin
        pdf.saveState()
        pdf.translate(margin, top - LABEL[1] * scale)
        pdf.scale(scale, scale)
        _draw(pdf, visit, url)
        pdf.restoreState()
        pdf.setDash(4, 3)
        pdf.setStrokeColorRGB(0.5, 0.5, 0.5)
        height = LABEL[1] * scale
        pdf.rect(margin - 6, top - height - 6, page[0] - 2 * margin + 12, height + 12)
        pdf.setFont("Helvetica", 8)
        pdf.drawString(margin, top - LABEL[1] * scale - 20, _latin(_("Cut along the dashed line.")))
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def describe(size: str) -> str:
    return {"label": _("Label (2.25 x 4 in)"), "letter": _("Letter"), "a4": _("A4")}.get(size, size)


def choices() -> list[tuple[str, Any]]:
    return [(key, describe(key)) for key in SIZES]
