"""``haven audit verify``: prove the audit log has not been edited.

Walks the whole chain (streaming) and exits 0 with ``audit log intact: N events, head DIGEST`` (and
how many events were chained before they recorded their district, if any), or exits 1 naming the
first bad event and what is wrong with it. ``--json`` prints one JSON object
instead. Record the head it prints somewhere outside the database, and pass it back later with
``--anchor SEQ:DIGEST`` (repeatable): that also catches events cut from the end of the log together
with the chain head (see :mod:`haven.audit.services`).
"""

from __future__ import annotations

import json
import re
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from haven.audit import services

_ANCHOR = re.compile(r"^(\d+):([0-9a-f]{64})$")
_MAX_LISTED = 100


def _anchor(text: str) -> tuple[int, str]:
    match = _ANCHOR.match(text.strip().lower())
    if not match:
        raise CommandError(
            f"--anchor {text!r}: expected SEQ:DIGEST, e.g. 1234:<64 hex digits> "
            "(as `haven audit verify --json` prints)"
        )
    return int(match[1]), match[2]


class Command(BaseCommand):
    help = "Audit log tools. `verify` checks the hash chain and exits 1 if it was tampered with."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="verify")
        check = sub.add_parser(
            "verify", help="walk the hash chain; exit 1 naming the first bad event"
        )
        check.add_argument("--json", action="store_true", help="print one JSON object")
        check.add_argument(
            "--anchor",
            action="append",
            default=[],
            metavar="SEQ:DIGEST",
            help="fail unless event SEQ has DIGEST (a head recorded earlier); repeatable",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == "verify":
            self.verify(options)

    def verify(self, options: dict[str, Any]) -> None:
        anchors = dict(_anchor(text) for text in options["anchor"])
        walk = services.verify(anchors=anchors)
        breaks: list[services.Break] = []
        total = 0
        for found in walk:
            total += 1
            if len(breaks) < _MAX_LISTED:
                breaks.append(found)
        hint = ""
        if total and total >= walk.events and all("altered" in b.problem for b in breaks):
            hint = (
                "every event fails its check: is HAVEN_AUDIT_KEY the key the log was written with?"
            )
        if options["json"]:
            report: dict[str, Any] = {
                "intact": not total,
                "events": walk.events,
                "head": {"seq": walk.head_seq, "digest": walk.head_digest},
                "problems": total,
                "unchained_districts": walk.unchained_districts,
                "first_break": _as_dict(breaks[0]) if breaks else None,
                "breaks": [_as_dict(b) for b in breaks],
            }
            if hint:
                report["hint"] = hint
            self.stdout.write(json.dumps(report))
        elif not total:
            self.stdout.write(f"audit log intact: {walk.events} events, head {walk.head_digest}")
            if walk.unchained_districts:
                self.stdout.write(
                    f"{walk.unchained_districts} events were written before events recorded "
                    "their district: the district filled in later is not covered by the chain"
                )
        else:
            first = breaks[0]
            more = f" ({total} problems in all)" if total > 1 else ""
            self.stderr.write(f"audit log BROKEN at event #{first.seq}: {first.problem}{more}")
            if hint:
                self.stderr.write(hint)
        if total:
            sys.exit(1)


def _as_dict(found: services.Break) -> dict[str, Any]:
    return {"seq": found.seq, "problem": found.problem}
