"""Who is on call for a school's tips right now, tier by tier, and when they must answer."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from haven.access import policy
from haven.access.policy import Perm
from haven.tips.models import OnCallShift, SchoolTipSettings

#: The tier above the school's last one: the district's administrators.
DISTRICT_TIER = 99


def tip_settings(school: Any) -> SchoolTipSettings:
    if school is None:
        return SchoolTipSettings()
    found = SchoolTipSettings.objects.filter(school=school).first()
    return found or SchoolTipSettings(school=school)


def in_school_hours(school: Any, when: datetime) -> bool:
    local = timezone.localtime(when)
    settings = tip_settings(school)
    return (
        local.weekday() < 5 and settings.school_day_start <= local.time() < settings.school_day_end
    )


def tiers(school: Any) -> list[int]:
    if school is None:
        return []
    return sorted(set(OnCallShift.objects.filter(school=school).values_list("tier", flat=True)))


def next_tier(school: Any, after: int) -> int:
    """The tier to notify after ``after`` (0 = none yet): the school's next, then the district."""
    for tier in tiers(school):
        if tier > after:
            return tier
    if after == 0:
        return 1  # no rota: tier 1 is the school's responders (see responders_for)
    return DISTRICT_TIER


def responders_for(tip: Any, tier: int, when: datetime | None = None) -> list[Any]:
    """The people to notify at ``tier``, in a stable order.

    * The district tier (and any tip sent to the district's page) is the district's administrators.
    * A tier with shifts: those on the shift for the moment. A life-safety tip goes to whoever is
      on call now (school hours, or after hours); a routine tip waits for the school-hours people,
      because nobody should be woken at night for a tip that can wait until morning.
    * Tier 1 without a rota: everyone who may respond to the school's tips.
    """
    when = when or timezone.now()
    if tier == DISTRICT_TIER or tip.school_id is None:
        return list(policy.district_admins(tip.district_id).order_by("pk"))
    shifts = OnCallShift.objects.filter(school=tip.school_id, tier=tier)
    if shifts.exists():
        now_in_hours = in_school_hours(tip.school, when) or not tip.life_safety
        hours = OnCallShift.When.SCHOOL_HOURS if now_in_hours else OnCallShift.When.AFTER_HOURS
        on_shift = shifts.filter(when__in=[OnCallShift.When.ALWAYS, hours]).values("user_id")
        # Only people who may open the school's tips: a notification they cannot follow is
        # noise, and a rota entry must not widen who reads tips.
        responders = policy.holders(Perm.TIPS_VIEW, tip.school).filter(pk__in=on_shift)
        return list(responders.order_by("pk"))
    if tier != 1:
        return []
    return list(policy.holders(Perm.TIPS_VIEW, tip.school, at_school=True).order_by("pk"))


def ack_deadline(tip: Any, start: datetime) -> datetime:
    """When the notified tier must have acknowledged: minutes for a life-safety tip (day or night);
    otherwise the school's limit counted in school days, so Saturday and Sunday do not count."""
    settings = tip_settings(tip.school)
    if tip.life_safety:
        return start + timedelta(minutes=settings.life_safety_ack_minutes)
    return add_weekday_hours(start, settings.routine_ack_hours)


def _next_midnight(local: datetime) -> datetime:
    day = local.date() + timedelta(days=1)
    return datetime(day.year, day.month, day.day, tzinfo=local.tzinfo)


def add_weekday_hours(start: datetime, hours: int) -> datetime:
    """``start`` plus ``hours`` counted only on Monday to Friday (in the local time zone): Friday
    10:00 + 24 h is Monday 10:00, and a tip sent on Saturday starts counting on Monday at 00:00."""
    remaining = timedelta(hours=hours)
    cursor = timezone.localtime(start)
    while True:
        if cursor.weekday() >= 5:
            cursor = _next_midnight(cursor)
            continue
        midnight = _next_midnight(cursor)
        if cursor + remaining <= midnight:
            return cursor + remaining
        remaining -= midnight - cursor
        cursor = midnight
