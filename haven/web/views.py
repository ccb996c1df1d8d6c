"""What the pages share: how a staff list pages, and the skeleton of every page that changes
something (Django's ``FormView`` idea, for function-based views): bind the form, call the service,
and either put the service's refusal back on the form or say it is done and redirect.

``submit`` is for a form that is shown again with its errors; ``perform`` for a button whose
refusal is a message on the page it came from. Neither decides access: the view has fetched
what the user may see before it calls them, and the service checks the rest."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from haven.web.forms import add_service_errors

T = TypeVar("T")

#: Rows on one page of a staff list.
PER_PAGE = 50


def page_of(request: HttpRequest, rows: Any, per_page: int = PER_PAGE) -> Page[Any]:
    """The page of ``rows`` (a queryset, ordered) that ``?page=`` asks for: the first for a
    missing or unreadable number, the last for one past the end. The template shows it with
    ``includes/pager.html``, which keeps the list's filters in its links."""
    return Paginator(rows, per_page).get_page(request.GET.get("page"))


#: Where to go when the action is done: a URL or view name (what ``redirect`` takes), or, for
#: ``submit``, a function of the action's result that returns one.
Then = Any
#: What to say when it is done: a text, a function of the result that returns one, or None.
Said = str | Callable[[Any], str] | None


def _done(request: HttpRequest, result: Any, said: Said, then: Then, level: int) -> HttpResponse:
    text = said(result) if callable(said) else said
    if text:
        messages.add_message(request, level, text)
    return redirect(then(result) if callable(then) else then)


def submit(
    request: HttpRequest,
    form: forms.BaseForm,
    action: Callable[[dict[str, Any]], T],
    *,
    then: Then,
    success: Said = None,
    fields: Mapping[str, str] | None = None,
    level: int = messages.SUCCESS,
) -> HttpResponse | None:
    """When ``form`` is bound and valid, call ``action(form.cleaned_data)`` (a service). If the
    service refuses (ValidationError), its errors go onto the form (``fields`` maps its names to
    the form's) and the answer is None: the view shows the form again, with status 400 where it
    says so. Otherwise flash ``success`` and redirect to ``then``::

        form = DeclineForm(request.POST)
        done = submit(
            request, form, lambda data: services.decline(request.user, volunteer, data["reason"]),
            success=_("Declined."), then=reverse("volunteers:detail", args=[volunteer.pk]),
        )
        return done or detail(request, pk, {"decline": form})
    """
    if not form.is_valid():
        return None
    try:
        result = action(form.cleaned_data)
    except ValidationError as error:
        add_service_errors(form, error, fields)
        return None
    return _done(request, result, success, then, level)


def perform(
    request: HttpRequest,
    action: Callable[[], Any],
    *,
    then: Then,
    success: Said = None,
) -> HttpResponse:
    """Call ``action()`` (a service, for a button without a form) and redirect to ``then`` (a
    URL, view name or model): with ``success`` flashed when it is done, or the service's refusal
    flashed as an error."""
    try:
        result = action()
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(then)
    return _done(request, result, success, then, messages.SUCCESS)
