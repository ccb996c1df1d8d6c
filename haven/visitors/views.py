"""The front desk's pages: check-in, one visit (screening, review, badge, sign-out), the badge
scan page, and the access-checked photo and badge downloads.

Every view asks the access policy: a visit the user may not see is a 404, an action they may not
take on a visit they see is a 403. Every change goes through :mod:`haven.visitors.services`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from haven.access import policy
from haven.access.policy import Perm
from haven.accounts.activity import background
from haven.accounts.shell import current_school
from haven.audit import services as audit
from haven.visitors import badges, services, watchlists
from haven.visitors.forms import (
    PURPOSES,
    CheckInForm,
    DecisionForm,
    ScanForm,
)
from haven.visitors.models import Outcome, Person, PreRegistration, Visit
from haven.visitors.services import photos
from haven.web.forms import add_service_errors
from haven.web.requests import SignedInRequest
from haven.web.views import perform

if TYPE_CHECKING:
    from haven.accounts.models import User

#: Tone and words of each status, the same on every page.
STATUS_TONE = {
    Visit.Status.ON_SITE: "done",
    Visit.Status.SIGNED_OUT: "routine",
    Visit.Status.PENDING: "high",
    Visit.Status.ESCALATED: "high",
    Visit.Status.REFUSED: "life",
}
OUTCOME_TONE = {Outcome.CLEAR: "done", Outcome.REVIEW: "high", Outcome.MATCH: "life"}
#: How a listed date of birth compares with the visitor's (the matcher's relation), in words.
DATE_WORDS = {
    "exact": gettext_lazy("the same date"),
    "swapped": gettext_lazy("day and month swapped"),
    "one_off": gettext_lazy("one slip away (a digit or a day)"),
    "window": gettext_lazy("within five years"),
    "unknown": gettext_lazy("no date to compare"),
}


# --- helpers shared by the visitors' pages --------------------------------------------------------


def desk_school(request: HttpRequest, perm: Perm = Perm.VISITORS_MANAGE) -> Any:
    """The school in view, if the user holds ``perm`` there; else the first where they do; 404
    when nowhere."""
    school = current_school(request)
    if school is not None and policy.has_perm(request.user, perm, school):
        return school
    school = policy.schools_for(request.user, perm).order_by("name").first()
    if school is None:
        raise Http404
    return school


def visible_visit(request: HttpRequest, pk: int) -> Visit:
    return policy.get_visible_or_404(
        request.user, Visit.objects.select_related("school", "person", "host", "screening"), pk
    )


def safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def base_url(request: HttpRequest) -> str:
    return getattr(settings, "HAVEN_BASE_URL", "") or request.build_absolute_uri("/")


def decorate(visits: Any) -> None:
    for visit in visits:
        visit.tone = STATUS_TONE[Visit.Status(visit.status)]
        visit.outcome_tone = OUTCOME_TONE[Outcome(visit.outcome)]


# --- check-in -------------------------------------------------------------------------------------


@never_cache
@login_required
def check_in(request: SignedInRequest) -> HttpResponse:
    """Check a visitor in: identify (scan, photo of the barcode, saved visitor or typed), say why,
    then screen. "Read the ID" shows what the card says without screening (the scanner's burst
    sends it by itself when JavaScript is on)."""
    school = desk_school(request)
    people = policy.visible_to(request.user, Person).filter(district_id=school.district_id)
    expected_qs = policy.visible_to(request.user, PreRegistration).filter(
        school=school, visit__isnull=True, cancelled_at__isnull=True
    )
    source = request.POST if request.method == "POST" else request.GET
    expected = _picked(expected_qs, source.get("expected"))
    person = _picked(people, source.get("person"))
    details = None
    if request.method == "POST":
        form = CheckInForm(request.POST, request.FILES, school=school, people=people)
        if form.is_valid():
            details = form.details
            if request.POST.get("action") == "read":
                form = _keep_barcode(form, request, school, people)
            else:
                visit = _check_in(request, form, school, expected)
                if visit is not None:
                    return redirect("visitors:visit", visit.pk)
                details = None
    else:
        form = CheckInForm(initial=_initial(expected, person), school=school, people=people)
    query = request.GET.get("q", "").strip()[:100]
    frequent = people.filter(frequent=True)
    for word in query.split()[:3]:
        frequent = frequent.filter(first_name__icontains=word) | frequent.filter(
            last_name__icontains=word
        )
    return render(
        request,
        "visitors/check_in.html",
        {
            "form": form,
            "school": school,
            "details": details,
            "expected": expected,
            "person": person,
            "expected_today": services.expected(school).filter(pk__in=expected_qs.values("pk")),
            "frequent": frequent.order_by("last_name", "first_name")[:20],
            "q": query,
            "purposes": PURPOSES,
        },
        status=400 if request.method == "POST" and form.errors else 200,
    )


def _picked(qs: Any, value: Any) -> Any:
    try:
        return qs.filter(pk=int(value)).first() if value else None
    except (TypeError, ValueError):
        return None


def _initial(expected: PreRegistration | None, person: Person | None) -> dict[str, Any]:
    initial: dict[str, Any] = {}
    if expected is not None:
        initial.update(
            expected=expected.pk,
            first_name=expected.first_name,
            last_name=expected.last_name,
            purpose=expected.purpose,
            destination=expected.destination,
            host=expected.host_id,
        )
        if expected.person_id:
            initial["person"] = expected.person_id
    if person is not None:
        initial.update(person=person.pk, first_name=person.first_name, last_name=person.last_name)
    return initial


def _keep_barcode(form: CheckInForm, request: HttpRequest, school: Any, people: Any) -> Any:
    """After a photo of the barcode was read, carry its text in the form (a file input cannot be
    filled again), so that "Check in" does not need the photo a second time."""
    if not form.barcode_text:
        return form
    data = request.POST.copy()
    data["id_barcode"], data["read_from"] = form.barcode_text, "photo"
    kept = CheckInForm(data, school=school, people=people)
    kept.is_valid()
    return kept


def _check_in(
    request: SignedInRequest, form: CheckInForm, school: Any, expected: PreRegistration | None
) -> Visit | None:
    data = form.cleaned_data
    if form.details is None:  # a valid form has them; never check in nobody
        return None
    try:
        photo = photos.read_upload(data.get("photo"))
        visit = services.check_in(
            request.user,
            school,
            form.details,
            purpose=data.get("purpose") or (expected.purpose if expected else ""),
            destination=data.get("destination") or (expected.destination if expected else ""),
            host=data.get("host") or (expected.host if expected else None),
            photo=photo or None,
            kind=data.get("kind") or Visit.Kind.VISITOR,
            expected=expected,
        )
    except ValidationError as error:
        add_service_errors(form, error)
        return None
    if visit.outcome == Outcome.CLEAR:
        messages.success(request, _("Checked in. Print the badge."))
    return visit


# --- one visit ------------------------------------------------------------------------------------


def _matches(user: User, visit: Visit) -> list[dict[str, Any]]:
    """The registry's and the watchlists' matches, in one list for the clerk: what the access
    policy lets ``user`` read of them (:func:`haven.visitors.watchlists.shown_to`)."""
    found = []
    everything = [*visit.registry_matches(), *visit.watchlist_matches]
    for match in watchlists.shown_to(user, everything, [visit.school]):
        tone = OUTCOME_TONE.get(match.get("outcome", ""), "high")
        found.append({**watchlists.labelled(match), "tone": tone})
    for match in found:
        match["date_words"] = DATE_WORDS.get(str(match.get("date_agrees", "")), "")
    found.sort(key=lambda m: (m.get("outcome") != Outcome.MATCH, -float(m.get("score", 0))))
    return found


@never_cache
@login_required
def visit_detail(
    request: SignedInRequest, pk: int, form: DecisionForm | None = None
) -> HttpResponse:
    visit = visible_visit(request, pk)
    screening_visible = policy.may_see_screening(request.user, visit)
    audit.record(request.user, "view", visit, detail={"screening": screening_visible})
    may_decide = visit.waiting and policy.may_decide_screening(request.user, visit)
    decorate([visit])
    return render(
        request,
        "visitors/visit.html",
        {
            "visit": visit,
            "person": visit.person,
            "screening_visible": screening_visible,
            "matches": _matches(request.user, visit) if screening_visible else [],
            "may_decide": may_decide,
            "form": form or (DecisionForm() if may_decide else None),
            "may_manage": policy.may_check_in(request.user, visit.school_id),
            "badge_sizes": badges.choices(),
            "is_escalated": visit.status == Visit.Status.ESCALATED,
        },
        status=400 if form is not None and form.errors else 200,
    )


@background
@never_cache
@login_required
def visit_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The status line of a waiting visit, polled by the page; when the status changed, the page
    reloads to show the decision."""
    visit = visible_visit(request, pk)
    if request.GET.get("was") and request.GET["was"] != visit.status:
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    decorate([visit])
    return render(request, "visitors/_status.html", {"visit": visit})


