"""Services of the roster: search and the home page's summary."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from haven.access import policy
from haven.access.policy import Perm


def search_students(qs: QuerySet, query: str) -> QuerySet:
    """Every word of the query must match a name (given, family, preferred) or a student number."""
    for word in query.split()[:5]:
        qs = qs.filter(
            Q(given_name__icontains=word)
            | Q(family_name__icontains=word)
            | Q(preferred_name__icontains=word)
            | Q(student_number__iexact=word)
        )
    return qs


@dataclass(frozen=True)
class Card:
    title: str
    value: str
    note: str
    url: str
    tone: str = "routine"  # routine | high | life | done


def home_cards(user: Any, school: Any) -> list[Card]:
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

        today = AuditEvent.objects.filter(action="break_glass").count()
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
