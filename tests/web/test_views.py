"""The shared action-view skeleton (haven.web.views) and how a service's refusal lands on a form
(haven.web.forms)."""

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from haven.web.forms import add_service_errors
from haven.web.views import page_of, perform, submit


class NoteForm(forms.Form):
    body = forms.CharField()
    picked = forms.IntegerField(required=False, widget=forms.HiddenInput)


def _request(method="post", data=None, path="/"):
    request = getattr(RequestFactory(), method)(path, data or {})
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


def _said(request):
    return [(m.level_tag, m.message) for m in get_messages(request)]


def test_a_field_error_goes_next_to_the_field_and_the_rest_to_the_top():
    form = NoteForm({"body": "x"})
    assert form.is_valid()
    add_service_errors(form, ValidationError({"body": "Too short.", "other": "Not here."}))
    assert form.errors["body"] == ["Too short."]
    assert form.non_field_errors() == ["Not here."]


def test_a_service_name_is_mapped_to_the_forms_field():
    form = NoteForm({"body": "x"})
    assert form.is_valid()
    add_service_errors(form, ValidationError({"text": "Write something."}), {"text": "body"})
    assert form.errors["body"] == ["Write something."]
    assert not form.non_field_errors()


def test_an_error_without_a_field_and_one_on_a_hidden_field_show_at_the_top():
    form = NoteForm({"body": "x", "picked": "3"})
    assert form.is_valid()
    add_service_errors(form, ValidationError("Closed case."))
    add_service_errors(form, ValidationError({"picked": "Gone."}))
    assert form.non_field_errors() == ["Closed case.", "Gone."]
    assert "picked" not in form.errors


def test_submit_calls_the_service_with_the_cleaned_data_then_says_so_and_redirects():
    request = _request(data={"body": "hello"})
    form = NoteForm(request.POST)
    seen = []
    response = submit(
        request,
        form,
        lambda data: seen.append(data["body"]) or 7,
        success=lambda n: f"Note {n} added.",
        then=lambda n: f"/notes/{n}/",
    )
    assert seen == ["hello"]
    assert response.status_code == 302
    assert response["Location"] == "/notes/7/"
    assert _said(request) == [("success", "Note 7 added.")]


def test_submit_puts_the_refusal_on_the_form_and_answers_none():
    request = _request(data={"body": "hello"})
    form = NoteForm(request.POST)

    def refuse(data):
        raise ValidationError({"text": "The case is closed."})

    assert submit(request, form, refuse, then="/", success="Done", fields={"text": "body"}) is None
    assert form.errors["body"] == ["The case is closed."]
    assert _said(request) == []


def test_submit_does_not_call_the_service_for_an_invalid_or_unbound_form():
    request = _request(data={})
    called = []
    assert submit(request, NoteForm(request.POST), called.append, then="/") is None
    assert submit(request, NoteForm(), called.append, then="/") is None
    assert called == []


def test_submit_can_say_it_as_a_warning():
    from django.contrib import messages

    request = _request(data={"body": "b"})
    submit(
        request, NoteForm(request.POST), len, then="/", success="Logged.", level=messages.WARNING
    )
    assert _said(request) == [("warning", "Logged.")]


def test_perform_flashes_the_refusal_or_the_success_and_always_redirects():
    request = _request()

    def refuse():
        raise ValidationError(["Not now.", "Later."])

    response = perform(request, refuse, then="/back/", success="Done.")
    assert response["Location"] == "/back/"
    assert _said(request) == [("error", "Not now. Later.")]

    request = _request()
    response = perform(request, lambda: "Ann", then="/back/", success=lambda n: f"{n} out.")
    assert response["Location"] == "/back/"
    assert _said(request) == [("success", "Ann out.")]


@pytest.mark.parametrize(("asked", "number"), [(None, 1), ("2", 2), ("x", 1), ("99", 3)])
def test_page_of_reads_the_page_number_forgivingly(asked, number):
    request = _request("get", {"page": asked} if asked else {})
    page = page_of(request, list(range(120)))
    assert page.number == number
    assert len(page.object_list) == (20 if number == 3 else 50)


def _filter_actions(**context):
    from django.template.loader import render_to_string

    return render_to_string("includes/filter_actions.html", context)


def test_the_filter_actions_offer_clear_only_when_a_filter_is_in_use():
    assert "Clear" not in _filter_actions(filtered=False, clear="/cases/")
    used = _filter_actions(filtered=True, clear="?where=all")
    assert 'href="?where=all"' in used and "Apply" in used and "#i-filter" in used
    assert "Clear" not in _filter_actions(filtered=True)  # a list with nothing to clear to


def test_the_filter_actions_can_name_their_button():
    found = _filter_actions(label="Find", icon="search", primary=True, filtered="x", clear="/p/")
    assert 'class="primary"' in found and "#i-search" in found and "Find" in found
    assert "Apply" not in found
