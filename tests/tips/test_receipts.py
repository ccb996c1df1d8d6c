"""Receipts: what a reporter writes down. Property-based: normalising and hashing arbitrary text
never fails, formatted receipts survive any separators, and a receipt is found inside a message
however it is written."""

from __future__ import annotations

import math
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from haven.tips import receipts

# The autouse data-dir fixture is function-scoped; it sets the audit key the digest is salted with
# and nothing a single example changes.
examples = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
slow_examples = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

sixteen_digits = st.text(alphabet="0123456789", min_size=16, max_size=16)
separator = st.sampled_from(["", " ", "-", ".", "  ", " - ", "\t", "\n"])


def test_a_receipt_is_sixteen_digits_in_four_groups_with_at_least_53_bits():
    drawn = [receipts.new_receipt() for _ in range(2000)]
    assert all(re.fullmatch(r"\d{4} \d{4} \d{4} \d{4}", r) for r in drawn)
    assert math.log2(10**receipts.DIGITS) >= 53
    assert len(set(drawn)) == len(drawn)
    # Every position takes every digit: drawn from the whole space, not a fixed or narrow one.
    digits = [r.replace(" ", "") for r in drawn]
    for position in range(16):
        assert {d[position] for d in digits} == set("0123456789")


@examples
@given(st.text(max_size=100))
def test_normalise_never_raises_and_returns_sixteen_ascii_digits_or_none(text):
    result = receipts.normalise(text)
    assert result is None or (len(result) == 16 and result.isascii() and result.isdigit())


@examples
@given(st.one_of(st.none(), st.integers(), st.binary(), st.lists(st.text())))
def test_normalise_of_something_that_is_not_text_is_none(value):
    assert receipts.normalise(value) is None


@slow_examples
@given(st.text(max_size=80))
def test_digest_never_raises(db, text):
    result = receipts.digest(text)
    assert result is None or re.fullmatch(r"[0-9a-f]{64}", result)


@examples
@given(sixteen_digits, st.lists(separator, min_size=3, max_size=3))
def test_a_formatted_receipt_round_trips_with_any_separators(digits, seps):
    formatted = receipts.format_receipt(digits)
    assert receipts.normalise(formatted) == digits
    groups = formatted.split(" ")
    typed = groups[0] + seps[0] + groups[1] + seps[1] + groups[2] + seps[2] + groups[3]
    assert receipts.normalise(f"  {typed}  ") == digits


def _full_width(text: str) -> str:
    return "".join(chr(0xFF10 + int(c)) if c.isdigit() else c for c in text)


def test_full_width_digits_typed_on_a_phone_are_the_same_receipt(db):
    assert receipts.normalise(_full_width("1234 5678 9012 3456")) == "1234567890123456"
    assert receipts.digest(_full_width("1234-5678-9012-3456")) == receipts.digest(
        "1234 5678 9012 3456"
    )


@slow_examples
@given(sixteen_digits, st.lists(separator, min_size=3, max_size=3))
def test_the_same_receipt_typed_differently_has_the_same_digest(db, digits, seps):
    groups = [digits[i : i + 4] for i in range(0, 16, 4)]
    typed = groups[0] + seps[0] + groups[1] + seps[1] + groups[2] + seps[2] + groups[3]
    assert receipts.digest(typed) == receipts.digest(receipts.format_receipt(digits))


def test_the_digest_is_salted_with_the_installation_key(settings):
    receipt = "1234 5678 9012 3456"
    first = receipts.digest(receipt)
    assert "1234567890123456" not in first
    settings.PEPPERS = ["another-installation-pepper-0123456789abcdef"]
    assert receipts.digest(receipt) != first


def test_a_receipt_with_too_few_or_too_many_digits_is_none():
    assert receipts.normalise("1234 5678 9012 345") is None
    assert receipts.normalise("1234 5678 9012 34567") is None
    assert receipts.normalise("1234 5678 9012 345x") is None
    assert receipts.normalise("") is None
    assert receipts.normalise("1" * 16 + " " * 60) is None  # longer than anyone types


@examples
@given(
    sixteen_digits,
    st.text(max_size=40),
    st.text(max_size=40),
    st.lists(st.text(alphabet=" -./_|,:;()abcXYZ\n\t", max_size=3), min_size=15, max_size=15),
)
def test_appears_in_finds_the_receipt_with_any_separators(digits, before, after, gaps):
    spread = "".join(d + gap for d, gap in zip(digits, [*gaps, ""], strict=True))
    assert receipts.appears_in(digits, before + spread + after)


@examples
@given(sixteen_digits, st.text(alphabet=st.characters(exclude_categories=["Nd"]), max_size=200))
def test_appears_in_is_false_for_text_without_digits(digits, text):
    assert not receipts.appears_in(digits, text)


@examples
@given(st.text(max_size=20), st.text(max_size=200))
def test_appears_in_never_raises_and_never_matches_a_malformed_receipt(receipt, text):
    found = receipts.appears_in(receipt, text)
    if not (len(receipt) == 16 and receipt.isascii() and receipt.isdigit()):
        assert found is False


def test_appears_in_finds_full_width_digits():
    text = f"it is {_full_width('1234 5678 9012 3456')} ok"
    assert receipts.appears_in("1234567890123456", text)
