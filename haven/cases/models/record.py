"""What the team writes on a case: notes (in a compartment), team chat, tasks and documents."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from haven.access.models import Compartment
from haven.cases.models.case import Case
from haven.core.fields import EncryptedTextField
from haven.core.storage import EncryptedFileSystemStorage


class Note(models.Model):
    class Kind(models.TextChoices):
        NOTE = "note", _("Note")
        SUMMARY = "summary", _("Published summary")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    compartment = models.CharField(max_length=30, choices=Compartment.choices)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.NOTE)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    body = EncryptedTextField()
    #: For a published summary: the note of the owner's compartment it summarises.
    source_note = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="summaries"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["case", "compartment", "created_at"])]

    def __str__(self) -> str:
        return f"{self.compartment} note #{self.pk} on case #{self.case_id}"


class Message(models.Model):
    """Team chat: messages among the case's team, in the team record."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    body = EncryptedTextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["case", "created_at"])]

    def __str__(self) -> str:
        return f"message #{self.pk} on case #{self.case_id}"


class Task(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="tasks")
    title = EncryptedTextField()
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="case_tasks",
    )
    due_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reminded_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["done_at", "due_on", "pk"]
        indexes = [models.Index(fields=["due_on", "done_at"])]

    def __str__(self) -> str:
        return f"task #{self.pk} on case #{self.case_id}"


def _document_path(instance: Document, filename: str) -> str:
    # Never the uploaded file's name on disk: it is kept (encrypted) in the row.
    return f"cases/{instance.case_id}/{instance.token}"


class Document(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="documents")
    compartment = models.CharField(max_length=30, choices=Compartment.choices)
    token = models.CharField(max_length=32, unique=True)
    file = models.FileField(
        storage=EncryptedFileSystemStorage, upload_to=_document_path, max_length=200
    )
    name = EncryptedTextField()
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return f"document #{self.pk} on case #{self.case_id}"
