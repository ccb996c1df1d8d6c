"""The staff shell: which school is in view, and the navigation a user's roles open."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from haven.access import policy
from haven.access.policy import Perm

SCHOOL_KEY = "haven_school"


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    icon: str  # the id of a symbol in templates/icons/sprite.html, without "i-"
    active: bool
    short: str = ""  # a shorter label for the phone's bottom bar, where space is tight
    count: int = 0  # something waiting there (new tips), shown as a badge


def current_school(request: HttpRequest, schools: list[Any] | None = None) -> Any:
    schools = (
        schools if schools is not None else list(policy.schools_for(request.user).order_by("name"))
    )
    chosen = request.session.get(SCHOOL_KEY)
    for school in schools:
        if school.pk == chosen:
            return school
    return schools[0] if schools else None


# (label, url name, icon, permission needed or None for everyone signed in)
_NAV: list[tuple[Any, str, str, Perm | None]] = [
    (_("Home"), "home", "home", None),
    (_("Students"), "core:students", "people", Perm.ROSTER_VIEW),
    (_("Classes"), "core:sections", "grid", Perm.ROSTER_VIEW),
    (_("Tips"), "tips:inbox", "inbox", Perm.TIPS_VIEW),
    (_("Cases"), "cases:list", "compass", Perm.CASES_TEAM),
    (_("Refer a student"), "cases:refer", "user", Perm.CASES_REFER),
    (_("Signals"), "triage:review", "filter", Perm.TRIAGE_REVIEW),
    (_("Visitors"), "visitors:on_site", "user", Perm.VISITORS_MANAGE),
    (_("Volunteers"), "volunteers:list", "people", Perm.VOLUNTEERS_MANAGE),
    (_("Emergencies"), "emergencies:list", "life", Perm.EMERGENCY_RECEIVE),
    (_("Drills"), "emergencies:drills", "clock", Perm.EMERGENCY_COMMAND),
    (_("Reports"), "reports:index", "grid", Perm.REPORTS_DRILLS),
    (_("Audit log"), "audit:log", "shield", Perm.AUDIT_VIEW),
    (_("People"), "accounts:people", "key", Perm.ACCOUNTS_MANAGE),
    (_("Training"), "training:mine", "check", Perm.TRAINING_TAKE),
    (_("Notifications"), "notify:inbox", "bell", None),
]


#: Something waiting behind a navigation item (a badge), by url name: registered by the app that
#: knows what waits there (``haven.home.nav``), so that the shell reads no feature app.
NAV_COUNTS: dict[str, Callable[[HttpRequest], int]] = {}


def nav_count(name: str) -> Callable[[Callable[[HttpRequest], int]], Callable[[HttpRequest], int]]:
    """Register the count shown as a badge beside the navigation item ``name``."""

    def register(func: Callable[[HttpRequest], int]) -> Callable[[HttpRequest], int]:
        NAV_COUNTS[name] = func
        return func

    return register


# Shorter labels for the phone's bottom bar, by url name (the full label is used otherwise).
_SHORT: dict[str, Any] = {
    "audit:log": _("Audit"),
    "notify:inbox": _("Inbox"),
    "cases:refer": _("Refer"),
    "emergencies:list": _("Alerts"),
}


def navigation(request: HttpRequest) -> list[NavItem]:
    items = []
    for label, name, icon, perm in _NAV:
        if perm is not None and not policy.has_perm(request.user, perm):
            continue
        url = reverse(name)
        active = request.path == url if url == "/" else request.path.startswith(url)
        if active and any(  # the most specific item only: Drills, not also Emergencies
            len(other) > len(url) and request.path.startswith(other) for other in _nav_urls(request)
        ):
            active = False
        short = _SHORT.get(name)
        counter = NAV_COUNTS.get(name)
        count = counter(request) if counter is not None else 0
        items.append(NavItem(str(label), url, icon, active, str(short) if short else "", count))
    return items


def _nav_urls(request: HttpRequest) -> list[str]:
    return [
        reverse(name)
        for _label, name, _icon, perm in _NAV
        if perm is None or policy.has_perm(request.user, perm)
    ]