@require_POST
@login_required
def decide(request: SignedInRequest, pk: int) -> HttpResponse:
    visit = visible_visit(request, pk)
    if not visit.waiting:
        messages.error(request, _("This screening needs no decision now."))
        return redirect("visitors:visit", visit.pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        if not policy.may_decide_screening(request.user, visit):
            raise PermissionDenied
        return visit_detail(request, pk, form)
    try:
        visit = services.decide(request.user, visit, form.cleaned_data["answer"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("visitors:visit", visit.pk)
    if visit.status == Visit.Status.ON_SITE:
        messages.success(request, _("Admitted. Print the badge."))
    elif visit.status == Visit.Status.ESCALATED:
        messages.warning(request, _("Sent to the administrators and the SRO to decide."))
    else:
        messages.warning(request, _("No badge. The administrators and the SRO were alerted."))
    return redirect("visitors:visit", visit.pk)


@require_POST
@login_required
def sign_out(request: SignedInRequest, pk: int) -> HttpResponse:
    visit = visible_visit(request, pk)
    return perform(
        request,
        lambda: services.sign_out(request.user, visit, "list"),
        success=lambda out: _("%(name)s is signed out.") % {"name": out.person.name},
        then=safe_next(request, reverse("visitors:on_site")),
    )


@require_POST
@login_required
def frequent(request: SignedInRequest, pk: int) -> HttpResponse:
    """Save the visitor for next time (picked at check-in instead of scanned), or forget it."""
    visit = visible_visit(request, pk)
    if not policy.may_check_in(request.user, visit.school_id):
        raise PermissionDenied
    keep = request.POST.get("frequent") == "1"
    services.set_frequent(request.user, visit.person, keep)
    if keep:
        messages.success(request, _("Saved as a frequent visitor."))
    else:
        messages.success(request, _("No longer a frequent visitor."))
    return redirect("visitors:visit", visit.pk)


@never_cache
@login_required
def badge(request: SignedInRequest, pk: int) -> HttpResponse:
    """The badge as PDF (?size=label, letter or a4), opened in the browser to print."""
    visit = visible_visit(request, pk)
    if not policy.may_check_in(request.user, visit.school_id):
        raise PermissionDenied
    if not visit.has_badge:
        raise Http404
    size = request.GET.get("size", "label")
    if size not in badges.SIZES:
        size = "label"
    pdf = badges.render(visit, size, base_url(request))
    services.badge_printed(request.user, visit, size)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="badge-{visit.pk}-{size}.pdf"'
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@never_cache
@login_required
def photo(request: SignedInRequest, pk: int) -> FileResponse:
    """The visitor's photo: a JPEG Haven re-encoded itself (no metadata), for signed-in staff who
    see the visit; never cached."""
    visit = visible_visit(request, pk)
    if not visit.photo:
        raise Http404
    audit.record(request.user, "view", visit, detail={"photo": True})
    response = FileResponse(visit.photo.open("rb"), content_type="image/jpeg")
    response["Content-Disposition"] = f'inline; filename="visitor-{visit.pk}.jpg"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# --- sign-out by badge ----------------------------------------------------------------------------


@never_cache
@login_required
def scan(request: SignedInRequest) -> HttpResponse:
    """Sign a visitor out by their badge: a USB scanner types the QR code's address into the box
    (and its Enter submits), or a signed-in phone opens the address, which asks to confirm."""
    school = desk_school(request)
    confirm = None
    if request.method == "POST":
        form = ScanForm(request.POST)
        if form.is_valid():
            try:
                visit = _scanned_visit(request, form.cleaned_data["code"])
                visit = services.sign_out(request.user, visit, "badge")
            except (badges.BadgeError, ValidationError) as error:
                text = error.message if isinstance(error, badges.BadgeError) else error.messages
                form.add_error("code", text)
            else:
                messages.success(
                    request, _("%(name)s is signed out.") % {"name": visit.person.name}
                )
                return redirect("visitors:scan")
    else:
        form = ScanForm()
        code = request.GET.get("t", "")
        if code:
            try:
                confirm = _scanned_visit(request, code)
            except badges.BadgeError as error:
                form = ScanForm(data={"code": code})
                form.is_valid()
                form.add_error("code", error.message)
            else:
                form = ScanForm(initial={"code": code})
    return render(
        request,
        "visitors/scan.html",
        {"form": form, "school": school, "confirm": confirm},
        status=400 if form.errors else 200,
    )


def _scanned_visit(request: HttpRequest, code: str) -> Visit:
    try:
        return visible_visit(request, badges.visit_id(code))
    except Http404 as exc:
        raise badges.BadgeError(_("This badge is not one of your school's visitors.")) from exc
