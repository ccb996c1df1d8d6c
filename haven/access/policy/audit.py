"""The audit log: seen only by those who hold AUDIT_VIEW."""

from __future__ import annotations

from typing import Any

from django.db import models

from haven.access.policy.core import Perm, has_perm, scope


@scope("audit.auditevent")
def _audit(user: Any, qs: models.QuerySet) -> models.QuerySet:
    return qs if has_perm(user, Perm.AUDIT_VIEW) else qs.none()
