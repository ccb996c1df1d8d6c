"""The audit log: an append-only, hash-chained record of every read and write of sensitive records.

Each event's ``digest`` is an HMAC (keyed by ``HAVEN_AUDIT_KEY``) over the previous event's digest
and this event's canonical content, so editing, deleting or reordering any event breaks the chain
from that point on, and someone with only database access cannot recompute it. Database triggers
(migration 0002, :mod:`haven.audit.triggers`) refuse UPDATE, DELETE and TRUNCATE on the table, and
moving the chain head backwards, as a first line of defence. ``haven audit verify`` checks it all;
see :mod:`haven.audit.services` for what it can and cannot catch.

The ``reason`` (a break-glass reason, why a step was reopened) is encrypted at rest; the digest
covers its plain text, so rotating the encryption keys leaves the chain intact. Rotation must
rewrite the column, so it lifts the triggers for each batch it writes, in the same transaction
(:meth:`AuditEvent.rewriting_encrypted_values`). An event without a reason stores NULL.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from haven.core.fields import EncryptedTextField


class AuditEvent(models.Model):
    class Action(models.TextChoices):
        VIEW = "view", _("Viewed")
        LIST = "list", _("Listed")
        CREATE = "create", _("Created")
        UPDATE = "update", _("Changed")
        DELETE = "delete", _("Deleted")
        EXPORT = "export", _("Exported")
        SIGN_IN = "sign_in", _("Signed in")
        SIGN_IN_FAILED = "sign_in_failed", _("Failed sign-in")
        SIGN_OUT = "sign_out", _("Signed out")
        LOCKED_OUT = "locked_out", _("Locked out")
        TOKEN_CREATED = "token_created", _("API token created")
        TOKEN_REVOKED = "token_revoked", _("API token revoked")
        SECOND_FACTOR_ENROLLED = "second_factor_enrolled", _("Second factor set up")
        BREAK_GLASS = "break_glass", _("Emergency access")
        IMPORT = "import", _("Imported")
        KEY_ROTATION = "key_rotation", _("Keys rotated")

    seq = models.PositiveBigIntegerField(unique=True)
    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=30, choices=Action.choices)
    object_type = models.CharField(max_length=100, blank=True, db_index=True)
    object_id = models.CharField(max_length=64, blank=True, db_index=True)
    compartment = models.CharField(max_length=30, blank=True)
    school_id = models.BigIntegerField(null=True, blank=True)
    # The district the event belongs to: who may read it (auditors and district administrators
    # read their own district's events only). Chained from migration 0005 on; see services.
    district_id = models.BigIntegerField(null=True, blank=True)
    #: Why (where a reason was asked), encrypted; NULL when none was given.
    reason = EncryptedTextField(null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    prev_digest = models.CharField(max_length=64)
    digest = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["seq"]
        indexes = [
            models.Index(fields=["object_type", "object_id", "seq"]),
            models.Index(fields=["district_id", "seq"], name="audit_event_district_seq"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.actor_label} {self.action} {self.object_type}:{self.object_id}"

    @staticmethod
    @contextmanager
    def rewriting_encrypted_values(connection: Any) -> Iterator[None]:
        """Lift the append-only triggers while ``haven keys rotate`` re-encrypts reasons, and put
        them back before the caller's transaction commits (no other writer sees the table without
        them). The chain covers the plain text, so re-encryption leaves every digest valid."""
        from haven.audit import triggers

        triggers.remove(connection)
        yield
        # Not in a ``finally``: after an error the transaction rolls back, and with it the
        # removal (both databases undo DDL in a transaction).
        triggers.install(connection)


class ChainHead(models.Model):
    """One row: the last event's sequence number and digest. Appends lock it to stay in order."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.PositiveBigIntegerField(default=0)
    digest = models.CharField(max_length=64, default="0" * 64)

    def __str__(self) -> str:
        return f"head #{self.seq}"
