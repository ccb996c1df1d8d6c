"""Users, the roles they hold per school (or district-wide), and API tokens."""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import DatabaseError, models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from haven.core.busy import short_lock_wait

log = logging.getLogger(__name__)

# A token's last use is written at most this often (each write would otherwise be one per request).
TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)


class Role(models.TextChoices):
    DISTRICT_ADMIN = "district_admin", _("District administrator")
    SCHOOL_ADMIN = "school_admin", _("School administrator")
    COUNSELOR = "counselor", _("Counsellor")
    SRO = "sro", _("School resource officer")
    SAFETY_TEAM = "safety_team", _("Safety team member")
    STAFF = "staff", _("Staff")
    FRONT_DESK = "front_desk", _("Front desk")
    VOLUNTEER_COORDINATOR = "volunteer_coordinator", _("Volunteer coordinator")
    AUDITOR = "auditor", _("Auditor")


def role_label(value: str) -> str:
    """A role's name as people read it (in the active language), or the value if unknown."""
    return str(Role(value).label) if value in Role.values else value


def role_rank(value: str) -> int:
    """Where a role sorts in lists and tables: the order of :class:`Role`, unknown roles last."""
    return Role.values.index(value) if value in Role.values else len(Role.values)


class User(AbstractUser):
    display_name = models.CharField(max_length=150, blank=True)
    is_demo = models.BooleanField(
        default=False,
        help_text=_("A demo sign-in; may skip the second factor in development only."),
    )
    preferred_language = models.CharField(max_length=10, blank=True, choices=settings.LANGUAGES)

    @property
    def label(self) -> str:
        return self.display_name or self.get_full_name() or self.username


class RoleAssignment(models.Model):
    """A role held at one school, or across the district when ``school`` is empty."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(max_length=30, choices=Role.choices)
    district = models.ForeignKey("core.District", on_delete=models.CASCADE, related_name="+")
    school = models.ForeignKey(
        "core.School",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="role_assignments",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "school"], name="unique_role_per_school"
            ),
            models.UniqueConstraint(
                fields=["user", "role"],
                condition=models.Q(school__isnull=True),
                name="unique_district_role",
            ),
        ]

    def __str__(self) -> str:
        where = self.school.slug if self.school_id else "district"  # type: ignore[union-attr]
        return f"{self.user} {self.role} @ {where}"


def _token_digest(secret: str) -> str:
    # API tokens carry 256 bits of randomness: a fast hash is safe and lets us look them up.
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def usable(self) -> ApiTokenQuerySet:
        return self.filter(
            revoked_at__isnull=True, expires_at__gt=timezone.now(), user__is_active=True
        )


class ApiToken(models.Model):
    """A bearer token for ``/api/v1/``. Only the SHA-256 digest is stored."""

    PREFIX = "hvn_"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True)
    digest = models.CharField(max_length=64, unique=True)
    hint = models.CharField(max_length=12)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    def __str__(self) -> str:
        return f"{self.hint}… ({self.user})"

    @classmethod
    def issue(cls, user: User, name: str = "", days: int | None = None) -> tuple[ApiToken, str]:
        """Create a token; returns it with the plaintext, which is shown once and never stored."""
        secret = cls.PREFIX + secrets.token_urlsafe(32)
        lifetime = timedelta(days=days if days is not None else settings.HAVEN_API_TOKEN_DAYS)
        token = cls.objects.create(
            user=user,
            name=name,
            digest=_token_digest(secret),
            hint=secret[:8],
            expires_at=timezone.now() + lifetime,
        )
        return token, secret

    @classmethod
    def authenticate(cls, secret: str) -> ApiToken | None:
        if not secret.startswith(cls.PREFIX) or len(secret) > 200:
            return None
        token = (
            cls.objects.usable().select_related("user").filter(digest=_token_digest(secret)).first()
        )
        if token is not None:
            token.touch()
        return token

    def touch(self) -> None:
        """Record when the token was used, at most once a minute, and never at the cost of the
        request: a database busy or locked (another writer holding it) waits a second at most,
        then the request goes on without the write."""
        now = timezone.now()
        if self.last_used_at is not None and now - self.last_used_at < TOKEN_TOUCH_INTERVAL:
            return
        stale = Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - TOKEN_TOUCH_INTERVAL)
        try:
            with short_lock_wait():
                ApiToken.objects.filter(stale, pk=self.pk).update(last_used_at=now)
        except DatabaseError as exc:
            log.warning("could not record the use of API token %s…: %s", self.hint, exc)
            return
        self.last_used_at = now


class EnrolmentCodeQuerySet(models.QuerySet["EnrolmentCode"]):
    def usable(self) -> EnrolmentCodeQuerySet:
        return self.filter(
            used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        )


class EnrolmentCode(models.Model):
    """A one-time code, issued by a district administrator (or ``haven enrol-code``), without which
    a person whose roles require a second factor cannot set one up: a password alone must not be
    enough to enrol an authenticator. Only a keyed hash is stored (:mod:`haven.accounts.codes`);
    a code expires, is used once, and a newer code or a reset revokes it."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="enrolment_codes")
    digest = models.CharField(max_length=64, unique=True)
    issued_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty when issued on the command line."),
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = EnrolmentCodeQuerySet.as_manager()

    def __str__(self) -> str:
        return f"enrolment code for {self.user} (expires {self.expires_at:%Y-%m-%d %H:%M})"
