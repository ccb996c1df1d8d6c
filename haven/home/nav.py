"""Counts beside the navigation's items (badges), registered with the staff shell."""

from __future__ import annotations

from django.http import HttpRequest

from haven.access import policy
from haven.accounts.shell import nav_count
from haven.tips.models import Status, Tip


@nav_count("tips:inbox")
def new_tips(request: HttpRequest) -> int:
    """Tips nobody has acknowledged yet, among those the user may see (one indexed count)."""
    return policy.visible_to(request.user, Tip).filter(status=Status.NEW).count()
