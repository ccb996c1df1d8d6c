"""Pages that change a case or read it in full: its team, its details (type, priority, summary),
the documents of each compartment, and the whole timeline.

Every read and change goes through :mod:`haven.cases.services` (404 for a case or compartment the
user may not see, 403 for what they see but may not do); a refusal comes back next to the field.
"""

from __future__ import annotations

import io

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from haven.access import policy
from haven.access.models import Compartment
from haven.access.policy import Perm
from haven.accounts.models import User
from haven.cases import services
from haven.cases.forms import CaseUpdateForm, DocumentForm, TeamForm
from haven.cases.views.pages import _page, case_for_page
from haven.web.requests import SignedInRequest
from haven.web.views import submit

#: Stored type -> the extension of the downloaded file (its name is never the uploaded one).
EXTENSIONS = {
    "application/pdf": "pdf",
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "text/plain": "txt",
}
TIMELINE_PAGE = 50


# --- the team -------------------------------------------------------------------------------------


@never_cache
@login_required
def team(request: SignedInRequest, pk: int) -> HttpResponse:
    """Add or remove team members among the school's staff who hold a team role. Only the school's
    threat-assessment roles change a team (403 for a team member who sees the case)."""
    found = case_for_page(request, pk)
    if not policy.may_manage_case(request.user, found):
        raise PermissionDenied(_("Only the school's threat-assessment team may do this."))
    current = list(found.team.all())
    # Everyone who may join, and the current members (one who lost the role is shown, so that
    # they can be removed).
    people = User.objects.filter(
        pk__in=[
            *policy.holders(Perm.CASES_TEAM, found.school).values_list("pk", flat=True),
            *[u.pk for u in current],
        ]
    ).order_by("display_name", "last_name", "first_name", "username")
    form = TeamForm(
        request.POST if request.method == "POST" else None,
        people=people,
        initial={"members": [u.pk for u in current]},
    )
    done = submit(
        request,
        form,
        lambda data: services.set_team(request.user, found, data["members"]),
        fields={"team": "members"},
        success=_("Team changed."),
        then=reverse("cases:case", args=[found.pk]),
    )
    if done:
        return done
    return render(request, "cases/team.html", {"case": found, "form": form})


# --- the case's details ---------------------------------------------------------------------------


@never_cache
@login_required
def update(request: SignedInRequest, pk: int) -> HttpResponse:
    """Change the case's type, priority or summary (the team record). Only the school's
    threat-assessment roles (403 for a team member who sees the case)."""
    found = case_for_page(request, pk)
    if not policy.may_manage_case(request.user, found):
        raise PermissionDenied(_("Only the school's threat-assessment team may do this."))
    form = CaseUpdateForm(
        request.POST if request.method == "POST" else None,
        initial={"type": found.type, "priority": found.priority, "summary": found.summary},
    )
    done = submit(
        request,
        form,
        lambda data: services.update_case(
            request.user,
            found,
            type=data["type"],
            priority=data["priority"],
            summary=data["summary"],
        ),
        success=_("Case updated."),
        then=reverse("cases:case", args=[found.pk]),
    )
    if done:
        return done
    return render(request, "cases/update.html", {"case": found, "form": form})


# --- documents ------------------------------------------------------------------------------------


@login_required
@require_POST
def add_document(request: SignedInRequest, pk: int, part: str) -> HttpResponse:
    """Upload a document into a compartment the user writes in (checked by the service: 404 for a
    compartment they may not read, 403 for one opened only by break-glass)."""
    found = case_for_page(request, pk)
    if part not in Compartment.values:
        raise Http404
    prefix = f"doc-{part}"
    form = DocumentForm(request.POST, request.FILES, prefix=prefix)
    done = submit(
        request,
        form,
        lambda data: services.add_document(request.user, found, part, data["file"]),
        fields={"name": "file"},
        success=_("Document added."),
        then=reverse("cases:case", args=[found.pk]),
    )
    return done or _page(request, found, bound={prefix: form})


@never_cache
@login_required
def document(request: SignedInRequest, pk: int, document: int) -> FileResponse:
    """A document, always as a download (never shown by the browser from Haven's origin), to
    those who may read its compartment now; every download is audited."""
    found = case_for_page(request, pk)
    row, data = services.open_document(request.user, found, document)
    response = FileResponse(
        io.BytesIO(data),
        as_attachment=True,
        filename=f"case-{found.pk}-document-{row.pk}.{EXTENSIONS.get(row.content_type, 'bin')}",
        content_type="application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "no-store, private"
    return response


# --- the timeline ---------------------------------------------------------------------------------


@never_cache
@login_required
def timeline(request: SignedInRequest, pk: int) -> HttpResponse:
    """The whole timeline, newest first, a page at a time; each compartment's events only for
    those who may read it now."""
    found = case_for_page(request, pk)
    shown = services.timeline_page(
        request.user, found, page=request.GET.get("page", 1), per_page=TIMELINE_PAGE
    )
    return render(
        request,
        "cases/timeline.html",
        {"case": found, "page": shown, "events": list(shown.object_list)},
    )
