"""The responders' pages: the inbox of tips, one tip with its dialogue, and the actions on it.

Every view asks the access policy: a tip the user may not see is a 404, an action the user may not
take on a tip they see is a 403 (services raise PermissionDenied). Every change goes through
:mod:`haven.tips.services`, which validates, writes, audits and notifies.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from haven.access import policy
from haven.access.policy import Perm
from haven.accounts.shell import current_school
from haven.audit import services as audit
from haven.tips import services
from haven.tips.forms import (
    AssignForm,
    CloseForm,
    GroupCloseForm,
    GroupMessageForm,
    HoldForm,
    LinkForm,
    MergeForm,
    StaffMessageForm,
)
from haven.tips.models import Category, Message, SavedReply, Status, Tip
from haven.web.forms import add_service_errors
from haven.web.requests import SignedInRequest
from haven.web.views import perform, submit

OPEN = [Status.NEW, Status.ACKNOWLEDGED, Status.TRIAGED]
PER_PAGE = 50

#: The triage classifier's categories, in words (its names differ from the tip line's).
TRIAGE_LABELS = {
    "self_harm": gettext_lazy("Self-harm or suicide"),
    "violence_threat": gettext_lazy("Threat of violence"),
    "weapon": gettext_lazy("Weapon"),
    "bullying_harassment": gettext_lazy("Bullying or harassment"),
    "sexual_abuse_or_exploitation": gettext_lazy("Sexual abuse or exploitation"),
    "substance": gettext_lazy("Drugs or alcohol"),
    "other_concern": gettext_lazy("Other concern"),
    "urgency": gettext_lazy("Sign of urgency"),
}
#: Urgency → (tone, words).
URGENCY = {
    "imminent": ("life", gettext_lazy("Imminent")),
    "high": ("high", gettext_lazy("High")),
    "routine": ("routine", gettext_lazy("Routine")),
    "none": ("done", gettext_lazy("No concern found")),
}
#: Status → tone (colour and icon; the word is the status's label).
STATUS_TONE: dict[str, str] = {
    Status.NEW: "high",
    Status.ACKNOWLEDGED: "routine",
    Status.TRIAGED: "routine",
    Status.CLOSED: "done",
}


# --- reading --------------------------------------------------------------------------------------


def _require_tips(request: HttpRequest) -> None:
    if not policy.has_perm(request.user, Perm.TIPS_VIEW):
        raise Http404


def _visible(request: HttpRequest, pk: int) -> Tip:
    return policy.get_visible_or_404(
        request.user,
        Tip.objects.select_related("school", "district", "acknowledged_by", "closed_by"),
        pk,
    )


def _scoped(request: HttpRequest, where: str) -> tuple[Any, Any]:
    """The tips in view: the current school's and the district-wide ones the user may see, or
    (``where=all``) every tip the user may see."""
    qs = policy.visible_to(request.user, Tip)
    school = current_school(request)
    if where == "all":
        return qs, school
    here = Q(school__isnull=True)  # visible_to leaves these to district roles
    if school is not None:
        here |= Q(school=school)
    return qs.filter(here), school


@never_cache
@login_required
def inbox(request: SignedInRequest) -> HttpResponse:
    """The tips that need attention first: open life-safety tips, then new ones, then the rest."""
    _require_tips(request)
    user = request.user
    where = "all" if request.GET.get("where") == "all" else ""
    qs, school = _scoped(request, where)
    counts = qs.aggregate(
        open=Count("pk", distinct=True, filter=Q(status__in=OPEN)),
        new=Count("pk", distinct=True, filter=Q(status=Status.NEW)),
        life=Count("pk", distinct=True, filter=Q(status__in=OPEN, life_safety=True)),
        mine=Count("pk", distinct=True, filter=Q(status__in=OPEN, assignees=user)),
        closed=Count("pk", distinct=True, filter=Q(status=Status.CLOSED)),
    )

    status = request.GET.get("status", "open")
    if status == "open":
        qs = qs.filter(status__in=OPEN)
    elif status in Status.values:
        qs = qs.filter(status=status)
    else:
        status = "all"
    category = request.GET.get("category", "")
    if category in Category.values:
        qs = qs.filter(category=category)
    else:
        category = ""
    life = request.GET.get("life") == "1"
    if life:
        qs = qs.filter(life_safety=True)
    mine = request.GET.get("mine") == "1"
    if mine:
        qs = qs.filter(assignees=user)

    rank = Case(
        When(life_safety=True, status__in=OPEN, then=Value(0)),
        When(status=Status.NEW, then=Value(1)),
        When(status__in=OPEN, then=Value(2)),
        default=Value(3),
        output_field=IntegerField(),
    )
    # One row per group (a tip without a group is one of its own): its most urgent rank, newest.
    key = Case(
        When(group__isnull=True, then=-F("pk")),
        default=F("group_id"),
        output_field=IntegerField(),
    )
    rows = (
        qs.annotate(key=key, rank=rank)
        .values("key")
        .annotate(
            size=Count("pk", distinct=True),
            new=Count("pk", distinct=True, filter=Q(status=Status.NEW)),
            best=Min("rank"),
            newest=Max("created_at"),
        )
        .order_by("best", "-newest", "-key")
    )
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    shown = _group_rows(qs, list(page), rank)
    services.listed(request.user, [t for row in shown for t in row["tips"]], school)
    page.object_list = shown
    return render(
        request,
        "tips/inbox.html",
        {
            "page": page,
            "counts": counts,
            "school": school,
            "where": where,
            "many_places": policy.schools_for(request.user, Perm.TIPS_VIEW).count() > 1,
            "status": status,
            "category": category,
            "life": life,
            "mine": mine,
            "filtered": status != "open" or category or life or mine,
            "statuses": [("open", pgettext("tips", "Open")), *Status.choices, ("all", _("All"))],
            "categories": Category.choices,
        },
    )


def _group_rows(qs: Any, rows: list[dict[str, Any]], rank: Any) -> list[dict[str, Any]]:
    """Each inbox row's tips in view (the top one first: most urgent, then newest), without
    decrypting more than the top tip of each."""
    keys = [r["key"] for r in rows]
    group_ids = [k for k in keys if k > 0]
    lone = [-k for k in keys if k < 0]
    members = (
        qs.filter(Q(group_id__in=group_ids) | Q(pk__in=lone, group__isnull=True))
        .annotate(rank=rank)
        .order_by("rank", "-created_at", "-pk")
        .values_list("pk", "group_id", "life_safety")
    )
    by_key: dict[int, list[tuple[int, bool]]] = {}
    for pk, group_id, life in members:
        by_key.setdefault(group_id if group_id else -pk, []).append((pk, life))
    top_ids = [by_key[k][0][0] for k in keys if by_key.get(k)]
    last_public = Message.objects.filter(tip=OuterRef("pk"), internal=False).order_by(
        "-created_at", "-pk"
    )
    tops = {
        t.pk: t
        for t in Tip.objects.filter(pk__in=top_ids)
        .select_related("school")
        .prefetch_related("assignees")
        .annotate(last_sender=Subquery(last_public.values("sender")[:1]))
    }
    shown = []
    for row in rows:
        entries = by_key.get(row["key"], [])
        if not entries or entries[0][0] not in tops:
            continue
        tip: Any = tops[entries[0][0]]
        tip.status_tone = STATUS_TONE[tip.status]
        tip.tone = "life" if tip.life_safety and tip.status in OPEN else tip.status_tone
        tip.awaiting_reply = tip.last_sender == Message.Sender.REPORTER and tip.status in OPEN
        shown.append(
            {
                "tip": tip,
                "size": row["size"],
                "new": row["new"],
                "life": sum(1 for _pk, life in entries if life),
                "tips": [pk for pk, _life in entries],
            }
        )
    return shown


def highlight(text: str, evidence: Any) -> SafeString:
    """``text`` escaped, with the triage evidence spans wrapped in <mark>. Spans that are out of
    range or malformed are ignored; overlapping spans are merged."""
    spans: list[tuple[int, int, set[str]]] = []
    for item in evidence if isinstance(evidence, list) else []:
        if not isinstance(item, dict):
            continue
        start, end = item.get("start"), item.get("end")
        if not isinstance(start, int) or not isinstance(end, int):
            continue
        start, end = max(0, start), min(len(text), end)
        if start >= end:
            continue
        spans.append((start, end, {str(item.get("category", ""))}))
    spans.sort(key=lambda s: (s[0], s[1]))
    merged: list[tuple[int, int, set[str]]] = []
    for start, end, cats in spans:
        if merged and start <= merged[-1][1]:
            last = merged[-1]
            merged[-1] = (last[0], max(last[1], end), last[2] | cats)
        else:
            merged.append((start, end, cats))
    out: list[str] = []
    position = 0
    for start, end, cats in merged:
        words = ", ".join(str(TRIAGE_LABELS.get(c, c.replace("_", " "))) for c in sorted(cats) if c)
        out.append(escape(text[position:start]))
        out.append(f'<mark title="{escape(words)}">{escape(text[start:end])}</mark>')
        position = end
    out.append(escape(text[position:]))
    return mark_safe("".join(out))  # noqa: S308 - every piece of text above is escaped


def _reading(tip: Tip) -> dict[str, Any] | None:
    """The triage reading in words: urgency and the categories that scored."""
    triage = tip.triage if isinstance(tip.triage, dict) else {}
    if not triage:
        return None
    categories: list[dict[str, Any]] = []
    for item in triage.get("categories") or []:
        if isinstance(item, str):
            name, score = item, None
        elif isinstance(item, dict) and isinstance(item.get("name"), str):
            name, score = item["name"], item.get("score")
            if not isinstance(score, int | float):
                score = None
        else:
            continue
        if score is not None and score < 0.3:
            continue
        categories.append(
            {
                "label": TRIAGE_LABELS.get(name, name.replace("_", " ")),
                "percent": round(score * 100) if score is not None else None,
            }
        )
    categories.sort(key=lambda c: -(c["percent"] or 0))
    tone, words = URGENCY.get(str(triage.get("urgency", "")), ("routine", ""))
    return {
        "urgency_tone": tone,
        "urgency": words,
        "categories": categories,
        "has_evidence": bool(triage.get("evidence")),
    }


def _responders(tip: Tip) -> list[Any]:
    """People who may respond to this tip: the access policy lets them see it."""
    people = policy.holders(Perm.TIPS_VIEW, tip.school, district=tip.district_id, can_see=tip)
    return list(people.order_by("display_name", "last_name", "first_name", "username"))


def _saved_replies(tip: Tip) -> list[SavedReply]:
    return list(
        SavedReply.objects.filter(district=tip.district_id).filter(
            Q(school__isnull=True) | Q(school=tip.school_id)
        )
    )


def _detail(request: SignedInRequest, tip: Tip, *, status: int = 200, **forms: Any) -> HttpResponse:
    """Render one tip (recording the read), with any bound forms that carry errors."""
    services.open_tip(request.user, tip)
    user = request.user
    people = _responders(tip)
    replies = _saved_replies(tip)
    assigned = list(tip.assignees.all())
    thread = list(tip.messages.select_related("author").prefetch_related("attachments"))
    files = list(tip.attachments.order_by("created_at", "pk"))
    related = policy.visible_to(user, Tip).filter(pk__in=tip.related.values("pk"))
    context = {
        "tip": tip,
        "status_tone": STATUS_TONE[tip.status],
        "is_open": tip.status in OPEN,
        "description": highlight(tip.description, (tip.triage or {}).get("evidence")),
        "reading": _reading(tip),
        "thread": thread,
        "files": files,
        "related": related.select_related("school"),
        "assigned": assigned,
        "message_form": forms.get("message_form")
        or StaffMessageForm(saved_replies=replies, initial={"saved_reply": ""}),
        "saved_replies": replies,
        "close_form": forms.get("close_form") or CloseForm(),
        "assign_form": forms.get("assign_form")
        or AssignForm(people=people, initial={"assignees": [str(p.pk) for p in assigned]}),
        "link_form": forms.get("link_form") or LinkForm(),
        "contact": forms.get("contact"),
        "contact_revealed": "contact" in forms,
        "may_hold": policy.has_perm(user, Perm.LEGAL_HOLD, tip.school_id or None),
        "life_reason": _life_reason(tip),
        "group": services.summary(user, tip),
        "group_message_form": forms.get("group_message_form") or GroupMessageForm(),
        "group_close_form": forms.get("group_close_form") or GroupCloseForm(prefix="group"),
        "merge_form": forms.get("merge_form") or MergeForm(prefix="merge"),
    }
    return render(request, "tips/detail.html", context, status=status)


def _life_reason(tip: Tip) -> str:
    if not tip.life_safety:
        return ""
    if tip.danger_now:
        return _("The reporter said someone is in danger right now.")
    if tip.life_safety_reason.startswith("triage"):
        return _("The triage reading found signs that harm may be imminent.")
    return _("Marked life-safety.")


@never_cache
@login_required
def detail(request: SignedInRequest, pk: int) -> HttpResponse:
    return _detail(request, _visible(request, pk))


# --- actions --------------------------------------------------------------------------------------


def _back(tip: Tip) -> HttpResponse:
    return redirect("tips:detail", pk=tip.pk)


@never_cache
@login_required
@require_POST
def acknowledge(request: SignedInRequest, pk: int) -> HttpResponse:
    tip = _visible(request, pk)
    was_new = tip.status == Status.NEW
    services.acknowledge(request.user, tip)
    if was_new:
        messages.success(request, _("Acknowledged. Escalation has stopped."))
    else:
        messages.info(request, _("This tip was already acknowledged."))
    return _back(tip)


@never_cache
@login_required
@require_POST
def triaged(request: SignedInRequest, pk: int) -> HttpResponse:
    tip = _visible(request, pk)
    services.mark_triaged(request.user, tip)
    messages.success(request, _("Marked as triaged."))
    return _back(tip)


@never_cache
@login_required
@require_POST
def close(request: SignedInRequest, pk: int) -> HttpResponse:
    tip = _visible(request, pk)
    form = CloseForm(request.POST)
    done = submit(
        request,
        form,
        lambda data: services.close(request.user, tip, data["disposition"]),
        success=_("Tip closed."),
        then=reverse("tips:detail", args=[tip.pk]),
    )
    return done or _detail(request, tip, close_form=form)


@never_cache
@login_required
@require_POST
def reopen(request: SignedInRequest, pk: int) -> HttpResponse:
    tip = _visible(request, pk)
    if tip.status != Status.CLOSED:
        messages.info(request, _("This tip is not closed."))
        return _back(tip)
    services.reopen(request.user, tip)
    messages.success(request, _("Tip reopened."))
    return _back(tip)


@never_cache
@login_required
@require_POST
def message(request: SignedInRequest, pk: int) -> HttpResponse:
    tip = _visible(request, pk)
    form = StaffMessageForm(request.POST, saved_replies=_saved_replies(tip))
    if form.is_valid():
        internal = form.cleaned_data["to"] == StaffMessageForm.TO_TEAM
        try:
            services.staff_message(
                request.user,
                tip,
                form.text(),
                internal=internal,
                signed=bool(form.cleaned_data.get("signed")),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if internal:
                messages.success(request, _("Note added. Only responders can read it."))
            else:
                messages.success(
                    request,
                    _("Sent. The reporter will see it when they come back with their receipt."),
                )
            return _back(tip)
    return _detail(request, tip, message_form=form)


@never_cache
@login_required
@require_POST
def assign(request: SignedInRequest, pk: int) -> HttpResponse:
    tip = _visible(request, pk)
    form = AssignForm(request.POST, people=_responders(tip))
    done = submit(
        request,
        form,
        lambda _data: services.assign(request.user, tip, form.chosen()),
        success=_("Assignment saved."),
        then=reverse("tips:detail", args=[tip.pk]),
    )
    return done or _detail(request, tip, assign_form=form)


@never_cache
@login_required
@require_POST
def link(request: SignedInRequest, pk: int) -> HttpResponse:
    tip = _visible(request, pk)
    form = LinkForm(request.POST)
    if form.is_valid():
        number = form.cleaned_data["other"]
        other = policy.visible_to(request.user, Tip).filter(pk=number).first()
        if other is None:
            form.add_error("other", _("There is no tip #%(n)d that you can see.") % {"n": number})
        else:
            try:
                services.link(request.user, tip, other)
            except ValidationError as error:
                add_service_errors(form, error, {"related": "other"})
            else:
                messages.success(request, _("Linked to tip #%(n)d.") % {"n": other.pk})
                return _back(tip)
    return _detail(request, tip, link_form=form)


@never_cache
@login_required
@require_POST
def reveal_contact(request: SignedInRequest, pk: int) -> HttpResponse:
    """Show a confidential reporter's name and contact once, in this answer only (audited)."""
    tip = _visible(request, pk)
    contact = services.reveal_contact(request.user, tip)
    return _detail(request, tip, contact=contact or {})


