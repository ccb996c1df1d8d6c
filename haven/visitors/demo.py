"""The demo district's front desk: visitors on site and signed out at both schools, one checked in
from an ID's barcode, a visitor expected today, and the watchlists (a banned person, a trespass
order, an alert that has expired; the custody restrictions come from the roster).

Deterministic and idempotent: nothing is added twice (keyed by the names below), and every visit
goes through the same services as the front desk (screened, audited).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from haven.accounts.models import User
from haven.core.models import District, School, Staff
from haven.visitors import services
from haven.visitors.models import Person, PreRegistration, Visit, WatchlistEntry

# A version 08 licence as a keyboard-wedge scanner types it (the AAMVA standard's sample layout).
SAMPLE_BARCODE = (
    "@\n\x1e\rANSI 636000080002DL00410278ZV03190008DLDAQT64235789\nDCSSAMPLE\nDDEN\n"
    "DACMICHAEL\nDDFN\nDADJOHN\nDDGN\nDCUJR\nDCAD\nDCBK\nDCDPH\nDBD06062019\nDBB06061986\n"
    "DBA12102030\nDBC1\nDAU068 in\nDAYBRO\nDAG2300 WEST BROAD STREET\nDAIRICHMOND\nDAJVA\n"
    "DAK232690000  \nDCF2424244747474786102204\nDCGUSA\nDCK123456789\nDDAF\nDDB06062018\n"
    "DDC06062020\nDDD1\rZVZVA01\r"
)

#: (school slug, clerk, first, last, date of birth, reason, destination, signed out already)
VISITS = [
    (
        "northside-high",
        "frontdesk",
        "Maria",
        "Delgado",
        "1984-02-17",
        "Meeting with staff",
        "Counselling office",
        False,
    ),
    (
        "northside-high",
        "frontdesk",
        "James",
        "Okoro",
        "1975-09-03",
        "Delivery or work",
        "Main office",
        True,
    ),
    (
        "northside-high",
        "frontdesk",
        "Priya",
        "Natarajan",
        "1990-11-21",
        "School event",
        "Library",
        False,
    ),
    (
        "riverside-middle",
        "principal2",
        "Ahmed",
        "Karimi",
        "1981-04-08",
        "Picking up a student",
        "Front office",
        False,
    ),
    (
        "riverside-middle",
        "principal2",
        "Helen",
        "Brandt",
        "1969-12-30",
        "Meeting with staff",
        "Room 104",
        True,
    ),
]

#: (school slug or None for the district, kind, first, last, date of birth, reason, expires)
WATCHLIST = [
    (None, WatchlistEntry.Kind.BANNED, "Victor", "Hale", "1979-05-12",
     "Banned from all district property after threatening staff. Do not admit; call the SRO.",
     None),
    ("northside-high", WatchlistEntry.Kind.TRESPASS, "Dwayne", "Pruitt", "1988-08-19",
     "Trespass order on file. Do not admit; call the SRO.", dt.date(2099, 12, 31)),
    ("riverside-middle", WatchlistEntry.Kind.ALERT, "Carla", "Voss", "",
     "Was to be met by an administrator before entering (now lifted).", dt.date(2025, 6, 30)),
]  # fmt: skip


def load(district: District) -> int:
    """Add what is missing; returns how many visits the demo schools have."""
    schools = {s.slug: s for s in School.objects.filter(district=district)}
    users = {u.username: u for u in User.objects.filter(username__in=["frontdesk", "principal2"])}
    if len(users) < 2 or not schools:
        return 0  # the core demo has not made its people yet
    with transaction.atomic():
        _load_watchlist(district, schools, users["frontdesk"])
        _load_expected(schools.get("northside-high"), users["frontdesk"])
        for slug, clerk, first, last, born, purpose, where, left in VISITS:
            school = schools.get(slug)
            if school is not None:
                _load_visit(school, users[clerk], first, last, born, purpose, where, left)
        _load_scanned(schools.get("northside-high"), users["frontdesk"])
    return Visit.objects.filter(school__in=schools.values()).count()


def _host(school: School) -> Staff | None:
    return (
        Staff.objects.filter(schools=school, sourced_id__startswith="demo-")
        .order_by("sourced_id")
        .first()
    )


def _load_visit(
    school: School,
    clerk: Any,
    first: str,
    last: str,
    born: str,
    purpose: str,
    where: str,
    left: bool,
) -> None:
    if Person.objects.filter(district=school.district, first_name=first, last_name=last).exists():
        return
    visit = services.check_in(
        clerk,
        school,
        services.typed(first, last, born),
        purpose=purpose,
        destination=where,
        host=_host(school),
    )
    if left and visit.has_badge:
        services.sign_out(clerk, visit, "badge")


def _load_scanned(school: School | None, clerk: Any) -> None:
    if school is None:
        return
    details = services.from_barcode(SAMPLE_BARCODE)
    hashes = services.id_hashes(details.id_jurisdiction, details.id_number)
    if Person.objects.filter(district=school.district, id_hash__in=hashes).exists():
        return
    services.check_in(
        clerk, school, details, purpose="Meeting with staff", destination="Room 210",
        host=_host(school),
    )  # fmt: skip


def _load_watchlist(district: District, schools: dict[str, School], clerk: Any) -> None:
    for slug, kind, first, last, born, reason, expires in WATCHLIST:
        school = schools.get(slug) if slug else None
        if slug and school is None:
            continue
        WatchlistEntry.objects.get_or_create(
            district=district,
            kind=kind,
            first_name=first,
            last_name=last,
            defaults={
                "school": school,
                "date_of_birth": born,
                "reason": reason,
                "starts_on": dt.date(2024, 1, 1),
                "expires_on": expires,
            },
        )


def _load_expected(school: School | None, clerk: Any) -> None:
    if school is None:
        return
    expected = PreRegistration.objects.filter(school=school, last_name="Whitman")
    if expected.filter(first_name="Grace").exists():
        return
    PreRegistration.objects.create(
        school=school,
        first_name="Grace",
        last_name="Whitman",
        expected_on=timezone.localdate(),
        host=_host(school),
        purpose="Career day speaker",
        destination="Auditorium",
        created_by=clerk,
    )
