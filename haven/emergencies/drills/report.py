"""The after-action report of an incident or drill, as figures (:func:`figures`), a PDF and a CSV:
the timeline, how long the alert took to reach people (per channel), how long they took to
acknowledge it, how long until every student was accounted for, the roll call and releases.

It holds counts and times only — no student's name, no injury, no note — so that it can be shared
with the district's safety committee. Downloads are audited by the caller (the view)."""

from __future__ import annotations

import csv
import io
import math
import statistics
from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction
from typing import Any
from xml.sax.saxutils import escape

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from reportlab.lib.pagesizes import letter
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from haven.emergencies.alerts import audience
from haven.emergencies.alerts.protocols import action
from haven.emergencies.models import (
    Acknowledgement,
    Alert,
    Delivery,
    Incident,
    IncidentEvent,
    RollCall,
    RollCallEntry,
)
from haven.emergencies.roll_call import accountability


@dataclass
class ChannelTimes:
    channel: str
    label: str
    delivered: int
    median: float | None
    max: float | None


@dataclass
class Figures:
    incident: Incident
    timeline: list[IncidentEvent]
    channels: list[ChannelTimes]
    recipients: int
    acknowledged: int
    ack_median: float | None
    ack_p90: float | None
    ack_last: float | None
    to_accounted: float | None  # seconds from raise to every student accounted for
    duration: float | None  # seconds from raise to all clear
    roll_call: dict[str, int] = field(default_factory=dict)
    sections_total: int = 0
    sections_reported: int = 0
    need_help: int = 0
    expected: int = 0
    accounted: int = 0
    releases: int = 0

    @property
    def never_acknowledged(self) -> int:
        return max(self.recipients - self.acknowledged, 0)


def percentile(values: list[float], p: float) -> float | None:
    """Nearest-rank percentile (the value at or below which ``p`` per cent of them lie)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(Fraction(p) * len(ordered) / 100))  # exact: 7% of 100 is rank 7
    return ordered[rank - 1]


def _seconds(later: datetime, earlier: datetime) -> float:
    return max((later - earlier).total_seconds(), 0.0)


def figures(incident: Incident) -> Figures:
    raised = incident.raised_at
    delivered: dict[str, list[float]] = {}
    rows = Delivery.objects.filter(
        alert__incident=incident,
        alert__kind=Alert.Kind.RAISED,
        status=Delivery.Status.DELIVERED,
        delivered_at__isnull=False,
    ).values_list("channel", "delivered_at")
    for channel, at in rows:
        if at is not None:
            delivered.setdefault(channel, []).append(_seconds(at, raised))
    channels = [
        ChannelTimes(
            channel=code,
            label=str(label),
            delivered=len(delivered[code]),
            median=statistics.median(delivered[code]),
            max=max(delivered[code]),
        )
        for code, label in Delivery.Channel.choices
        if delivered.get(code)
    ]
    ack_times = [
        _seconds(at, raised)
        for at in Acknowledgement.objects.filter(incident=incident).values_list("at", flat=True)
    ]
    result = accountability.compute(incident)
    accountability.record_if_complete(incident, result)
    counts = {status: 0 for status in RollCallEntry.Status.values}
    for status in RollCallEntry.objects.filter(roll_call__incident=incident).values_list(
        "status", flat=True
    ):
        counts[status] += 1
    return Figures(
        incident=incident,
        timeline=list(incident.events.select_related("actor").order_by("at", "pk")),
        channels=channels,
        recipients=audience.recipients(incident).count(),
        acknowledged=len(ack_times),
        ack_median=statistics.median(ack_times) if ack_times else None,
        ack_p90=percentile(ack_times, 90),
        ack_last=max(ack_times) if ack_times else None,
        to_accounted=(
            _seconds(result.accounted_at, raised) if result.accounted_at is not None else None
        ),
        duration=_seconds(incident.all_clear_at, raised) if incident.all_clear_at else None,
        roll_call=counts,
        sections_total=result.sections_total,
        sections_reported=result.sections_reported,
        need_help=RollCall.objects.filter(
            incident=incident, reporter_status=RollCall.ReporterStatus.NEED_HELP
        ).count(),
        expected=result.expected,
        accounted=result.accounted,
        releases=result.released,
    )


def duration(seconds: float | None) -> str:
    """``1 min 05 s``; ``—`` for nothing."""
    if seconds is None:
        return "—"
    whole = round(seconds)
    if whole < 60:
        return _("%(s)d s") % {"s": whole}
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return _("%(h)d h %(m)02d min") % {"h": hours, "m": minutes}
    return _("%(m)d min %(s)02d s") % {"m": minutes, "s": secs}


def _event_text(event: IncidentEvent) -> str:
    data = event.data or {}
    if event.kind == IncidentEvent.Kind.PROTOCOL_CHANGED:
        return f"{str(data.get('from', '')).upper()} → {str(data.get('protocol', '')).upper()}"
    if event.kind in (IncidentEvent.Kind.ROLL_CALL, IncidentEvent.Kind.NEED_HELP):
        return str(data.get("section_title", ""))
    if event.kind == IncidentEvent.Kind.ACCOUNTED:
        n = int(data.get("expected", 0))
        return ngettext("%(n)d student", "%(n)d students", n) % {"n": n}
    return str(data.get("message", ""))


def summary_rows(f: Figures) -> list[tuple[str, str]]:
    """The report's figures as (label, value) lines, shared by the PDF and the CSV."""
    incident = f.incident
    where = incident.school.name if incident.school_id else _("Every school in the district")  # type: ignore[union-attr]
    reached = duration(f.to_accounted) if f.to_accounted is not None else _("not reached")
    rows = [
        (_("Incident"), f"#{incident.pk}"),
        (_("Protocol"), action(incident.protocol).word),
        (_("Drill"), _("Yes — this was a drill") if incident.drill else _("No — a real incident")),
        (_("Where"), where),
        (_("Raised"), timezone.localtime(incident.raised_at).strftime("%Y-%m-%d %H:%M:%S")),
        (
            _("All clear"),
            timezone.localtime(incident.all_clear_at).strftime("%Y-%m-%d %H:%M:%S")
            if incident.all_clear_at
            else _("still in effect"),
        ),
        (_("Duration"), duration(f.duration)),
    ]
    for c in f.channels:
        rows.append(
            (
                _("Time to alert: %(channel)s") % {"channel": c.label},
                _("median %(median)s, max %(max)s (%(n)d delivered)")
                % {"median": duration(c.median), "max": duration(c.max), "n": c.delivered},
            )
        )
    rows += [
        (_("Acknowledged"), f"{f.acknowledged} / {f.recipients}"),
        (_("Never acknowledged"), str(f.never_acknowledged)),
        (_("Time to acknowledge: median"), duration(f.ack_median)),
        (_("Time to acknowledge: 90th percentile"), duration(f.ack_p90)),
        (_("Time to acknowledge: last"), duration(f.ack_last)),
        (_("Time to full accountability"), reached),
        (_("Students accounted for"), f"{f.accounted} / {f.expected}"),
        (_("Classes reported"), f"{f.sections_reported} / {f.sections_total}"),
    ]
    for status, label in RollCallEntry.Status.choices:
        rows.append((_("Roll call: %(status)s") % {"status": label}, str(f.roll_call[status])))
    rows += [
        (_("Staff who asked for help"), str(f.need_help)),
        (_("Students released to guardians"), str(f.releases)),
    ]
    return rows