@never_cache
@login_required
@require_POST
def legal_hold(request: SignedInRequest, pk: int) -> HttpResponse:
    tip = _visible(request, pk)
    form = HoldForm(request.POST)
    hold = form.is_valid() and form.cleaned_data["hold"]
    services.set_legal_hold(request.user, tip, hold)
    if hold:
        messages.success(request, _("Legal hold placed: this tip will not be purged."))
    else:
        messages.success(request, _("Legal hold lifted."))
    return _back(tip)


@never_cache
@login_required
def download(request: SignedInRequest, pk: int, token: str) -> FileResponse:
    """The cleaned copy of an attachment (image metadata removed), always as a download: never
    rendered by the browser from Haven's origin."""
    tip = _visible(request, pk)
    item = tip.attachments.filter(token=token).first()
    if item is None:
        raise Http404
    audit.record(
        request.user,
        "view",
        item,
        detail={"tip": tip.pk, "copy": "cleaned"},
        school_id=tip.school_id,
    )
    extension = {
        "image/jpeg": "jpg",
        "image/png": "png",
        "image/gif": "gif",
        "image/webp": "webp",
        "video/mp4": "mp4",
        "video/quicktime": "mov",
        "video/webm": "webm",
        "application/pdf": "pdf",
    }.get(item.content_type, "bin")
    response = FileResponse(
        item.cleaned.open("rb"),
        as_attachment=True,
        filename=f"tip-{tip.pk}-{item.kind}-{item.pk}.{extension}",
        content_type="application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "no-store, private"
    return response


# --- the tip's group ------------------------------------------------------------------------------


@never_cache
@login_required
@require_POST
def group_acknowledge(request: SignedInRequest, pk: int) -> HttpResponse:
    """Acknowledge every new tip of the group at once (escalation stops for the group)."""
    tip = _visible(request, pk)
    count = services.acknowledge_group(request.user, tip)
    if count:
        messages.success(
            request,
            ngettext(
                "Acknowledged %(n)d tip. Escalation has stopped.",
                "Acknowledged %(n)d tips. Escalation has stopped.",
                count,
            )
            % {"n": count},
        )
    else:
        messages.info(request, _("Every tip of this group was already acknowledged."))
    return _back(tip)


@never_cache
@login_required
@require_POST
def group_message(request: SignedInRequest, pk: int) -> HttpResponse:
    """The same message to every reporter of the group, each in their own dialogue."""
    tip = _visible(request, pk)
    form = GroupMessageForm(request.POST)
    if form.is_valid():
        try:
            sent = services.message_group(
                request.user,
                tip,
                form.cleaned_data["body"],
                signed=bool(form.cleaned_data.get("signed")),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                ngettext(
                    "Sent to %(n)d reporter, in their own conversation.",
                    "Sent to %(n)d reporters, each in their own conversation.",
                    len(sent),
                )
                % {"n": len(sent)},
            )
            return _back(tip)
    return _detail(request, tip, group_message_form=form)


@never_cache
@login_required
@require_POST
def group_close(request: SignedInRequest, pk: int) -> HttpResponse:
    """Close every open tip of the group with one disposition."""
    tip = _visible(request, pk)
    form = GroupCloseForm(request.POST, prefix="group")
    done = submit(
        request,
        form,
        lambda data: services.close_group(request.user, tip, data["disposition"]),
        success=lambda count: (
            ngettext("Closed %(n)d tip.", "Closed %(n)d tips.", count) % {"n": count}
        ),
        then=reverse("tips:detail", args=[tip.pk]),
    )
    return done or _detail(request, tip, group_close_form=form)


@never_cache
@login_required
@require_POST
def group_leave(request: SignedInRequest, pk: int) -> HttpResponse:
    """Move a wrongly grouped tip out of its group (audited)."""
    tip = _visible(request, pk)
    return perform(
        request,
        lambda: services.move_out(request.user, tip),
        success=_("Moved out: this tip is now a group of its own."),
        then=reverse("tips:detail", args=[tip.pk]),
    )


@never_cache
@login_required
@require_POST
def group_merge(request: SignedInRequest, pk: int) -> HttpResponse:
    """Put another tip's group into this tip's group (audited)."""
    tip = _visible(request, pk)
    form = MergeForm(request.POST, prefix="merge")
    if form.is_valid():
        number = form.cleaned_data["other"]
        other = policy.visible_to(request.user, Tip).filter(pk=number).first()
        if other is None:
            form.add_error("other", _("There is no tip #%(n)d that you can see.") % {"n": number})
        else:
            try:
                count = services.merge(request.user, tip, other)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request,
                    ngettext("%(n)d tip joined this group.", "%(n)d tips joined this group.", count)
                    % {"n": count},
                )
                return _back(tip)
    return _detail(request, tip, merge_form=form)
