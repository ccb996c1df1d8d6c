"""Helpers that build volunteers through the services, so that a test reads like a story."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from haven.volunteers import services
from haven.volunteers.models import TrainingType, Volunteer


def application(school: Any, **changes: Any) -> services.Application:
    values: dict[str, Any] = {
        "first_name": "Nora",
        "last_name": "Quinn",
        "date_of_birth": "1984-05-06",
        "email": "nora.quinn@example.org",
        "phone": "555-0101",
        "address": "12 Elm Street",
        "interests": "Reading buddies",
        "schools": [school],
        "consent": True,
    }
    values.update(changes)
    return services.Application(**values)


def applied(school: Any, **changes: Any) -> Volunteer:
    return services.apply(application(school, **changes), school.district)


def training(district: Any, name: str = "Mandated reporter", months: int | None = 12) -> Any:
    return TrainingType.objects.create(district=district, name=name, valid_months=months)


def eligible(school: Any, coordinator: Any, *, cleared_days_ago: int = 30, **changes: Any):
    """An approved volunteer with a cleared check and the district's training done."""
    volunteer = applied(school, **changes)
    services.approve(coordinator, volunteer)
    today = timezone.localdate()
    cleared = today - dt.timedelta(days=cleared_days_ago)
    services.record_check(
        coordinator,
        volunteer,
        status="cleared",
        requested_on=cleared - dt.timedelta(days=10),
        cleared_on=cleared,
        provider="State Police",
        reference="R-1",
    )
    for required in TrainingType.objects.filter(district=school.district, required=True):
        services.record_training(coordinator, volunteer, required, cleared)
    volunteer.refresh_from_db()
    return volunteer


# --- for the permission table (tests/test_permissions.py) -----------------------------------------


def opportunity(
    coordinator: Any, school: Any, *, days: int = 3, slots: int = 2, title: str = "Book fair"
) -> Any:
    """A two-hour shift ``days`` from now, posted by ``coordinator``."""
    start = timezone.now() + dt.timedelta(days=days)
    return services.post_opportunity(
        coordinator,
        school,
        title=title,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
        slots=slots,
    )


def world_volunteer(world: dict) -> int:
    """An eligible volunteer at Northside, made once per test."""
    if "volunteer" not in world:
        world["volunteer"] = eligible(world["maya"].school, world["coordinator"])
    return world["volunteer"].pk


def world_opportunity(world: dict) -> int:
    if "opportunity" not in world:
        start = timezone.now() + dt.timedelta(days=2)
        world["opportunity"] = services.post_opportunity(
            world["coordinator"],
            world["maya"].school,
            title="Book fair",
            starts_at=start,
            ends_at=start + dt.timedelta(hours=2),
            slots=5,
        )
    return world["opportunity"].pk


def world_signup(world: dict) -> int:
    if "signup" not in world:
        world_opportunity(world)
        world_volunteer(world)
        world["signup"] = services.sign_up(
            world["coordinator"], world["opportunity"], world["volunteer"]
        )
    return world["signup"].pk
