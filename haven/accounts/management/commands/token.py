"""``haven token create USERNAME`` prints a token for ``Authorization: Bearer <token>``."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from haven.accounts.models import ApiToken
from haven.accounts.services import AccountError, create_token, revoke_token


class Command(BaseCommand):
    help = "Create, list or revoke API tokens."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="print a new token for USERNAME (shown once)")
        create.add_argument("username")
        create.add_argument("--name", default="", help="what the token is for")
        create.add_argument("--days", type=int, default=None, help="lifetime in days")
        listing = sub.add_parser("list", help="list a user's usable tokens (prefixes only)")
        listing.add_argument("username")
        revoke = sub.add_parser("revoke", help="revoke tokens by their visible prefix")
        revoke.add_argument("hint")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        try:
            if options["action"] == "create":
                self.stdout.write(
                    create_token(options["username"], name=options["name"], days=options["days"])
                )
            elif options["action"] == "list":
                now = timezone.now()
                tokens = ApiToken.objects.usable().filter(user__username=options["username"])
                for token in tokens.order_by("created_at"):
                    left = (token.expires_at - now).days
                    self.stdout.write(f"{token.hint}…  {token.name or '-'}  expires in {left} days")
            else:
                count = revoke_token(options["hint"])
                if not count:
                    raise CommandError(f"no usable token starts with {options['hint']!r}")
                self.stdout.write(f"revoked {count} token(s)")
        except AccountError as exc:
            raise CommandError(str(exc)) from exc
