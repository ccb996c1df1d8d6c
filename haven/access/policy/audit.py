"""The audit log: seen only by those who hold AUDIT_VIEW (auditors, district administrators), and
only their own district's events — or, for a role held at one school, that school's."""

from __future__ import annotations

from django.db import models

from haven.access.policy.core import Actor, Perm, school_ids_for, scope


@scope("audit.auditevent")
def _audit(user: Actor, qs: models.QuerySet) -> models.QuerySet:
    # An event belongs to one district (haven.audit.services.record); one in no district (a failed
    # sign-in under an unknown name in an installation of several districts) is in nobody's log.
    schools, districts = school_ids_for(user, Perm.AUDIT_VIEW)
    if not schools and not districts:
        return qs.none()
    return qs.filter(models.Q(district_id__in=districts) | models.Q(school_id__in=schools))
