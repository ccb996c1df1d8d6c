"""``haven keys``: the encryption keys of data at rest (see :mod:`haven.core.crypto`).

* ``haven keys generate`` prints a new key (``--pepper``: a new pepper for ``HAVEN_PEPPERS``).
* ``haven keys rotate`` re-encrypts every encrypted field value (found in the installed models) and
  every file of the encrypted storages with the primary (first) key, in batches, one transaction
  per batch; values already under the primary key are left alone, so it can be run again safely.
  It also re-hashes every blind index made with a pepper other than the newest (after a new pepper
  was put first in ``HAVEN_PEPPERS``).
  Production: put the new key first in ``HAVEN_ENCRYPTION_KEYS``, restart, run
  ``haven keys rotate``, then remove the old key. Development (no ``HAVEN_ENCRYPTION_KEYS``):
  ``--new-key`` puts a new key in front of the data directory's key file first, and ``--drop-old``
  removes the old keys after a rotation that left nothing unreadable.
* ``haven keys check`` reports what a rotation would do and what no key can open, changing nothing,
  and how many receipts each pepper salted (an old pepper can go when none is left: SECURITY.md).
"""

from __future__ import annotations

import secrets
from collections import Counter
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from haven.audit import services as audit
from haven.core import crypto, fields, storage
from haven.core.fields import Rotation

_LISTED = 10


class Command(BaseCommand):
    help = "Encryption keys: generate a key, rotate stored data onto the primary key, check."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        sub = parser.add_subparsers(
            dest="subcommand", required=True, metavar="generate|rotate|check"
        )
        generate = sub.add_parser("generate", help="print a new Fernet key")
        generate.add_argument(
            "--pepper", action="store_true", help="print a new pepper (for HAVEN_PEPPERS) instead"
        )
        rotate = sub.add_parser("rotate", help="re-encrypt everything stored with the primary key")
        rotate.add_argument(
            "--new-key",
            action="store_true",
            help="development: first put a new key in front of the data directory's key file",
        )
        rotate.add_argument(
            "--drop-old",
            action="store_true",
            help="development: afterwards keep only the primary key in the key file",
        )
        rotate.add_argument("--batch-size", type=int, default=500, help="rows per transaction")
        check = sub.add_parser("check", help="count what rotate would change; change nothing")
        check.add_argument("--batch-size", type=int, default=500, help="rows per read")

    def handle(self, *args: Any, **options: Any) -> None:
        self.verbosity = options["verbosity"]
        try:
            if options["subcommand"] == "generate":
                new = secrets.token_hex(32) if options["pepper"] else crypto.generate_key()
                self.stdout.write(new)
            elif options["subcommand"] == "rotate":
                self.rotate(options, dry_run=False)
            else:
                self.rotate(options, dry_run=True)
        except crypto.KeyConfigError as exc:
            raise CommandError(str(exc)) from None

    def rotate(self, options: dict[str, Any], *, dry_run: bool) -> None:
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1")
        if options.get("new_key"):
            new = crypto.add_dev_key()
            self.stdout.write(
                f"added key {crypto.key_id(new)} in front of the development key file"
            )
        keys = crypto.keys()
        crypto.fernet()  # a malformed key fails here, before anything is read
        primary = crypto.key_id(keys[0])
        verb = "would re-encrypt" if dry_run else "re-encrypted"

        field_results = fields.rotate_fields(batch_size=options["batch_size"], dry_run=dry_run)
        for result in field_results:
            self._report(result, verb, "values")
        file_results = [
            storage.rotate_files(location, dry_run=dry_run)
            for location in storage.encrypted_locations()
            if location.is_dir()
        ]
        for result in file_results:
            self._report(result, verb, "files")
        verb_index = "would re-hash" if dry_run else "re-hashed"
        index_results = [
            fields.reindex_field(model, index, batch_size=options["batch_size"], dry_run=dry_run)
            for model, index in fields.blind_index_fields()
        ]
        for result in index_results:
            self._report(result, verb_index, "blind index values")

        values, files = _totals(field_results), _totals(file_results)
        self.stdout.write(
            f"{verb} {values['rotated']} values in {len(field_results)} encrypted fields "
            f"({values['current']} already current) and {files['rotated']} files "
            f"({files['current']} already current) with key {primary} "
            f"(1 of {len(keys)} configured)"
        )
        indexes = _totals(index_results)
        self.stdout.write(
            f"{verb_index} {indexes['rotated']} blind index values in {len(index_results)} "
            f"indexes ({indexes['current']} already current) with pepper "
            f"{crypto.pepper_id(crypto.peppers()[0])}"
        )
        if dry_run:
            self._report_peppers()
        if not dry_run:
            audit.record(
                None,
                "key_rotation",
                detail={
                    "primary_key_id": primary,
                    "keys_configured": len(keys),
                    "fields": [r.label for r in field_results],
                    "values": values,
                    "files": files,
                    "blind_indexes": indexes,
                },
            )
        unreadable = [r for r in (*field_results, *file_results, *index_results) if r.unreadable]
        if unreadable:
            for result in unreadable:
                shown = ", ".join(result.unreadable[:_LISTED])
                more = "…" if len(result.unreadable) > _LISTED else ""
                self.stderr.write(
                    f"{result.label}: {len(result.unreadable)} cannot be decrypted with any "
                    f"configured key ({shown}{more})"
                )
            raise CommandError(
                "some stored data cannot be decrypted with any configured key: was the key it was "
                "written with removed too early? Put that key back (after the primary) and run "
                "`haven keys rotate` again; the old keys were kept",
                returncode=1,
            )
        if options.get("drop_old") and not dry_run:
            dropped = crypto.drop_old_dev_keys()
            self.stdout.write(f"removed {dropped} old key(s) from the development key file")

    def _report_peppers(self) -> None:
        """How many receipts each pepper salted: a pepper may be removed from HAVEN_PEPPERS once
        no receipt needs it (a tip re-digests onto the newest when its reporter comes back)."""
        configured = [crypto.pepper_id(p) for p in crypto.peppers()]
        for noun, count_by_pepper in crypto.PEPPERED.items():
            counts = Counter(count_by_pepper())
            for position, pepper in enumerate(configured, start=1):
                self.stdout.write(f"pepper #{position} ({pepper}): {counts.pop(pepper, 0)} {noun}")
            for pepper, count in sorted(counts.items()):
                legacy = pepper == crypto.LEGACY
                what = "the audit key, before peppers" if legacy else "not in HAVEN_PEPPERS"
                self.stdout.write(f"{pepper} ({what}): {count} {noun}")

    def _report(self, result: Rotation, verb: str, noun: str) -> None:
        if self.verbosity >= 1 and result.seen:
            self.stdout.write(
                f"  {result.label}: {verb} {result.rotated} {noun}, {result.current} already "
                f"current, {len(result.unreadable)} unreadable"
            )


def _totals(results: list[Rotation]) -> dict[str, int]:
    return {
        "rotated": sum(r.rotated for r in results),
        "current": sum(r.current for r in results),
        "unreadable": sum(len(r.unreadable) for r in results),
    }
