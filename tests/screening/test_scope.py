"""Who may see registry records and screenings, through the one access policy."""

from __future__ import annotations

from datetime import date

from haven.access import policy
from haven.screening.models import Registrant, RegistryImport, Screening
from haven.visitors.services import check_in
from haven.visitors.services.identity import VisitorDetails


def _screening(actor, last_name: str = "Doe") -> Screening:
    return Screening.objects.create(
        actor=actor,
        first_name="John",
        last_name=last_name,
        date_of_birth="1980-01-01",
        outcome=Screening.Outcome.CLEAR,
    )


def test_registry_is_for_those_who_screen(people):
    imported = RegistryImport.objects.create(jurisdiction="GA", records=1)
    Registrant.objects.create(
        jurisdiction="GA",
        record_id="GA-1",
        last_name="Doe",
        first_name="John",
        date_of_birth=date(1980, 1, 1),
        names="john doe",
        registry_import=imported,
    )
    for name in ("frontdesk", "sro", "principal", "admin"):
        assert policy.visible_to(people[name], Registrant).count() == 1, name
    for name in ("teacher", "counselor", "auditor", "outsider", "coordinator"):
        assert policy.visible_to(people[name], Registrant).count() == 0, name


def test_a_screening_is_seen_by_its_screener_and_by_those_who_see_its_visit(people, roster):
    own = _screening(people["frontdesk"], "Own")
    other = _screening(people["principal2"], "Elsewhere")
    assert set(policy.visible_to(people["frontdesk"], Screening)) == {own}
    assert set(policy.visible_to(people["principal2"], Screening)) == {other}

    details = VisitorDetails(
        "Jane", "Visitor", date(1985, 2, 3), source="typed", dob_typed_by_hand=True
    )
    school = people["frontdesk"].role_assignments.get().school
    visit = check_in(people["frontdesk"], school, details, purpose="Meeting")
    assert visit.screening_id is not None
    # Northside's SRO sees the visit, hence its screening; Riverside's principal does not.
    assert visit.screening in policy.visible_to(people["sro"], Screening)
    assert visit.screening not in policy.visible_to(people["principal2"], Screening)


def test_people_without_screening_rights_see_no_screening(people):
    _screening(people["frontdesk"])
    for name in ("teacher", "counselor", "auditor", "coordinator"):
        assert not policy.visible_to(people[name], Screening).exists(), name
