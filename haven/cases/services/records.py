"""Notes in compartments, published summaries, break-glass, team chat, tasks and documents."""

from __future__ import annotations

import io
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import filetype
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.access import policy
from haven.access import services as access
from haven.access.models import BreakGlassGrant, Compartment
from haven.audit import services as audit
from haven.cases.models import Case, Document, Message, Note, Task
from haven.cases.services._common import (
    audit_read,
    clean_text,
    notify_users,
    record,
    require_case,
    require_readable,
    require_writable,
)

if TYPE_CHECKING:
    from haven.accounts.models import User

MAX_NOTE = 20_000
MAX_MESSAGE = 4_000
MAX_TASK = 500
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
MAX_NAME = 200
#: Detected type -> what it is stored as. Anything else is refused.
DOCUMENT_TYPES = {
    "application/pdf": "pdf",
    "image/jpeg": "image",
    "image/png": "image",
    "image/webp": "image",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "text/plain": "text",
}


@dataclass(frozen=True)
class CompartmentAccess:
    compartment: Compartment
    readable: bool
    writable: bool
    #: When the user's break-glass grant into it ends (None: no grant in force).
    grant_until: datetime | None
    may_break_glass: bool


def compartment_access(user: User, case: Case) -> list[CompartmentAccess]:
    """For each compartment: may ``user`` read it, write it, and until when a grant holds."""
    return access_rows(user, require_case(user, case))


def access_rows(user: User, case: Case) -> list[CompartmentAccess]:
    """:func:`compartment_access` for a case already found visible to ``user``."""
    readable = policy.case_compartments(user, case)
    rows = []
    for part in Compartment:
        grant = None
        if part != Compartment.TEAM and not policy.owns_compartment(user, case, part):
            grant = policy.active_grant(user, case, part)
        rows.append(
            CompartmentAccess(
                compartment=part,
                readable=part in readable,
                writable=policy.can_write_compartment(user, case, part),
                grant_until=grant.expires_at if grant else None,
                may_break_glass=policy.may_break_glass_into_case(user, case, part),
            )
        )
    return rows


# --- notes ----------------------------------------------------------------------------------------


def notes(user: User, case: Case, part: str) -> list[Note]:
    """The notes of one compartment (404 if ``user`` may not read it, whether or not it has
    any), audited as a read of that compartment."""
    case = require_case(user, case)
    chosen = require_readable(user, case, part)
    rows = list(
        Note.objects.filter(case=case, compartment=chosen).select_related("author", "source_note")
    )
    audit_read(user, case, part=chosen, what="notes")
    return rows


def add_note(user: User, case: Case, part: str, body: str) -> Note:
    """Write a note in a compartment the user may write in (a compartment's owners; anyone who
    sees the case for the team record)."""
    case = require_case(user, case)
    chosen = require_writable(user, case, part)
    body = clean_text(body, "text", limit=MAX_NOTE)
    with transaction.atomic():
        note = Note.objects.create(case=case, compartment=chosen, author=user, body=body)
        record(
            user,
            case,
            action="create",
            kind="note",
            obj=note,
            part=chosen,
            text=_("%(compartment)s note added") % {"compartment": chosen.label},
        )
    return note


def publish_summary(user: User, note: Note, body: str) -> Note:
    """The owner of a clinical or law-enforcement note publishes a summary of it (minimum
    necessary) into the team record, linked to its source."""
    case = require_case(user, note.case_id)
    require_readable(user, case, note.compartment)
    if not policy.may_publish_summary(user, case, note.compartment):
        raise PermissionDenied(_("Only the owners of a record publish summaries of it."))
    body = clean_text(body, "text", limit=MAX_NOTE)
    with transaction.atomic():
        summary = Note.objects.create(
            case=case,
            compartment=Compartment.TEAM,
            kind=Note.Kind.SUMMARY,
            author=user,
            body=body,
            source_note=note,
        )
        record(
            user,
            case,
            action="create",
            kind="summary",
            obj=summary,
            text=_("Summary of a %(compartment)s note published to the team record")
            % {"compartment": Compartment(note.compartment).label},
            detail={"source_note": note.pk, "source_compartment": note.compartment},
        )
    return summary


