"""The home page's cards: what needs this person's attention, from every part of Haven.

The home page sits on the top floor (see docs/architecture.md, "Layers"): it reads the feature
apps, and none of them reads it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from haven.access import policy
from haven.access.policy import Perm

if TYPE_CHECKING:
    from haven.accounts.models import User


@dataclass(frozen=True)
class Card:
    title: str
    value: str
    note: str
    url: str
    tone: str = "routine"  # routine | high | life | done


def home_cards(user: User, school: Any) -> list[Card]:
    """What needs this person's attention, as cards. Each part of Haven adds its own as it lands."""
    from haven.access.models import BreakGlassGrant
    from haven.core.models import Section, Student
    from haven.notify.services import unread

    cards: list[Card] = []
    unread_count = unread(user).count()
    cards.append(
        Card(
            _("Unread notifications"),
            str(unread_count),
            _("Nothing new.") if not unread_count else _("Read them first."),
            reverse("notify:inbox"),
            "high" if unread_count else "done",
        )
    )
    grants = BreakGlassGrant.objects.active().filter(user=user).count()
    if grants:
        cards.append(
            Card(
                _("Emergency access open"), str(grants), _("Time-limited and audited."), "", "life"
            )
        )
    if policy.has_perm(user, Perm.TIPS_VIEW):
        cards.append(_tips_card(user, school))
    if policy.has_perm(user, Perm.TRIAGE_REVIEW) or policy.has_perm(user, Perm.CASES_SCHOOL):
        cards.append(_signals_card(user, school))
    if policy.has_perm(user, Perm.CASES_TEAM):
        cards.append(_cases_card(user, school))
    if school is not None and policy.has_perm(user, Perm.VISITORS_MANAGE, school):
        cards.append(_visitors_card(school))
    if school is not None and policy.has_perm(user, Perm.ROSTER_VIEW, school):
        mine = policy.visible_to(user, Section).filter(school=school, teachers__user=user).count()
        if mine:
            cards.append(
                Card(
                    _("Your classes"),
                    str(mine),
                    _("Rosters for roll call."),
                    reverse("core:sections") + "?mine=1",
                )
            )
        students = policy.visible_to(user, Student).filter(school=school, active=True).count()
        cards.append(Card(_("Students"), str(students), school.name, reverse("core:students")))
    if policy.has_perm(user, Perm.AUDIT_VIEW):
        from haven.audit.models import AuditEvent

        today = policy.visible_to(user, AuditEvent).filter(action="break_glass").count()
        cards.append(
            Card(
                _("Emergency accesses on record"),
                str(today),
                _("Review each reason."),
                reverse("audit:log") + "?action=break_glass",
                "high" if today else "done",
            )
        )
    return cards


def _tips_card(user: User, school: Any) -> Card:
    """New tips at the school in view (and the district's own), life-safety ones called out."""
    from django.db.models import Count

    from haven.tips.models import Status, Tip

    here = Q(school__isnull=True) | (Q(school=school) if school is not None else Q(pk__in=[]))
    counts = (
        policy.visible_to(user, Tip)
        .filter(here)
        .aggregate(
            new=Count("pk", filter=Q(status=Status.NEW)),
            life=Count("pk", filter=Q(status=Status.NEW, life_safety=True)),
        )
    )
    new, life = counts["new"], counts["life"]
    if life:
        note = ngettext(
            "%(n)d is life-safety: acknowledge it now.",
            "%(n)d are life-safety: acknowledge them now.",
            life,
        ) % {"n": life}
        tone, url = "life", reverse("tips:inbox") + "?status=new&life=1"
    elif new:
        note, tone, url = _("Acknowledge them."), "high", reverse("tips:inbox") + "?status=new"
    else:
        note, tone, url = _("Nothing waiting."), "done", reverse("tips:inbox")
    return Card(_("New tips"), str(new), note, url, tone)


def _signals_card(user: User, school: Any) -> Card:
    """Signals from monitoring tools waiting at the school in view: the review queue for
    reviewers, the team's queue of high ones for the rest of the team (the SRO)."""
    from haven.triage.services import queue_counts

    counts = queue_counts(user, school)
    waiting, imminent = counts["waiting"], counts["imminent"]
    url = reverse("triage:review" if counts["reviewer"] else "triage:team")
    if imminent:
        note = ngettext("%(n)d is imminent: act now.", "%(n)d are imminent: act now.", imminent)
        note, tone = note % {"n": imminent}, "life"
    elif counts["high"]:
        note, tone = _("Some are high urgency."), "high"
    elif waiting:
        note, tone = _("Confirm or dismiss each."), "routine"
    else:
        note, tone = _("Nothing waiting."), "done"
    title = _("Signals to review") if counts["reviewer"] else _("High-urgency signals")
    return Card(title, str(waiting), note, url, tone)


def _visitors_card(school: Any) -> Card:
    """Who is in the building now; visitors waiting for a screening decision called out."""
    from haven.visitors.models import Visit
    from haven.visitors.services import on_site

    present = list(on_site(school).values_list("status", flat=True))
    waiting = sum(1 for status in present if status != Visit.Status.ON_SITE)
    if waiting:
        note = ngettext(
            "%(n)d waits for a screening decision.",
            "%(n)d wait for a screening decision.",
            waiting,
        ) % {"n": waiting}
        tone = "high"
    else:
        note, tone = _("Everyone is badged."), "routine" if present else "done"
    return Card(_("Visitors on site"), str(len(present)), note, reverse("visitors:on_site"), tone)


def _cases_card(user: User, school: Any) -> Card:
    """Open cases the user may see at the school in view, with follow-up reviews due by today."""
    from django.utils import timezone

    from haven.cases.models import Review
    from haven.cases.services import visible_cases

    cases = visible_cases(user).filter(status="open")
    if school is not None:
        cases = cases.filter(school=school)
    due = Review.objects.filter(
        case__in=cases, done_at__isnull=True, due_on__lte=timezone.localdate()
    ).count()
    return Card(
        _("Open cases"),
        str(cases.count()),
        ngettext("%(n)d follow-up due.", "%(n)d follow-ups due.", due) % {"n": due}
        if due
        else _("No follow-ups due."),
        reverse("cases:list"),
        "high" if due else "routine",
    )
