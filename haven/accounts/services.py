"""Account services: API tokens (issue, revoke), each audited."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from haven.accounts.models import ApiToken, User
from haven.audit import services as audit


class AccountError(Exception):
    """A clear, user-facing reason an account operation was refused."""


def create_token(
    username: str, *, name: str = "", days: int | None = None, actor: Any = None
) -> str:
    """Issue an API token for ``username``; returns the plaintext (shown once, never stored)."""
    user = User.objects.filter(username=username).first()
    if user is None:
        raise AccountError(f"no user named {username!r}")
    if not user.is_active:
        raise AccountError(f"user {username!r} is deactivated")
    if days is not None and not 1 <= days <= 3650:
        raise AccountError("--days must be between 1 and 3650")
    with transaction.atomic():
        token, secret = ApiToken.issue(user, name=name, days=days)
        audit.record(actor, "token_created", token, detail={"user": user.pk, "hint": token.hint})
    return secret


def revoke_token(hint: str, *, actor: Any = None) -> int:
    """Revoke every usable token whose visible prefix is ``hint``; returns how many."""
    with transaction.atomic():
        tokens = list(ApiToken.objects.usable().filter(hint=hint))
        for token in tokens:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            audit.record(
                actor, "token_revoked", token, detail={"user": token.user_id, "hint": hint}
            )
    return len(tokens)
