from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from haven.accounts.shell import current_school, navigation


def _initials(label: str) -> str:
    words = [w for w in label.replace(".", " ").split() if w[:1].isalpha()]
    if not words:
        return label[:1].upper()
    return (words[0][0] + (words[-1][0] if len(words) > 1 else "")).upper()


def staff_shell(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from haven.access import policy
    from haven.accounts.models import role_label
    from haven.notify.models import Notification
    from haven.notify.services import unread

    schools = list(policy.schools_for(user).order_by("name"))
    roles = sorted(policy.roles(user))
    return {
        "shell_schools": schools,
        "shell_school": current_school(request, schools),
        "shell_nav": navigation(request),
        "shell_unread": unread(user).count(),
        # Toasts only for what arrives after this page was drawn.
        "shell_latest_notification": Notification.objects.filter(user=user)
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first(),
        "shell_roles": roles,
        "shell_role_labels": [role_label(r) for r in roles],
        "shell_initials": _initials(getattr(user, "label", "") or user.get_username()),
    }