def timeline_rows(f: Figures) -> list[tuple[str, str, str, str]]:
    """(time, since the raise, what, who) for every timeline event."""
    return [
        (
            timezone.localtime(e.at).strftime("%H:%M:%S"),
            duration(_seconds(e.at, f.incident.raised_at)),
            f"{e.get_kind_display()} {_event_text(e)}".strip(),
            e.actor.label if e.actor else "",  # type: ignore[attr-defined]
        )
        for e in f.timeline
    ]


def as_csv(f: Figures) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("Figure"), _("Value")])
    for label, value in summary_rows(f):
        writer.writerow([label, value])
    writer.writerow([])
    writer.writerow([_("Time"), _("Since raised"), _("Event"), _("By")])
    for row in timeline_rows(f):
        writer.writerow(row)
    return out.getvalue()


def _text(value: Any) -> str:
    return escape(str(value)).replace("\n", "<br/>")


def as_pdf(f: Figures, exported_by: str) -> bytes:
    styles = getSampleStyleSheet()
    body, heading, title = styles["BodyText"], styles["Heading2"], styles["Title"]
    incident = f.incident
    word = action(incident.protocol).word
    headline = _("After-action report: %(word)s") % {"word": word}
    if incident.drill:
        headline = f"{_('DRILL')} — {headline}"
    story: list[Any] = [Paragraph(_text(headline), title)]
    story.append(
        Paragraph(
            _text(
                _("Exported by %(who)s on %(when)s. Counts and times only: no student is named.")
                % {"who": exported_by, "when": timezone.localtime().strftime("%Y-%m-%d %H:%M")}
            ),
            body,
        )
    )
    story.append(Spacer(1, 0.2 * inch))
    story.append(Paragraph(_text(_("Figures")), heading))
    grid = TableStyle(
        [
            ("GRID", (0, 0), (-1, -1), 0.25, "#999999"),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]
    )
    story.append(
        Table(
            [[Paragraph(_text(a), body), Paragraph(_text(b), body)] for a, b in summary_rows(f)],
            colWidths=[2.8 * inch, 3.9 * inch],
            style=grid,
        )
    )
    story.append(Spacer(1, 0.2 * inch))
    story.append(Paragraph(_text(_("Timeline")), heading))
    rows = [
        [Paragraph(_text(h), body) for h in (_("Time"), _("Since raised"), _("Event"), _("By"))]
    ]
    rows += [[Paragraph(_text(cell), body) for cell in row] for row in timeline_rows(f)]
    story.append(
        Table(
            rows,
            colWidths=[0.9 * inch, 1.1 * inch, 3.0 * inch, 1.7 * inch],
            style=grid,
            repeatRows=1,
        )
    )
    buffer = io.BytesIO()
    SimpleDocTemplate(
        buffer,
        pagesize=letter,
        title=headline,
        leftMargin=0.8 * inch,
        rightMargin=0.8 * inch,
        topMargin=0.8 * inch,
        bottomMargin=0.8 * inch,
    ).build(story)
    return buffer.getvalue()


def filename(incident: Incident, ext: str) -> str:
    day = timezone.localtime(incident.raised_at).strftime("%Y-%m-%d")
    return f"incident-{incident.pk}-{day}-after-action.{ext}"
