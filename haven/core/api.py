"""Roster endpoints: schools, students (with guardians), sections (with rosters), and /me."""

from __future__ import annotations

from datetime import date
from typing import cast

from django.http import Http404, HttpRequest
from ninja import Router, Schema

from haven.access import policy
from haven.access.policy import Perm
from haven.accounts.models import User
from haven.audit import services as audit
from haven.core import services
from haven.core.models import School, Section, Student
from haven.web.api import page
from haven.web.requests import SignedInRequest

router = Router(tags=["roster"])


class RoleOut(Schema):
    role: str
    school: str | None


class MeOut(Schema):
    username: str
    name: str
    roles: list[RoleOut]


class SchoolOut(Schema):
    id: int
    slug: str
    name: str
    district: str


class StudentOut(Schema):
    id: int
    sourced_id: str | None
    given_name: str
    family_name: str
    preferred_name: str
    grade: str
    school: str


class GuardianOut(Schema):
    id: int
    name: str
    relationship: str
    can_pick_up: bool
    custody_restriction: bool
    custody_note: str
    phone: str
    email: str


class StudentDetailOut(StudentOut):
    birth_date: date | None
    guardians: list[GuardianOut] | None


class SectionOut(Schema):
    id: int
    sourced_id: str | None
    title: str
    school: str
    teachers: list[str]
    students: list[StudentOut]


def _student(s: Student) -> dict:
    return {
        "id": s.pk,
        "sourced_id": s.sourced_id,
        "given_name": s.given_name,
        "family_name": s.family_name,
        "preferred_name": s.preferred_name,
        "grade": s.grade,
        "school": s.school.slug,
    }


def _school_or_404(request: HttpRequest, slug: str | None) -> School | None:
    if slug is None:
        return None
    return School.objects.get_visible_or_404(request.user, slug=slug)


@router.get("/me", response=MeOut)
def me(request: HttpRequest):
    user = cast(User, request.user)
    assignments = user.role_assignments.select_related("school")
    return {
        "username": user.get_username(),
        "name": user.label,
        "roles": [
            {"role": a.role, "school": a.school.slug if a.school else None} for a in assignments
        ],
    }


@router.get("/schools", response=list[SchoolOut])
def schools(request: HttpRequest):
    qs = policy.visible_to(request.user, School).select_related("district").order_by("name")
    return [{"id": s.pk, "slug": s.slug, "name": s.name, "district": s.district.slug} for s in qs]


@router.get("/students", response=list[StudentOut])
def students(
    request: HttpRequest, school: str | None = None, q: str = "", limit: int = 50, offset: int = 0
):
    qs = policy.visible_to(request.user, Student).select_related("school")
    chosen = _school_or_404(request, school)
    if chosen is not None:
        qs = qs.filter(school=chosen)
    if q.strip():
        qs = services.search_students(qs, q.strip()[:100])
    rows = list(qs.order_by("family_name", "given_name", "pk")[page(limit, offset, most=500)])
    return [_student(s) for s in rows]


@router.get("/students/{student_id}", response=StudentDetailOut)
def student(request: SignedInRequest, student_id: int):
    found = (
        policy.visible_to(request.user, Student)
        .select_related("school")
        .filter(pk=student_id)
        .first()
    )
    if found is None:
        raise Http404
    show_guardians = policy.has_perm(request.user, Perm.GUARDIANS_VIEW, found.school)
    audit.record(request.user, "view", found, detail={"guardians": show_guardians, "via": "api"})
    guardians = None
    if show_guardians:
        guardians = [
            {
                "id": link.guardian.pk,
                "name": link.guardian.full_name,
                "relationship": link.relationship,
                "can_pick_up": link.can_pick_up,
                "custody_restriction": link.custody_restriction,
                "custody_note": link.custody_note,
                "phone": link.guardian.phone,
                "email": link.guardian.email,
            }
            for link in found.guardian_links.select_related("guardian")
        ]
    return {**_student(found), "birth_date": found.birth_date, "guardians": guardians}


@router.get("/sections", response=list[SectionOut])
def sections(request: HttpRequest, school: str | None = None):
    qs = (
        policy.visible_to(request.user, Section)
        .select_related("school")
        .prefetch_related("teachers", "students__school")
    )
    chosen = _school_or_404(request, school)
    if chosen is not None:
        qs = qs.filter(school=chosen)
    return [
        {
            "id": sec.pk,
            "sourced_id": sec.sourced_id,
            "title": sec.title,
            "school": sec.school.slug,
            "teachers": [t.full_name for t in sec.teachers.all()],
            "students": [_student(s) for s in sec.students.all()],
        }
        for sec in qs.order_by("title")
    ]
