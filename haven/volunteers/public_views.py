"""The public volunteer application, at /volunteer/apply/<district or school>/.

Public pages like the tip line's (:mod:`haven.core.public`): no sign-in and no cookie, the language
from ``?lang=`` or the browser, ``no-store`` and ``no-referrer`` on every answer. The
confirmation is the answer to the POST that stored the application. Nothing about the caller's
network is stored: the throttle is :mod:`haven.core.throttle`'s keyed, daily-changing hash, kept
only in the cache.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse

from haven.core import throttle
from haven.core.models import District, School
from haven.core.public import public_page, render_public
from haven.volunteers import links, services
from haven.volunteers.forms import ApplicationForm
from haven.web.forms import add_service_errors

# A person applies once or twice; a district gets a few dozen applications an hour at most.
CALLER_APPLY = throttle.Limit("volunteer-apply", 3, 3600)
GLOBAL_APPLY = throttle.Limit("volunteer-apply-all", 120, 3600)
# Wrong sign-up codes: a few typos an hour from one caller, a few hundred in all.
CALLER_GUESS = throttle.Limit("volunteer-code-guess", 10, 3600)
GLOBAL_GUESS = throttle.Limit("volunteer-code-guess-all", 300, 3600)


def _blocked(request: HttpRequest) -> throttle.Limit | None:
    who = throttle.caller(request)
    for limit, key in ((CALLER_APPLY, who), (GLOBAL_APPLY, "all")):
        if throttle.exceeded(limit, key):
            return limit
    return None


@public_page
def apply(request: HttpRequest, lang: str, slug: str) -> HttpResponse:
    """The application form of a school (fixed) or of a district (with a choice of schools)."""
    school = School.objects.filter(slug=slug).select_related("district").first()
    district = school.district if school else District.objects.filter(slug=slug).first()
    if district is None:
        return render_public(request, "volunteers/public_not_found.html", lang, {}, status=404)
    choices = None if school else School.objects.filter(district=district).order_by("name")
    context: dict[str, Any] = {"school": school, "district": district}
    if request.method != "POST":
        form = ApplicationForm(schools=choices)
        return render_public(request, "volunteers/apply.html", lang, {**context, "form": form})

    form = ApplicationForm(request.POST, schools=choices)
    context["form"] = form
    blocked = _blocked(request)
    if blocked is not None:
        minutes = max(1, (throttle.retry_after(blocked) + 59) // 60)
        context["blocked_minutes"] = minutes
        return render_public(request, "volunteers/apply.html", lang, context, status=429)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.apply(
                services.Application(
                    first_name=data["first_name"],
                    middle_name=data["middle_name"],
                    last_name=data["last_name"],
                    date_of_birth=data["date_of_birth"],
                    email=data["email"],
                    phone=data["phone"],
                    address=data["address"],
                    interests=data["interests"],
                    schools=[school] if school else list(data["schools"]),
                    consent=data["consent"],
                    language=lang,
                ),
                district,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            # Stored applications are counted, not attempts: fixing a mistake costs nothing.
            throttle.hit(CALLER_APPLY, throttle.caller(request))
            throttle.hit(GLOBAL_APPLY, "all")
            return render_public(request, "volunteers/applied.html", lang, context)
    context["failed"] = True
    return render_public(request, "volunteers/apply.html", lang, context, status=400)


@public_page
def shifts(request: HttpRequest, lang: str) -> HttpResponse:
    """A volunteer's opportunities, opened with their private code. GET: the code form (a script
    fills it from the link's ``#`` part). POST: ``action=open`` lists the opportunities of the
    volunteer's schools; ``action=sign_up`` signs up for one. The code travels only in POST
    bodies; wrong codes are throttled."""
    if request.method != "POST":
        return render_public(request, "volunteers/shifts.html", lang, {})
    who = throttle.caller(request)
    for limit, key in ((CALLER_GUESS, who), (GLOBAL_GUESS, "all")):
        if throttle.exceeded(limit, key):
            minutes = max(1, (throttle.retry_after(limit) + 59) // 60)
            return render_public(
                request, "volunteers/shifts.html", lang, {"blocked_minutes": minutes}, status=429
            )
    code = request.POST.get("code", "")
    volunteer = links.volunteer_for(code)
    if volunteer is None:
        throttle.hit(CALLER_GUESS, who)
        throttle.hit(GLOBAL_GUESS, "all")
        return render_public(
            request, "volunteers/shifts.html", lang, {"not_found": True}, status=404
        )
    context: dict[str, Any] = {"volunteer": volunteer, "code": code}
    status = 200
    if request.POST.get("action") == "sign_up":
        try:
            signup = links.sign_up(volunteer, request.POST.get("opportunity"))
        except ValidationError as error:
            context["error"] = " ".join(error.messages)
            status = 400
        else:
            context["signed_up"] = signup.opportunity
    context["opportunities"] = list(links.open_for(volunteer))
    context["mine"] = set(volunteer.signups.values_list("opportunity_id", flat=True))
    return render_public(request, "volunteers/shifts.html", lang, context, status=status)