def break_glass(user: User, case: Case, part: str, reason: str) -> BreakGlassGrant:
    """Open a compartment the user does not own, at once, in a health or safety emergency: the
    reason (the articulable threat) is required; the grant lasts ``HAVEN_CASE_BREAK_GLASS_HOURS``,
    is logged as a FERPA emergency disclosure and told to the compartment's owners and the
    auditors (by :func:`haven.access.services.break_glass`)."""
    case = require_case(user, case)
    chosen = Compartment(part) if part in Compartment.values else part
    if chosen in Compartment.values and not policy.may_break_glass_into_case(user, case, chosen):
        if chosen in policy.case_compartments(user, case):
            raise PermissionDenied(_("You can already open this record."))
        raise PermissionDenied(_("Only the school's threat-assessment team may break glass."))
    hours = settings.HAVEN_CASE_BREAK_GLASS_HOURS
    with transaction.atomic():
        grant = access.break_glass(user, case, chosen, reason, minutes=hours * 60)
        until = timezone.localtime(grant.expires_at)
        record(
            user,
            case,
            action="update",
            kind="break_glass",
            obj=grant,
            text=_(
                "Emergency disclosure (health or safety emergency): the %(compartment)s record "
                "opened to %(user)s until %(until)s"
            )
            % {
                "compartment": Compartment(chosen).label,
                "user": getattr(user, "label", user.get_username()),
                "until": until.strftime("%Y-%m-%d %H:%M"),
            },
            detail={"grant": grant.pk, "expires_at": grant.expires_at.isoformat()},
            reason=grant.reason,
        )
    return grant


# --- team chat ------------------------------------------------------------------------------------


def messages(user: User, case: Case, *, limit: int = 200) -> list[Message]:
    case = require_case(user, case)
    rows = list(
        Message.objects.filter(case=case)
        .select_related("author")
        .order_by("-created_at", "-pk")[: max(1, min(limit, 1000))]
    )
    audit_read(user, case, what="messages")
    return rows[::-1]


def post_message(user: User, case: Case, body: str) -> Message:
    case = require_case(user, case)
    body = clean_text(body, "text", limit=MAX_MESSAGE)
    with transaction.atomic():
        message = Message.objects.create(case=case, author=user, body=body)
        audit.record(
            user,
            "create",
            message,
            compartment=Compartment.TEAM,
            detail={"case": case.pk},
            school_id=case.school_id,
        )
        Case.objects.filter(pk=case.pk).update(updated_at=message.created_at)
    return message


# --- tasks ----------------------------------------------------------------------------------------


def _team_user(case: Case, person: User | None, field: str) -> User | None:
    if person is not None and not policy.can_see_case(person, case):
        raise ValidationError({field: _("This person cannot see the case.")})
    return person


def tasks(user: User, case: Case) -> list[Task]:
    case = require_case(user, case)
    rows = list(Task.objects.filter(case=case).select_related("assignee"))
    audit_read(user, case, what="tasks")
    return rows


def add_task(
    user: User, case: Case, *, title: str, assignee: User | None = None, due_on: date | None = None
) -> Task:
    case = require_case(user, case)
    title = clean_text(title, "title", limit=MAX_TASK)
    assignee = _team_user(case, assignee, "assignee")
    with transaction.atomic():
        task = Task.objects.create(
            case=case, title=title, assignee=assignee, due_on=due_on, created_by=user
        )
        record(user, case, action="create", kind="task", obj=task, text=_("Task added"))
        if assignee is not None and assignee.pk != user.pk:
            notify_users(
                [assignee],
                case,
                kind="case_task",
                title=_("A task on case #%(n)d is yours") % {"n": case.pk},
            )
    return task


def complete_task(user: User, task: Task) -> Task:
    case = require_case(user, task.case_id)
    if task.done_at is not None:
        raise ValidationError({"task": _("The task is already done.")})
    with transaction.atomic():
        task.done_at, task.done_by = timezone.now(), user
        task.save(update_fields=["done_at", "done_by"])
        record(user, case, action="update", kind="task_done", obj=task, text=_("Task done"))
    return task


