from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from haven.accounts.shell import current_school, navigation


def staff_shell(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from haven.access import policy
    from haven.notify.services import unread

    schools = list(policy.schools_for(user).order_by("name"))
    return {
        "shell_schools": schools,
        "shell_school": current_school(request, schools),
        "shell_nav": navigation(request),
        "shell_unread": unread(user).count(),
        "shell_roles": sorted(policy.roles(user)),
    }
