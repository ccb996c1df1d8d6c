"""Forms of the tip line: the reporter's report and reply (public pages), and the responders'
actions. They parse what a browser sends; :mod:`haven.tips.services` has the last word on what is
valid, and its errors are put back next to the fields
(:func:`haven.web.forms.add_service_errors`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from haven.tips import services
from haven.tips.attachments import MAX_FILES
from haven.tips.models import Category, Disposition

#: What the file pickers offer; the content is checked anyway (attachments.check).
ACCEPT = "image/jpeg,image/png,image/gif,image/webp,video/mp4,video/quicktime,video/webm,.pdf"

#: A short explanation under each kind of concern, so a student picks the right one.
CATEGORY_HELP = {
    Category.VIOLENCE_THREAT: _("Someone said or posted that they will hurt people."),
    Category.WEAPON: _("A gun, knife or other weapon at school or on the way."),
    Category.SELF_HARM: _("Someone may hurt themselves or talks about suicide."),
    Category.BULLYING: _("Picking on someone again and again, in person or online."),
    Category.HARASSMENT: _("Unwanted comments, touching, threats or messages."),
    Category.ABUSE_NEGLECT: _("A young person is hurt, or not cared for, by an adult."),
    Category.DRUGS_ALCOHOL: _("Selling, sharing or using drugs, vapes or alcohol."),
    Category.DATING_VIOLENCE: _("Someone is controlled, threatened or hurt by a partner."),
    Category.OTHER: _("Anything else that worries you."),
}


def _with_file_limit(message: str) -> Any:
    """``message`` translated when it is shown (not at import), with the file limit filled in."""
    return lazy(lambda: gettext(message) % {"n": MAX_FILES}, str)()


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files under one name; services.attachments checks size, count and content."""

    widget = MultipleFileInput

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        if len(files) > MAX_FILES:
            raise ValidationError(_("Attach at most %(n)d files.") % {"n": MAX_FILES})
        return [f for f in files if f]


