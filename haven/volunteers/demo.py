"""The demo district's volunteers, one in every state: an application waiting for a decision, an
eligible volunteer with past visits and hours (one visit left open too long, flagged), a denied
background check, a check expiring soon, an expired one, and one missing required training; the
district's training requirements and an opportunity with a sign-up.

Deterministic and idempotent (keyed by the names below); everything goes through the same services
as the public form, the coordinator and the front desk (screened, audited). Only the past visits'
times are set afterwards, since a check-in always happens now.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from haven.accounts.models import User
from haven.core.models import District, School
from haven.visitors import services as visitors
from haven.visitors.models import Visit
from haven.volunteers import services
from haven.volunteers.models import Opportunity, TrainingType, Volunteer

TRAININGS = [("Mandated reporter training", 12), ("Volunteer orientation", None)]

#: (school, first, last, born, state); state is what the coordinator has done so far.
VOLUNTEERS = [
    ("northside-high", "Linda", "Park", "1982-04-11", "pending"),
    ("northside-high", "Robert", "Chen", "1970-08-23", "eligible"),
    ("northside-high", "Angela", "Rossi", "1991-01-30", "denied"),
    ("northside-high", "Marcus", "Webb", "1978-06-05", "expiring"),
    ("northside-high", "Sofia", "Alvarez", "1985-10-17", "expired"),
    ("northside-high", "Daniel", "Moreau", "1993-03-09", "no_training"),
    ("riverside-middle", "Gloria", "Nakamura", "1968-12-02", "pending"),
]

#: Robert Chen's past visits: (days ago, hour in, hours stayed)
PAST_VISITS = [(21, 9, 3.0), (14, 9, 2.5), (7, 13, 2.0), (3, 8, 15.0)]


def load(district: District) -> int:
    """Add what is missing; returns how many volunteers the district has."""
    schools = {s.slug: s for s in School.objects.filter(district=district)}
    names = ["coordinator", "frontdesk", "principal2"]
    users = {u.username: u for u in User.objects.filter(username__in=names)}
    if len(users) < len(names) or "northside-high" not in schools:
        return 0  # the core demo has not made its people yet
    clerk = users["frontdesk"]
    # Northside's volunteer coordinator; at Riverside, its principal manages the volunteers.
    managers = {"northside-high": users["coordinator"], "riverside-middle": users["principal2"]}
    with transaction.atomic():
        trainings = _load_trainings(district)
        for slug, first, last, born, state in VOLUNTEERS:
            school = schools.get(slug)
            if (
                school is None
                or Volunteer.objects.filter(
                    district=district, first_name=first, last_name=last
                ).exists()
            ):
                continue
            volunteer = services.apply(
                services.Application(
                    first_name=first,
                    last_name=last,
                    date_of_birth=born,
                    email=f"{first.lower()}.{last.lower()}@example.org",
                    phone="555-0100",
                    interests="Reading with students; the book fair.",
                    schools=[school],
                    consent=True,
                ),
                district,
            )
            coordinator = managers[slug]
            _advance(volunteer, state, coordinator, trainings)
            if state == "eligible":
                _load_visits(volunteer, school, clerk)
                _load_opportunity(volunteer, school, coordinator)
    return Volunteer.objects.filter(district=district).count()


def _load_trainings(district: District) -> list[TrainingType]:
    found = []
    for name, months in TRAININGS:
        training, _ = TrainingType.objects.get_or_create(
            district=district, name=name, defaults={"valid_months": months}
        )
        found.append(training)
    return found


def _advance(volunteer: Volunteer, state: str, actor: User, trainings: list[TrainingType]) -> None:
    today = timezone.localdate()
    years = services.renewal_years()
    if state == "pending":
        services.record_check(
            actor, volunteer, status="pending", requested_on=today - dt.timedelta(days=3)
        )
        return
    if volunteer.screening_outcome != "clear":
        return  # a demo name that happens to resemble a listed one stays waiting
    if state == "denied":
        services.record_check(
            actor, volunteer, status="denied", requested_on=today - dt.timedelta(days=20)
        )
        services.decline(actor, volunteer, "The background check was denied.")
        return
    services.approve(actor, volunteer)
    cleared = {
        "eligible": today - dt.timedelta(days=90),
        "no_training": today - dt.timedelta(days=40),
        "expiring": services.add_years(today, -years) + dt.timedelta(days=25),
        "expired": services.add_years(today, -years) - dt.timedelta(days=10),
    }[state]
    services.record_check(
        actor,
        volunteer,
        status="cleared",
        requested_on=cleared - dt.timedelta(days=14),
        cleared_on=cleared,
        provider="State Police",
        reference=f"DEMO-{volunteer.pk:05d}",
    )
    if state != "no_training":
        for training in trainings:
            completed = max(cleared, today - dt.timedelta(days=60))  # renewed yearly
            services.record_training(actor, volunteer, training, completed)


def _load_visits(volunteer: Volunteer, school: School, clerk: Any) -> None:
    now = timezone.localtime()
    born = volunteer.born
    if born is None:
        return
    for days, hour, stayed in PAST_VISITS:
        visit = visitors.check_in(
            clerk,
            school,
            visitors.typed(volunteer.first_name, volunteer.last_name, born),
            purpose="Volunteering",
            destination="Library",
            kind=Visit.Kind.VOLUNTEER,
        )
        if not visit.has_badge:
            return
        visitors.sign_out(clerk, visit, "badge")
        arrived = now.replace(hour=hour, minute=0, second=0, microsecond=0) - dt.timedelta(
            days=days
        )
        Visit.objects.filter(pk=visit.pk).update(
            checked_in_at=arrived, checked_out_at=arrived + dt.timedelta(hours=stayed)
        )


def _load_opportunity(volunteer: Volunteer, school: School, coordinator: Any) -> None:
    start = timezone.localtime().replace(hour=15, minute=0, second=0, microsecond=0)
    start += dt.timedelta(days=7)
    opportunity = Opportunity.objects.filter(school=school, title="Book fair helpers").first()
    if opportunity is None:
        opportunity = services.post_opportunity(
            coordinator,
            school,
            title="Book fair helpers",
            description="Help students find books and run the till.",
            starts_at=start,
            ends_at=start + dt.timedelta(hours=3),
            slots=4,
        )
    services.sign_up(coordinator, opportunity, volunteer)
