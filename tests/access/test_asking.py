"""Asking the policy cheaply: who may see a record (in a fixed number of queries), one visible row
or 404, and ``Model.objects.visible_to(user)``."""

from __future__ import annotations

import pytest
from django.http import Http404

from haven.access import policy
from haven.access.policy import Perm
from haven.accounts.models import Role, RoleAssignment, User
from haven.core.models import School, Student

pytestmark = pytest.mark.django_db


def _one_by_one(obj, users):
    return [u for u in users if policy.visible_to(u, type(obj)).filter(pk=obj.pk).exists()]


def test_who_may_see_answers_as_asking_each_person_does(people, roster):
    everyone = sorted(people.values(), key=lambda u: u.pk)
    for student in Student.objects.all():
        fresh = list(User.objects.filter(pk__in=[u.pk for u in everyone]).order_by("pk"))
        assert policy.who_may_see(student, fresh) == _one_by_one(student, everyone)


def test_who_may_see_asks_in_a_fixed_number_of_queries(
    people, roster, district, northside, django_assert_num_queries
):
    for n in range(20):
        extra = User.objects.create(username=f"extra{n}")
        RoleAssignment.objects.create(
            user=extra, role=Role.STAFF, school=northside, district=district
        )
    maya = Student.objects.get(given_name="Maya")
    many = list(User.objects.order_by("pk"))
    with django_assert_num_queries(2):  # everyone's roles, then the record's scope for all
        seen = policy.who_may_see(maya, many)
    assert len(seen) > 20
    assert people["outsider"] not in seen and people["auditor"] not in seen


def test_holders_can_see_narrows_to_those_who_see_the_record(people, roster, northside):
    sam = Student.objects.get(given_name="Sam")  # at Riverside
    holders = set(policy.holders(Perm.ROSTER_VIEW, sam.school, can_see=sam))
    assert people["outsider"] in holders and people["admin"] in holders
    assert people["counselor"] not in holders
    maya = Student.objects.get(given_name="Maya")
    assert set(policy.holders(Perm.ROSTER_VIEW, northside, can_see=maya)) == set(
        _one_by_one(maya, people.values())
    )


def test_holders_at_school_leaves_out_the_district(people, northside):
    everyone = set(policy.holders(Perm.TIPS_VIEW, northside))
    own = set(policy.holders(Perm.TIPS_VIEW, northside, at_school=True))
    assert people["admin"] in everyone and people["admin"] not in own
    assert own == {people["principal"], people["counselor"], people["sro"]}


def test_district_admins_are_the_district_wide_administrators(people, district):
    assert list(policy.district_admins(district)) == [people["admin"]]


def test_get_visible_or_404_finds_what_one_sees_and_hides_the_rest(people, roster):
    maya = Student.objects.get(given_name="Maya")
    assert policy.get_visible_or_404(people["counselor"], Student, maya.pk) == maya
    assert policy.get_visible_or_404(people["counselor"], Student, given_name="Maya") == maya
    with pytest.raises(Http404):
        policy.get_visible_or_404(people["outsider"], Student, maya.pk)  # another school's
    with pytest.raises(Http404):
        policy.get_visible_or_404(people["counselor"], Student, 10_000)  # missing: the same
    found = policy.get_visible_or_404(
        people["counselor"], Student.objects.select_related("school"), maya.pk
    )
    assert found.school.slug == "northside-high"


def test_the_model_asks_the_policy_and_a_superuser_gets_no_bypass(people, roster, northside):
    for user in people.values():
        assert set(Student.objects.visible_to(user)) == set(policy.visible_to(user, Student))
        assert set(School.objects.filter(pk=northside.pk).visible_to(user)) == set(
            policy.visible_to(user, School.objects.filter(pk=northside.pk))
        )
    root = User.objects.create(username="root", is_superuser=True, is_staff=True)
    assert not Student.objects.visible_to(root).exists()
    with pytest.raises(Http404):
        School.objects.get_visible_or_404(root, slug="northside-high")
    assert School.objects.get_visible_or_404(people["counselor"], slug="northside-high")


def test_district_wide_is_only_district_roles(people, district):
    assert policy.district_wide(people["admin"], Perm.EMERGENCY_COMMAND) == {district.pk}
    assert policy.district_wide(people["principal"], Perm.EMERGENCY_COMMAND) == set()
    assert policy.may_raise_district_wide(people["admin"])
    assert not policy.may_raise_district_wide(people["principal"])
    assert policy.may_see_equity(people["admin"]) and not policy.may_see_equity(people["principal"])
