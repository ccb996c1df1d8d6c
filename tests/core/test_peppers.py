"""The peppers (``HAVEN_PEPPERS``): the keyed hashes that find a tip by its receipt, a volunteer by
their sign-up code and a duplicate signal are keyed by them, never by the audit key; a new pepper
can be put in front without losing what the older ones (or the audit key, before peppers existed)
hashed."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from haven.audit.models import AuditEvent
from haven.core import crypto
from haven.tips import receipts
from haven.tips.models import Tip
from haven.tips.services import find_by_receipt
from haven.tips.services.submission import TipInput, submit
from haven.triage.services import signals
from haven.volunteers import links
from tests.volunteers.world import eligible

pytestmark = pytest.mark.django_db

OLD, NEW = "o" * 64, "n" * 64


def legacy_receipt_digest(receipt: str, audit_key: str) -> str:
    """How a receipt was digested before the peppers: scrypt salted from the audit key."""
    salt = hmac.new(audit_key.encode(), b"haven-receipt-salt", hashlib.sha256).digest()
    digits = receipts.normalise(receipt)
    assert digits is not None
    return hashlib.scrypt(digits.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32).hex()


def a_tip(district) -> tuple[Tip, str]:  # type: ignore[no-untyped-def]
    text = "They push him every day at lunch."
    return submit(TipInput(category="bullying", description=text), district)


def test_a_receipt_is_keyed_by_the_newest_pepper_not_by_the_audit_key(settings, district):
    settings.PEPPERS = [NEW, OLD]
    tip, receipt = a_tip(district)
    assert tip.receipt_pepper == crypto.pepper_id(NEW)
    assert tip.receipt_digest != legacy_receipt_digest(receipt, settings.AUDIT_KEY)
    settings.AUDIT_KEY = "another-audit-key-0123456789abcdefghij"  # the audit key keys no receipt
    assert find_by_receipt(receipt) == tip


def test_a_receipt_under_an_older_pepper_is_found_and_moved_to_the_newest(settings, district):
    settings.PEPPERS = [OLD]
    tip, receipt = a_tip(district)
    settings.PEPPERS = [NEW, OLD]
    assert find_by_receipt(receipt) == tip
    tip.refresh_from_db()
    assert tip.receipt_pepper == crypto.pepper_id(NEW)
    assert tip.receipt_digest == receipts.digest(receipt)
    assert AuditEvent.objects.filter(object_id=str(tip.pk), detail__receipt="re-digested").exists()
    settings.PEPPERS = [NEW]  # the old pepper can go: this tip no longer needs it
    assert find_by_receipt(receipt) == tip


def test_a_receipt_digested_with_the_audit_key_before_peppers_is_still_found(settings, district):
    tip, receipt = a_tip(district)
    old = legacy_receipt_digest(receipt, settings.AUDIT_KEY)
    Tip.objects.filter(pk=tip.pk).update(receipt_digest=old, receipt_pepper=crypto.LEGACY)
    assert find_by_receipt(receipt) == tip
    tip.refresh_from_db()
    assert (tip.receipt_digest, tip.receipt_pepper) == (
        receipts.digest(receipt),
        crypto.pepper_id(crypto.peppers()[0]),
    )


def test_a_wrong_receipt_finds_nothing_under_any_pepper(settings, district):
    settings.PEPPERS = [NEW, OLD]
    a_tip(district)
    assert find_by_receipt("0000 0000 0000 0000") is None


def test_a_volunteer_code_is_keyed_by_the_newest_pepper_and_found_under_the_older_ones(
    settings, people, northside
):
    settings.PEPPERS = [OLD]
    volunteer = eligible(northside, people["coordinator"])
    code = links.issue(people["coordinator"], volunteer)
    settings.PEPPERS = [NEW, OLD]
    assert links.volunteer_for(code) == volunteer
    assert links.digest(code) != volunteer.signup_code_hash  # made under the old pepper
    settings.PEPPERS = [NEW]
    assert links.volunteer_for(code) is None  # codes expire: the old pepper goes after CODE_DAYS


def test_a_volunteer_code_hashed_with_the_audit_key_before_peppers_still_works(
    settings, people, northside
):
    volunteer = eligible(northside, people["coordinator"])
    code = links.issue(people["coordinator"], volunteer)
    legacy_key = hmac.new(
        settings.AUDIT_KEY.encode(), b"haven-volunteer-signup-code", hashlib.sha256
    ).digest()
    raw = links.normalise(code) or ""
    old = hmac.new(legacy_key, raw.encode(), hashlib.sha256).hexdigest()
    type(volunteer).objects.filter(pk=volunteer.pk).update(signup_code_hash=old)
    assert links.volunteer_for(code) == volunteer


def test_a_signal_fingerprint_is_keyed_by_the_pepper_and_finds_one_made_with_the_audit_key(
    settings,
):
    settings.PEPPERS = [NEW]
    newest, legacy = signals.fingerprints(7, "I have my dad's gun")
    settings.AUDIT_KEY = "another-audit-key-0123456789abcdefghij"
    assert signals.fingerprint(7, "I have my dad's gun") == newest
    assert signals.fingerprints(7, "I have my dad's gun")[1] != legacy


def test_each_use_derives_its_own_key_from_a_pepper(settings):
    settings.PEPPERS = [NEW]
    keys = {purpose: crypto.pepper_keys(purpose)[0].key for purpose in ("receipt", "index")}
    assert keys["receipt"] != keys["index"] and NEW.encode() not in keys.values()


def test_a_visitor_id_hash_is_keyed_by_the_pepper_and_finds_one_made_with_the_audit_key(settings):
    from haven.visitors.services import id_hash, id_hashes

    legacy_key = hmac.new(settings.AUDIT_KEY.encode(), b"haven-visitor-id", hashlib.sha256).digest()
    legacy = hmac.new(legacy_key, b"CA\x1fD1234567", hashlib.sha256).hexdigest()
    settings.PEPPERS = [NEW]
    assert id_hashes("ca", "D123 4567") == [id_hash("CA", "D1234567"), legacy]
    assert id_hash("CA", "D1234567") != legacy


def test_keys_check_counts_the_receipts_each_pepper_still_serves(settings, district):
    import io

    from django.core.management import call_command

    settings.PEPPERS = [OLD]
    a_tip(district)
    tip, _receipt = a_tip(district)
    Tip.objects.filter(pk=tip.pk).update(receipt_pepper=crypto.LEGACY)
    settings.PEPPERS = [NEW, OLD]
    out = io.StringIO()
    call_command("keys", "check", stdout=out)
    assert f"pepper #1 ({crypto.pepper_id(NEW)}): 0 receipt(s)" in out.getvalue()
    assert f"pepper #2 ({crypto.pepper_id(OLD)}): 1 receipt(s)" in out.getvalue()
    assert "legacy (the audit key, before peppers): 1 receipt(s)" in out.getvalue()
