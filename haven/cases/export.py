"""The case file as a PDF, holding only what the exporting person may see now: the team record,
and each other compartment only if the access policy lets them read it (their own, or one opened
by a break-glass grant still in force). A compartment they may not read is left out entirely,
not even named. The export is audited as an export; each compartment read is audited by the read
services it goes through."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import letter
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from haven.audit import services as audit
from haven.cases import services
from haven.cases.models import Case

if TYPE_CHECKING:
    from haven.accounts.models import User


def _text(value: Any) -> str:
    """Escaped for reportlab's paragraph markup, line breaks kept."""
    return escape(str(value)).replace("\n", "<br/>")


def case_pdf(user: User, case: Case) -> bytes:
    """The case file of ``case`` as ``user`` may see it (404 if they may not see the case)."""
    case = services.get_case(user, case.pk)
    styles = getSampleStyleSheet()
    body, heading, title = styles["BodyText"], styles["Heading2"], styles["Title"]
    story: list[Any] = []

    def para(text: str, style: Any = body) -> None:
        story.append(Paragraph(text, style))

    subject = str(case.student) if case.student else case.unknown_person or _("Unknown person")
    para(_text(_("Case #%(n)d: %(subject)s") % {"n": case.pk, "subject": subject}), title)
    para(
        _text(
            f"{case.school.name} · {case.get_type_display()} · "
            f"{_('Priority')}: {case.get_priority_display()} · {case.get_status_display()}"
        )
    )
    team = ", ".join(person.label for person in case.team.all())
    para(_text(f"{_('Team')}: {team or '—'}"))
    para(
        _text(
            _("Exported by %(who)s on %(when)s. Confidential: contains only what %(who)s may see.")
            % {
                "who": getattr(user, "label", user.get_username()),
                "when": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
            }
        )
    )
    story.append(Spacer(1, 0.2 * inch))
    para(_text(_("Summary")), heading)
    para(_text(case.summary or "—"))

    exported: list[str] = []
    for row in services.compartment_access(user, case):
        if not row.readable:
            continue
        exported.append(row.compartment.value)
        para(_text(_("%(name)s record") % {"name": row.compartment.label}), heading)
        rows = services.notes(user, case, row.compartment)
        for note in rows:
            author = note.author.label if note.author else "—"
            when = timezone.localtime(note.created_at).strftime("%Y-%m-%d %H:%M")
            para(f"<b>{_text(author)} · {when}</b><br/>{_text(note.body)}")
        if not rows:
            para(_text(_("No notes.")))

    current = services.plan(user, case)
    para(_text(_("Safety plan")), heading)
    for item in current.items:
        para(
            _text(
                f"{item.get_kind_display()}: {item.description} · {item.owner.label} · "
                f"{item.due_on:%Y-%m-%d} · {item.get_status_display()}"
            )
        )
    for review in current.reviews:
        outcome = review.outcome or _("not yet recorded")
        para(_text(f"{_('Review')} {review.due_on:%Y-%m-%d}: {outcome}"))
    if not current.items and not current.reviews:
        para(_text(_("No plan items or reviews.")))

    para(_text(_("Timeline")), heading)
    for event in services.timeline(user, case):
        para(_text(f"{timezone.localtime(event.at):%Y-%m-%d %H:%M} {event.text}"))

    out = io.BytesIO()
    # invariant: the same file for the same content (no timestamp or random id inside).
    document = SimpleDocTemplate(
        out,
        pagesize=letter,
        title=_("Case file"),
        invariant=1,
        pageCompression=0,
    )
    document.build(story)
    audit.record(
        user,
        "export",
        case,
        detail={"format": "pdf", "compartments": exported},
        school_id=case.school_id,
    )
    return out.getvalue()
