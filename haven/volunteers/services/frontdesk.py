"""The front desk's volunteer check-in: finding the volunteer the desk identified, refusing one
who is not eligible today (naming why), and linking the visit to the volunteer. Called from
:mod:`haven.visitors.services.checkin` inside its transaction."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from haven.core.models import School
from haven.visitors.models import Visit
from haven.visitors.services.identity import VisitorDetails
from haven.volunteers.eligibility import (
    eligibility,
)
from haven.volunteers.models import (
    Volunteer,
    VolunteerVisit,
)


def find_for_check_in(school: School, details: VisitorDetails) -> Volunteer | None:
    """The volunteer the front desk identified: the one linked to the saved visitor picked, or
    the one with the same name and date of birth in the school's district."""
    people = Volunteer.objects.filter(district_id=school.district_id)
    if details.person is not None:
        linked = people.filter(person=details.person).first()
        if linked is not None:
            return linked
    born = details.date_of_birth.isoformat()
    candidates = people.filter(
        first_name__iexact=details.first_name.strip(), last_name__iexact=details.last_name.strip()
    ).order_by("-status", "-pk")
    found = [v for v in candidates if v.date_of_birth == born]
    # an approved record wins over an old declined one of the same person
    found.sort(key=lambda v: v.status != Volunteer.Status.APPROVED)
    return found[0] if found else None


def for_check_in(school: School, details: VisitorDetails) -> Volunteer:
    """The eligible volunteer to check in, or ValidationError on ``kind`` saying why not (the
    desk may still check the person in as a visitor, screened as usual)."""
    volunteer = find_for_check_in(school, details)
    if volunteer is None:
        raise ValidationError(
            {
                "kind": _(
                    "No volunteer record matches this name and date of birth. Check them in as "
                    "a visitor, or ask the volunteer coordinator."
                )
            }
        )
    status = eligibility(volunteer, school)
    if not status.eligible:
        raise ValidationError(
            {
                "kind": [
                    _("Not eligible to volunteer today:"),
                    *status.reasons,
                    _("Check them in as a visitor instead."),
                ]
            }
        )
    return volunteer


def record_visit(visit: Visit, volunteer: Volunteer) -> VolunteerVisit:
    """Link a volunteer check-in to the volunteer (inside the check-in's transaction)."""
    link = VolunteerVisit.objects.create(visit=visit, volunteer=volunteer)
    if volunteer.person_id != visit.person_id:
        volunteer.person = visit.person
        volunteer.save(update_fields=["person"])
    return link