# --- documents ------------------------------------------------------------------------------------


def _detect(data: bytes) -> str:
    kind = filetype.guess(data)
    if kind is not None:
        return str(kind.mime)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return ""
    return "text/plain" if "\x00" not in text else ""


_IMAGE_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
MAX_PIXELS = 40_000_000


def _without_metadata(data: bytes, mime: str) -> bytes:
    """Re-encode the pixels alone, so that EXIF (with GPS), XMP and comments are dropped."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > MAX_PIXELS:
                raise ValidationError({"file": _("The picture is too large.")})
            image.load()
            upright = ImageOps.exif_transpose(image)  # keep the picture the right way up
            clean = Image.frombytes(upright.mode, upright.size, upright.tobytes())
            palette = upright.getpalette() if upright.mode == "P" else None
            if palette:
                clean.putpalette(palette)
            fmt = _IMAGE_FORMATS[mime]
            if fmt == "JPEG" and clean.mode not in ("RGB", "L"):
                clean = clean.convert("RGB")
            out = io.BytesIO()
            clean.save(out, format=fmt)
            return out.getvalue()
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
    ) as exc:
        raise ValidationError({"file": _("The picture could not be read.")}) from exc


def add_document(user: User, case: Case, part: str, upload: Any) -> Document:
    """Store a file in a compartment (encrypted at rest; 10 MB at most; PDF, images, Word, text).
    Image metadata (EXIF, GPS) is stripped, except from law-enforcement evidence, which is kept as
    it was received."""
    case = require_case(user, case)
    chosen = require_writable(user, case, part)
    size = getattr(upload, "size", None) or 0
    if size > MAX_DOCUMENT_BYTES:
        raise ValidationError({"file": _("The file is larger than 10 MB.")})
    data = upload.read(MAX_DOCUMENT_BYTES + 1)
    if not data:
        raise ValidationError({"file": _("The file is empty.")})
    if len(data) > MAX_DOCUMENT_BYTES:
        raise ValidationError({"file": _("The file is larger than 10 MB.")})
    mime = _detect(data)
    if mime not in DOCUMENT_TYPES:
        raise ValidationError({"file": _("Upload a PDF, an image, a Word document or text.")})
    if DOCUMENT_TYPES[mime] == "image" and chosen != Compartment.LAW_ENFORCEMENT:
        data = _without_metadata(data, mime)
    name = clean_text(
        str(getattr(upload, "name", "") or "document").rsplit("/", 1)[-1], "name", limit=MAX_NAME
    )
    with transaction.atomic():
        document = Document(
            case=case,
            compartment=chosen,
            token=secrets.token_hex(16),
            name=name,
            content_type=mime,
            size=len(data),
            uploaded_by=user,
        )
        document.file.save(document.token, ContentFile(data), save=False)
        try:
            document.save()
            record(
                user,
                case,
                action="create",
                kind="document",
                obj=document,
                part=chosen,
                text=_("Document added to the %(compartment)s record")
                % {"compartment": chosen.label},
                detail={"content_type": mime, "size": len(data)},
            )
        except Exception:
            document.file.delete(save=False)  # nothing half-written
            raise
    return document


def documents(user: User, case: Case, part: str) -> list[Document]:
    case = require_case(user, case)
    chosen = require_readable(user, case, part)
    rows = list(
        Document.objects.filter(case=case, compartment=chosen).select_related("uploaded_by")
    )
    audit_read(user, case, part=chosen, what="documents")
    return rows


def open_document(user: User, case: Case, document_id: int) -> tuple[Document, bytes]:
    """The document and its content, if ``user`` may read its compartment now; audited. Serve it
    as an attachment, never inline."""
    case = require_case(user, case)
    document = Document.objects.filter(case=case, pk=document_id).first()
    if document is None:
        raise Http404
    require_readable(user, case, document.compartment)
    with document.file.open("rb") as handle:
        data = handle.read()
    audit.record(
        user,
        "view",
        document,
        compartment=document.compartment,
        detail={"case": case.pk},
        school_id=case.school_id,
    )
    return document, data