class ReportForm(forms.Form):
    """What an anonymous reporter sends. Nothing here identifies them unless they choose to give
    a name and contact (``confidential``)."""

    school = forms.ChoiceField(
        label=_("Which school is it about?"),
        required=False,
        help_text=_("Choose “Not sure” if it is not about one school."),
    )
    description = forms.CharField(
        label=_("What happened?"),
        help_text=_("Tell us as much as you can: what you saw, heard or read, and who said it."),
        max_length=services.MAX_DESCRIPTION,
        widget=forms.Textarea(attrs={"rows": 7}),
        error_messages={"required": _("Tell us what happened.")},
    )
    location = forms.CharField(
        label=_("Where did it happen?"),
        help_text=_("For example: the gym, bus 14, a group chat."),
        required=False,
        max_length=500,
    )
    occurred_date = forms.DateField(
        label=_("Date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Enter a date like 2025-03-14.")},
    )
    occurred_time = forms.TimeField(
        label=_("Time (if you know it)"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={"invalid": _("Enter a time like 14:30.")},
    )
    subject_names = forms.CharField(
        label=_("Who is involved?"),
        help_text=_("Names if you know them, one per line. You can leave this empty."),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )
    category = forms.ChoiceField(
        label=_("What kind of concern is it?"),
        choices=Category.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the kind of concern (or “Something else”).")},
    )
    online = forms.BooleanField(label=_("It happened online or on social media"), required=False)
    online_platform = forms.CharField(
        label=_("App or website"),
        help_text=_("For example: Instagram, Snapchat, Discord, a game."),
        required=False,
        max_length=100,
    )
    online_url = forms.CharField(
        label=_("Link to the post or profile"),
        required=False,
        max_length=2000,
        widget=forms.TextInput(attrs={"inputmode": "url"}),
    )
    danger_now = forms.ChoiceField(
        label=_("Is someone in danger right now?"),
        choices=[("no", _("No")), ("yes", _("Yes, someone is in danger right now"))],
        widget=forms.RadioSelect,
        required=False,
    )
    # The input is called "files" (as in the API); the metaclass moves it out of the attributes.
    files = MultipleFileField(  # type: ignore[assignment]
        label=_("Screenshots, photos, videos or PDFs"),
        help_text=_with_file_limit(
            gettext_noop(
                "Up to %(n)d files. Pictures up to 10 MB, videos up to 30 MB. Hidden location "
                "data is removed from pictures before anyone at school sees them."
            )
        ),
        widget=MultipleFileInput(attrs={"accept": ACCEPT}),
    )
    confidential = forms.BooleanField(
        label=_("I want to give my name and a way to reach me"), required=False
    )
    contact_name = forms.CharField(label=_("Your name"), required=False, max_length=200)
    contact_email = forms.CharField(
        label=_("E-mail"),
        required=False,
        max_length=200,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    contact_phone = forms.CharField(
        label=_("Phone"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )

    #: services' field names → this form's
    SERVICE_FIELDS = {
        "occurred_at": "occurred_date",
        "contact.name": "contact_name",
        "contact.email": "contact_email",
        "contact.phone": "contact_phone",
    }

    def __init__(self, *args: Any, schools: list[Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if schools is None:  # the school's own page: the school comes from the address
            del self.fields["school"]
        else:
            cast(forms.ChoiceField, self.fields["school"]).choices = [
                ("", _("Not sure, or not about one school"))
            ] + [(s.slug, s.name) for s in schools]
        # Nothing typed here should stay in a shared browser's autofill.
        for field in self.fields.values():
            if isinstance(field.widget, forms.TextInput | forms.Textarea):
                field.widget.attrs.setdefault("autocomplete", "off")

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("occurred_time") and not data.get("occurred_date"):
            self.add_error("occurred_date", _("Give the date too, or leave the time empty."))
        if data.get("confidential") and not any(
            (data.get(k) or "").strip() for k in ("contact_name", "contact_email", "contact_phone")
        ):
            self.add_error(
                "contact_name",
                _("Give a name, an e-mail or a phone number, or untick the box to stay anonymous."),
            )
        return data

    def occurred_at(self) -> datetime | None:
        day = self.cleaned_data.get("occurred_date")
        if day is None:
            return None
        at = self.cleaned_data.get("occurred_time") or datetime.min.time()
        return timezone.make_aware(datetime.combine(day, at))

    def tip_input(self, school_slug: str, language: str) -> services.TipInput:
        data = self.cleaned_data
        names = [line.strip() for line in (data.get("subject_names") or "").splitlines()]
        contact = None
        if data.get("confidential"):
            contact = {
                "name": data.get("contact_name", ""),
                "email": data.get("contact_email", ""),
                "phone": data.get("contact_phone", ""),
            }
        return services.TipInput(
            category=data["category"],
            description=data["description"],
            school=school_slug,
            location=data.get("location", ""),
            occurred_at=self.occurred_at(),
            subject_names=[n for n in names if n],
            online=bool(data.get("online")),
            online_platform=data.get("online_platform", ""),
            online_url=data.get("online_url", ""),
            danger_now=data.get("danger_now") == "yes",
            contact=contact,
            language=language,
            files=data.get("files") or [],
        )


class ReceiptForm(forms.Form):
    receipt = forms.CharField(
        label=_("Your receipt number"),
        help_text=_("The 16 digits you were given when you sent your report."),
        max_length=64,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "spellcheck": "false"}
        ),
        error_messages={"required": _("Enter your receipt number.")},
    )


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Your message"),
        required=False,
        max_length=services.MAX_MESSAGE,
        widget=forms.Textarea(attrs={"rows": 5, "autocomplete": "off"}),
    )
    # The input is called "files" (as in the API); the metaclass moves it out of the attributes.
    files = MultipleFileField(  # type: ignore[assignment]
        label=_("Add files (optional)"),
        help_text=_with_file_limit(
            gettext_noop("Screenshots, photos, short videos or PDFs; up to %(n)d files.")
        ),
        widget=MultipleFileInput(attrs={"accept": ACCEPT}),
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if not (data.get("body") or "").strip() and not data.get("files"):
            self.add_error("body", _("Write a message or add a file."))
        return data


# --- the responders' forms ------------------------------------------------------------------------


class StaffMessageForm(forms.Form):
    """One text box, two buttons: to the reporter, or an internal note among responders."""

    TO_REPORTER, TO_TEAM = "reporter", "internal"

    body = forms.CharField(
        label=_("Message"),
        required=False,
        max_length=services.MAX_MESSAGE,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    saved_reply = forms.ChoiceField(label=_("Saved reply"), required=False)
    signed = forms.BooleanField(
        label=_("Sign with my name (the reporter sees who wrote)"), required=False
    )
    to = forms.ChoiceField(
        choices=[(TO_REPORTER, _("Send to the reporter")), (TO_TEAM, _("Add internal note"))],
        error_messages={"required": _("Choose whether to send it or keep it as a note.")},
    )

    def __init__(self, *args: Any, saved_replies: list[Any] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.saved_replies = {str(r.pk): r for r in saved_replies}
        cast(forms.ChoiceField, self.fields["saved_reply"]).choices = [
            ("", _("None: write my own"))
        ] + [(str(r.pk), r.title) for r in saved_replies]
        if not saved_replies:
            del self.fields["saved_reply"]

    def text(self) -> str:
        """What to send: the typed text; without JavaScript an untouched box with a saved reply
        chosen sends the saved reply as it is."""
        typed = (self.cleaned_data.get("body") or "").strip()
        chosen = self.saved_replies.get(self.cleaned_data.get("saved_reply") or "")
        if not typed and chosen is not None:
            return chosen.body
        return typed


class CloseForm(forms.Form):
    disposition = forms.ChoiceField(
        label=_("How did it end?"),
        choices=Disposition.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose how the tip ended.")},
    )


class AssignForm(forms.Form):
    assignees = forms.MultipleChoiceField(
        label=_("Responders"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, people: list[Any] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.people = {str(p.pk): p for p in people}
        cast(forms.ChoiceField, self.fields["assignees"]).choices = [
            (str(p.pk), p.label) for p in people
        ]

    def chosen(self) -> list[Any]:
        return [self.people[pk] for pk in self.cleaned_data.get("assignees", [])]


class LinkForm(forms.Form):
    other = forms.IntegerField(
        label=_("Tip number"),
        min_value=1,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={"required": _("Enter the number of the related tip.")},
    )


class HoldForm(forms.Form):
    hold = forms.BooleanField(required=False)


class GroupMessageForm(forms.Form):
    """One message to every reporter of a group (each reads it in their own dialogue)."""

    body = forms.CharField(
        label=_("Message to every reporter of this group"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Write the message first.")},
    )
    signed = forms.BooleanField(label=_("Sign with my name"), required=False)


class GroupCloseForm(forms.Form):
    disposition = forms.ChoiceField(
        label=_("Close every open tip of the group as"),
        choices=[("", "—"), *Disposition.choices],
        error_messages={"required": _("Choose how the tip ended.")},
    )


class MergeForm(forms.Form):
    other = forms.IntegerField(
        label=_("Add the group of tip number"),
        min_value=1,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={"required": _("Enter the number of a tip of the other group.")},
    )
