"""Training: who takes it, whose records who may read, who oversees a school's compliance.

Every member of staff takes training (``TRAINING_TAKE``) and sees only their own assignments,
attempts, completions and certificates. Those who oversee training (``TRAINING_OVERSEE``: school
administrators at their schools, district administrators in their district) also see the records
of the people who hold a role at those schools, extend due dates and read the dashboards; each
such read of someone else's record is audited by the training services.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models

from haven.access.policy.core import (
    Actor,
    Perm,
    _memberships,
    has_perm,
    school_ids_for,
    school_q,
    scope,
)

if TYPE_CHECKING:
    from haven.accounts.models import User


def _people_overseen_q(user: Actor, user_field: str) -> models.Q:
    """Rows whose person holds a role at a school (or district-wide in a district) that ``user``
    oversees, and the user's own rows."""
    from haven.accounts.models import RoleAssignment

    own = models.Q(**{user_field: user.pk})
    schools, districts = school_ids_for(user, Perm.TRAINING_OVERSEE)
    if not schools and not districts:
        return own
    roles = RoleAssignment.objects.filter(
        models.Q(school__in=schools) | models.Q(district__in=districts)
    )
    return own | models.Q(**{f"{user_field}__in": roles.values("user_id")})


@scope("training.assignment")
def _assignments(user: Actor, qs: models.QuerySet) -> models.QuerySet:
    _schools, districts = school_ids_for(user, Perm.TRAINING_OVERSEE)
    q = models.Q(user=user.pk) | school_q(user, Perm.TRAINING_OVERSEE)
    if districts:  # district-wide assignments (a district role) to the district's overseers
        q |= models.Q(school__isnull=True, requirement__district__in=districts)
    return qs.filter(q)


@scope("training.completion")
def _completions(user: Actor, qs: models.QuerySet) -> models.QuerySet:
    return qs.filter(_people_overseen_q(user, "user"))


@scope("training.externalcertificate")
def _certificates(user: Actor, qs: models.QuerySet) -> models.QuerySet:
    return qs.filter(_people_overseen_q(user, "user"))


@scope("training.attempt")
def _attempts(user: Actor, qs: models.QuerySet) -> models.QuerySet:
    # Attempts are one's own: others see completions and aggregate knowledge gain only.
    return qs.filter(user=user.pk)


def may_take_training(user: Actor) -> bool:
    """Take modules and tests; see one's own assignments and transcript."""
    return has_perm(user, Perm.TRAINING_TAKE)


def may_oversee_training(user: Actor, school: Any = None) -> bool:
    """The compliance dashboard of ``school`` (or of any school, when None)."""
    return has_perm(user, Perm.TRAINING_OVERSEE, school)


def may_see_training_record(user: Actor, person: User) -> bool:
    """Read ``person``'s transcript and certificates: themselves, or someone who oversees
    training at a school where the person holds a role (district-wide: in the district)."""
    if getattr(person, "pk", None) == getattr(user, "pk", None) and _memberships(user):
        return True
    from haven.accounts.models import RoleAssignment

    schools, districts = school_ids_for(user, Perm.TRAINING_OVERSEE)
    if not schools and not districts:
        return False
    return RoleAssignment.objects.filter(
        models.Q(school__in=schools) | models.Q(district__in=districts), user=person.pk
    ).exists()


def may_extend_training_due(user: Actor, assignment: Any) -> bool:
    """Extend an assignment's due date: an overseer of its school (of its district when the
    assignment is district-wide). Never one's own."""
    if assignment.user_id == getattr(user, "pk", None):
        return False
    if assignment.school_id is not None:
        return has_perm(user, Perm.TRAINING_OVERSEE, assignment.school_id)
    _schools, districts = school_ids_for(user, Perm.TRAINING_OVERSEE)
    return assignment.requirement.district_id in districts
