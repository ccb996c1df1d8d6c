"""The access policy: roles per school, compartments, and break-glass grants."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from haven.access import policy
from haven.access.models import Compartment
from haven.access.policy import Perm
from haven.access.services import break_glass, revoke_break_glass
from haven.accounts.models import Role, RoleAssignment
from haven.audit.models import AuditEvent
from haven.core.models import School, Student
from haven.notify.models import Notification

REASON = "Student told a teacher he has a gun in his locker right now."


def test_counselor_sees_only_students_of_their_school(people, roster):
    visible = set(
        policy.visible_to(people["counselor"], Student).values_list("given_name", flat=True)
    )
    assert visible == {"Maya", "Eli"}


def test_district_admin_sees_every_school_of_the_district(people, roster):
    visible = set(policy.visible_to(people["admin"], Student).values_list("given_name", flat=True))
    assert visible == {"Maya", "Eli", "Sam"}


def test_district_role_does_not_reach_another_district(people, roster):
    from haven.core.models import District

    other = District.objects.create(name="Elsewhere", slug="elsewhere")
    far = School.objects.create(district=other, name="Far School", slug="far")
    Student.objects.create(school=far, given_name="Zed", family_name="Far")
    assert not policy.visible_to(people["admin"], Student).filter(given_name="Zed").exists()
    assert not policy.has_perm(people["admin"], Perm.ROSTER_VIEW, far)


def test_auditor_sees_the_log_but_no_student(people, roster):
    assert policy.visible_to(people["auditor"], Student).count() == 0
    assert policy.has_perm(people["auditor"], Perm.AUDIT_VIEW)


def test_user_without_any_role_sees_nothing(people, roster):
    assert policy.visible_to(people["nobody"], Student).count() == 0
    assert policy.visible_to(people["nobody"], School).count() == 0


def test_deactivated_user_loses_every_permission(people, roster):
    counselor = people["counselor"]
    counselor.is_active = False
    assert not policy.has_perm(counselor, Perm.ROSTER_VIEW)
    assert policy.visible_to(counselor, Student).count() == 0


def test_unregistered_model_is_visible_to_nobody(people):
    from haven.notify.models import Notification as Unscoped

    assert policy.visible_to(people["admin"], Unscoped).query.is_empty()


@pytest.mark.parametrize(
    "person,compartment,expected",
    [
        ("counselor", Compartment.CLINICAL, True),
        ("counselor", Compartment.LAW_ENFORCEMENT, False),
        ("sro", Compartment.LAW_ENFORCEMENT, True),
        ("sro", Compartment.CLINICAL, False),
        ("principal", Compartment.CLINICAL, False),
        ("principal", Compartment.TEAM, True),
        ("admin", Compartment.CLINICAL, False),
        ("admin", Compartment.LAW_ENFORCEMENT, False),
        ("teacher", Compartment.TEAM, False),
        ("outsider", Compartment.CLINICAL, False),
        ("auditor", Compartment.TEAM, False),
    ],
)
def test_compartments_belong_to_their_professions(people, roster, person, compartment, expected):
    assert policy.can_open_compartment(people[person], roster["maya"], compartment) is expected


def test_sro_breaks_glass_into_clinical_record_for_a_limited_time(people, roster, settings):
    settings.HAVEN_BREAK_GLASS_MINUTES = 60
    sro, maya = people["sro"], roster["maya"]
    grant = break_glass(sro, maya, Compartment.CLINICAL, REASON)
    assert policy.can_open_compartment(sro, maya, Compartment.CLINICAL)
    with time_machine.travel(timezone.now() + timedelta(minutes=61)):
        assert not policy.can_open_compartment(sro, maya, Compartment.CLINICAL)
    assert grant.reason == REASON


def test_break_glass_is_audited_with_its_reason(people, roster):
    break_glass(people["sro"], roster["maya"], Compartment.CLINICAL, REASON)
    event = AuditEvent.objects.get(action="break_glass")
    assert event.actor == people["sro"]
    assert event.compartment == "clinical"
    assert event.reason == REASON
    assert (event.object_type, event.object_id) == ("core.student", str(roster["maya"].pk))


def test_break_glass_notifies_compartment_owners_and_auditors(
    people, roster, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        break_glass(people["sro"], roster["maya"], Compartment.CLINICAL, REASON)
    told = set(
        Notification.objects.filter(kind="break_glass").values_list("user__username", flat=True)
    )
    assert told == {"counselor", "auditor"}  # not the outsider counsellor at the other school
    assert {m.to[0] for m in mail.outbox} == {"counselor@example.org", "auditor@example.org"}
    assert REASON in mail.outbox[0].body


@pytest.mark.parametrize("reason", ["", "   ", "because"])
def test_break_glass_needs_a_real_reason(people, roster, reason):
    with pytest.raises(ValidationError) as err:
        break_glass(people["sro"], roster["maya"], Compartment.CLINICAL, reason)
    assert "reason" in err.value.message_dict
    assert not AuditEvent.objects.filter(action="break_glass").exists()


@pytest.mark.parametrize("person", ["teacher", "outsider", "auditor", "frontdesk"])
def test_only_the_schools_team_may_break_glass(people, roster, person):
    with pytest.raises(PermissionDenied):
        break_glass(people[person], roster["maya"], Compartment.CLINICAL, REASON)


def test_owner_does_not_break_glass_into_their_own_compartment(people, roster):
    with pytest.raises(PermissionDenied):
        break_glass(people["counselor"], roster["maya"], Compartment.CLINICAL, REASON)


def test_revoked_grant_closes_access(people, roster):
    grant = break_glass(people["sro"], roster["maya"], Compartment.CLINICAL, REASON)
    revoke_break_glass(people["sro"], grant)
    assert not policy.can_open_compartment(people["sro"], roster["maya"], Compartment.CLINICAL)


def test_second_factor_is_required_for_sensitive_roles_only(people):
    needs = {name for name, user in people.items() if policy.requires_second_factor(user)}
    assert needs == {
        "principal",
        "counselor",
        "sro",
        "frontdesk",
        "coordinator",
        "team_member",
        "outsider",
        "principal2",
        "admin",
        "auditor",
    }


def test_role_change_takes_effect_after_forget(people, northside, district):
    coordinator = people["coordinator"]
    assert not policy.has_perm(coordinator, Perm.ROSTER_VIEW, northside)
    RoleAssignment.objects.create(
        user=coordinator, role=Role.STAFF, school=northside, district=district
    )
    policy.forget(coordinator)
    assert policy.has_perm(coordinator, Perm.ROSTER_VIEW, northside)
