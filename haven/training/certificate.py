"""A completion's certificate as PDF (reportlab), and the state certification summary."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import landscape, letter
from reportlab.lib.units import inch
from reportlab.pdfgen import canvas

from haven.training.models import Completion


def completion_pdf(completion: Completion, title: str) -> bytes:
    """One page: who completed which module (and version), when, the certificate's number."""
    buffer = io.BytesIO()
    width, height = landscape(letter)
    pdf = canvas.Canvas(buffer, pagesize=(width, height))
    pdf.setTitle(_("Certificate of completion"))
    pdf.setAuthor("Haven")
    pdf.setLineWidth(3)
    pdf.rect(0.5 * inch, 0.5 * inch, width - inch, height - inch)
    pdf.setFont("Helvetica-Bold", 30)
    pdf.drawCentredString(width / 2, height - 1.6 * inch, _("Certificate of completion"))
    pdf.setFont("Helvetica", 16)
    pdf.drawCentredString(width / 2, height - 2.4 * inch, _("This certifies that"))
    user = completion.user
    name = getattr(user, "label", "") or user.get_full_name() or user.get_username()
    pdf.setFont("Helvetica-Bold", 24)
    pdf.drawCentredString(width / 2, height - 3.1 * inch, name)
    pdf.setFont("Helvetica", 16)
    pdf.drawCentredString(width / 2, height - 3.8 * inch, _("completed the training module"))
    pdf.setFont("Helvetica-Bold", 18)
    pdf.drawCentredString(width / 2, height - 4.5 * inch, title[:90])
    pdf.setFont("Helvetica", 13)
    when = timezone.localtime(completion.completed_at).date().isoformat()
    line = (
        _("Version %(version)s · %(minutes)d minutes · attended in person on %(date)s")
        if completion.via == Completion.Via.ATTENDANCE
        else _("Version %(version)s · %(minutes)d minutes · passed on %(date)s")
    )
    pdf.drawCentredString(
        width / 2,
        height - 5.3 * inch,
        line % {"version": completion.version, "minutes": completion.module.minutes, "date": when},
    )
    pdf.setFont("Helvetica", 10)
    pdf.drawCentredString(
        width / 2, 0.9 * inch, _("Certificate %(number)s · Haven") % {"number": completion.number}
    )
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def summary_pdf(district: Any, on: dt.date, schools: list[dict[str, Any]], target: int) -> bytes:
    """The share of listed staff trained as of ``on``, per school and role, and in total (what a
    state's annual certification form asks, e.g. Florida's 80% of listed personnel)."""
    buffer = io.BytesIO()
    width, height = letter
    pdf = canvas.Canvas(buffer, pagesize=letter)
    pdf.setTitle(_("Training certification summary"))
    pdf.setAuthor("Haven")
    y = height - inch
    pdf.setFont("Helvetica-Bold", 16)
    pdf.drawString(inch, y, _("Training certification summary"))
    y -= 22
    pdf.setFont("Helvetica", 11)
    pdf.drawString(inch, y, f"{district.name} · " + _("as of %(date)s") % {"date": on.isoformat()})
    y -= 16
    pdf.drawString(inch, y, _("Target: %(target)d%% of listed staff trained") % {"target": target})
    y -= 28
    total_assigned = total_done = 0
    for school in schools:
        if y < 1.5 * inch:
            pdf.showPage()
            y = height - inch
        pdf.setFont("Helvetica-Bold", 12)
        pdf.drawString(inch, y, school["name"])
        y -= 16
        pdf.setFont("Helvetica", 10)
        for role in school["roles"]:
            pdf.drawString(1.2 * inch, y, role["label"])
            pdf.drawRightString(
                width - inch,
                y,
                _("%(done)d of %(assigned)d trained (%(percent)s%%)")
                % {"done": role["done"], "assigned": role["assigned"], "percent": role["percent"]},
            )
            total_assigned += role["assigned"]
            total_done += role["done"]
            y -= 14
        y -= 10
    share = round(100.0 * total_done / total_assigned, 1) if total_assigned else 0.0
    pdf.setFont("Helvetica-Bold", 12)
    pdf.drawString(
        inch,
        max(y, inch),
        _("District: %(done)d of %(assigned)d listed staff trained (%(share)s%%): %(verdict)s")
        % {
            "done": total_done,
            "assigned": total_assigned,
            "share": share,
            "verdict": _("target met") if share >= target else _("target not met"),
        },
    )
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
