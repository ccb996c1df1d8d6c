"""The district administrator's page of people: who has set up two-step sign-in, a one-time
enrolment code for someone who has not, and the reset of a lost or stolen authenticator."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from haven.access import policy
from haven.access.policy import Perm
from haven.accounts import services
from haven.accounts.models import EnrolmentCode, Role, RoleAssignment, User
from haven.web.requests import SignedInRequest
from haven.web.views import page_of


def _people(request: HttpRequest) -> Any:
    if not policy.has_perm(request.user, Perm.ACCOUNTS_MANAGE):
        raise Http404
    return policy.visible_to(request.user, User)


@never_cache
@login_required
def people(request: HttpRequest) -> HttpResponse:
    found = _people(request).filter(is_active=True)
    query = request.GET.get("q", "").strip()[:100]
    if query:
        found = found.filter(
            Q(username__icontains=query)
            | Q(display_name__icontains=query)
            | Q(first_name__icontains=query)
            | Q(last_name__icontains=query)
        )
    found = (
        found.annotate(
            enrolled=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)),
            code_waiting=Exists(EnrolmentCode.objects.usable().filter(user=OuterRef("pk"))),
        )
        .prefetch_related(
            Prefetch("role_assignments", RoleAssignment.objects.select_related("school"))
        )
        .order_by("username")
    )
    page = page_of(request, found)
    for person in page:
        assignments = list(person.role_assignments.all())
        # The policy's membership cache, filled from the prefetch: no query per person.
        person._haven_memberships = [(a.role, a.school_id, a.district_id) for a in assignments]  # type: ignore[attr-defined]
        person.role_labels = sorted(  # type: ignore[attr-defined]
            f"{Role(a.role).label}{' · ' + a.school.name if a.school_id else ''}"  # type: ignore[union-attr]
            for a in assignments
        )
        person.needs_code = services.enrolment_code_needed(person)  # type: ignore[attr-defined]
        person.manageable = policy.may_manage_sign_in(request.user, person)  # type: ignore[attr-defined]
    return render(request, "accounts/people.html", {"page": page, "q": query})


def _person(request: HttpRequest, pk: int) -> User:
    person = _people(request).filter(pk=pk).first()
    if person is None:
        raise Http404
    if not policy.may_manage_sign_in(request.user, person):
        raise PermissionDenied
    return person


@require_POST
@login_required
def enrol_code(request: SignedInRequest, pk: int) -> HttpResponse:
    person = _person(request, pk)
    issued = services.issue_enrolment_code(person, actor=request.user)
    return render(
        request, "accounts/issued_code.html", {"person": person, "issued": issued, "reset": False}
    )


@require_POST
@login_required
def reset_second_factor(request: SignedInRequest, pk: int) -> HttpResponse:
    person = _person(request, pk)
    issued = services.reset_second_factor(person, actor=request.user)
    return render(
        request, "accounts/issued_code.html", {"person": person, "issued": issued, "reset": True}
    )
