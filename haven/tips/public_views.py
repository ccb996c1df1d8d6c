"""The reporter's pages: the report form, the receipt, and the follow-up with the receipt.

Public pages (:mod:`haven.core.public`): no sign-in, no cookie, ``no-store``, ``no-referrer``,
English or Spanish. The receipt is never put in an address or a redirect: the receipt page is the
answer to the POST that stored the tip, and the follow-up pages carry the receipt in a hidden field
of a POST form.

Throttles are the API's (:mod:`haven.tips.throttle`, one guard for both): a keyed, daily-changing
hash of the caller's network, per caller only; nothing about the caller is stored. A caller past
the allowance is slowed, never turned away: the form carries a challenge that the page's script
answers with a short proof of work, or that a wait answers without JavaScript.

Every answer is honest: the receipt page means the tip is stored; a fault of the machine (a locked,
full or lost database, a full disk) before the tip is stored is a 503 that says nothing was stored
and keeps what was typed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import ValidationError
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse

from haven.core.models import District, School
from haven.core.public import public_page, render_public
from haven.tips import services, throttle
from haven.tips.forms import (
    CATEGORY_HELP,
    ReceiptForm,
    ReplyForm,
    ReportForm,
)
from haven.tips.models import Message, Status, Tip
from haven.web.forms import add_service_errors

log = logging.getLogger(__name__)


def _minutes_left(limit: throttle.Limit) -> int:
    """Minutes until the limit's window ends (at least one)."""
    return max(1, (throttle.retry_after(limit) + 59) // 60)


def _faults_are_503(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A public view whose database is locked, full or unreachable answers a clear 503 page (nothing
    was stored; call 911 if someone is in danger), never a 500."""

    @wraps(view)
    def wrapper(request: HttpRequest, lang: str, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, lang, *args, **kwargs)
        except (OperationalError, InterfaceError) as exc:
            log.warning("a public tip-line page met a database fault (%s)", type(exc).__name__)
            response = render_public(request, "tips/unavailable.html", lang, {}, status=503)
            response["Retry-After"] = "60"
            return response

    return wrapper


def _categories(form: ReportForm) -> list[dict[str, Any]]:
    """The category radios with their explanations (rendered by hand: label + hint per choice)."""
    return [
        {"radio": radio, "help": CATEGORY_HELP.get(radio.data["value"], "")}
        for radio in form["category"]
    ]


@public_page
@_faults_are_503
def report(request: HttpRequest, lang: str, school: str | None = None) -> HttpResponse:
    """The report form: the district's (with a school select) or one school's."""
    fixed = None
    if school is not None:
        fixed = School.objects.filter(slug=school).select_related("district").first()
        if fixed is None:
            return render_public(request, "tips/public_not_found.html", lang, {}, status=404)
    district = fixed.district if fixed else District.objects.order_by("pk").first()
    schools: list[School] | None = None  # the school's own page has no school select
    if fixed is None:
        schools = (
            list(School.objects.filter(district=district).order_by("name")) if district else []
        )
    context: dict[str, Any] = {"school": fixed, "district": district}

    if request.method != "POST":
        form = ReportForm(schools=schools, initial={"school": request.GET.get("school", "")})
        challenge = throttle.offer(request)
        return render_public(
            request,
            "tips/report.html",
            lang,
            {**context, "form": form, "categories": _categories(form), "challenge": challenge},
        )

    form = ReportForm(request.POST, request.FILES, schools=schools)
    if fixed is not None:
        slug = fixed.slug
    else:  # a slug from the select; anything else is left to the form to refuse
        chosen = request.POST.get("school", "")
        slug = chosen if any(s.slug == chosen for s in schools or []) else ""
    had_files = bool(request.FILES.getlist("files"))
    context.update(form=form, had_files=had_files, categories=_categories(form))

    admission = throttle.admit(request, request.POST.get("proof", ""))
    if admission.challenge is not None:
        # Not yet: the same form, with what was typed, and the challenge to meet first.
        context.update(challenge=admission.challenge, challenged=True)
        response = render_public(request, "tips/report.html", lang, context, status=429)
        response["Retry-After"] = str(max(1, admission.challenge.seconds_left()))
        return response

    if form.is_valid():
        try:
            tip, receipt = services.submit(form.tip_input(slug, lang), district=district)
        except ValidationError as error:
            add_service_errors(form, error, ReportForm.SERVICE_FIELDS)
        except services.NotStored:
            admission.release()
            context.update(unavailable=True)
            response = render_public(request, "tips/report.html", lang, context, status=503)
            response["Retry-After"] = "60"
            return response
        else:
            return render_public(
                request,
                "tips/receipt.html",
                lang,
                {**context, "tip": tip, "receipt": receipt},
            )
    admission.release()  # a refused form costs the reporter nothing
    context.update(failed=True)
    return render_public(request, "tips/report.html", lang, context, status=400)


# --- follow-up ------------------------------------------------------------------------------------


REPORTER_STATUS: dict[str, str] = {
    Status.NEW: "new",
    Status.ACKNOWLEDGED: "read",
    Status.TRIAGED: "working",
    Status.CLOSED: "closed",
}


def _thread(
    request: HttpRequest,
    lang: str,
    tip: Tip,
    receipt: str,
    reply: ReplyForm,
    *,
    sent: bool = False,
    had_files: bool = False,
    status: int = 200,
    blocked_minutes: int = 0,
) -> HttpResponse:
    services.reporter_opened(tip)
    # A responder is "School safety team" to the reporter unless they chose to sign.
    thread = [
        {
            "message": message,
            "author": message.author.label
            if message.sender == Message.Sender.STAFF and message.signed and message.author
            else "",
        }
        for message in services.reporter_thread(tip)
    ]
    return render_public(
        request,
        "tips/thread.html",
        lang,
        {
            "tip": tip,
            "receipt": receipt,
            "thread": thread,
            "reply": reply,
            "sent": sent,
            "had_files": had_files,
            "blocked_minutes": blocked_minutes,
            "reporter_status": REPORTER_STATUS.get(tip.status, "new"),
        },
        status=status,
    )


@public_page
@_faults_are_503
def follow_up(request: HttpRequest, lang: str) -> HttpResponse:
    """GET: the receipt form. POST: open the tip with the receipt (``action=open``) or reply to the
    school (``action=reply``); each POST checks the receipt again, throttled."""
    if request.method != "POST":
        return render_public(request, "tips/follow_up.html", lang, {"form": ReceiptForm()})

    form = ReceiptForm(request.POST)
    who = throttle.caller(request)
    if throttle.exceeded(throttle.CALLER_GUESS, who):
        return render_public(
            request,
            "tips/follow_up.html",
            lang,
            {"form": form, "blocked_minutes": _minutes_left(throttle.CALLER_GUESS)},
            status=429,
        )
    receipt = request.POST.get("receipt", "")
    tip = services.find_by_receipt(receipt) if form.is_valid() else None
    if tip is None:
        if form.is_valid():
            throttle.hit(throttle.CALLER_GUESS, who)
        return render_public(
            request,
            "tips/follow_up.html",
            lang,
            {"form": form, "not_found": form.is_valid()},
            status=404 if form.is_valid() else 400,
        )

    if request.POST.get("action") != "reply":
        return _thread(request, lang, tip, receipt, ReplyForm())

    reply = ReplyForm(request.POST, request.FILES)
    if not throttle.reserve(throttle.CALLER_MESSAGE, who):
        return _thread(
            request,
            lang,
            tip,
            receipt,
            reply,
            status=429,
            blocked_minutes=_minutes_left(throttle.CALLER_MESSAGE),
        )
    if reply.is_valid():
        try:
            services.reporter_message(
                tip, receipt, reply.cleaned_data.get("body", ""), reply.cleaned_data["files"]
            )
        except ValidationError as error:
            add_service_errors(reply, error)
        except BaseException:
            throttle.refund(throttle.CALLER_MESSAGE, who)
            raise
        else:
            return _thread(request, lang, tip, receipt, ReplyForm(), sent=True)
    throttle.refund(throttle.CALLER_MESSAGE, who)  # a refused message costs nothing
    had_files = bool(request.FILES.getlist("files"))
    return _thread(request, lang, tip, receipt, reply, had_files=had_files, status=400)
