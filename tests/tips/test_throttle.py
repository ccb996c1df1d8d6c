"""The tip line's throttles: who a caller is (an IPv4 address, an IPv6 /64, hashed with a key kept
in memory), the one guard the page and the API share, and the proof a caller past the allowance
shows (work or waiting)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from django.test import Client, RequestFactory

from haven.core import throttle as core
from haven.tips import throttle
from haven.tips.models import Tip
from tests.conftest import cache_text

PROOF_JS = Path(__file__).resolve().parents[2] / "haven" / "static" / "haven" / "tip-proof.js"


def _request(address: str):
    return RequestFactory().post("/report/", REMOTE_ADDR=address)


@pytest.mark.parametrize(
    ("one", "other", "same"),
    [
        ("2001:db8:1:2::1", "2001:db8:1:2:ffff:ffff:ffff:ffff", True),  # one /64: one caller
        ("2001:db8:1:2::1", "2001:db8:1:3::1", False),  # the next /64: another
        ("::ffff:198.51.100.4", "198.51.100.4", True),  # IPv4-mapped is its IPv4 address
        ("198.51.100.4", "198.51.100.5", False),
        ("fe80::1%eth0", "fe80::2", True),
    ],
)
def test_a_caller_is_an_ipv4_address_or_an_ipv6_slash_64(db, one, other, same):
    assert (throttle.caller(_request(one)) == throttle.caller(_request(other))) is same


def test_ipv6_tips_count_per_slash_64(people):
    """A phone picks any address of its /64: counting per address would count nothing."""
    for n in range(throttle.CALLER_SUBMIT.count):
        sender = Client(REMOTE_ADDR=f"2001:db8:aa:bb::{n + 1:x}")
        assert sender.post("/report/northside-high/", _report()).status_code == 200
    other_address = Client(REMOTE_ADDR="2001:db8:aa:bb:1234::99")
    assert other_address.post("/report/northside-high/", _report()).status_code == 429
    next_network = Client(REMOTE_ADDR="2001:db8:aa:bc::1")
    assert next_network.post("/report/northside-high/", _report()).status_code == 200


def test_the_callers_key_comes_from_the_pepper_in_memory_and_changes_daily(
    db, settings, time_machine
):
    from django.core.cache import cache

    settings.PEPPERS = ["pepper-one-0123456789abcdefghijklmnopqrstuv"]
    request = _request("203.0.113.9")
    time_machine.move_to("2026-11-02 10:00:00+00:00", tick=False)
    monday = throttle.caller(request)
    assert "203.0.113.9" not in monday and len(monday) == 32
    cache.clear()  # another process, or a cache that lost everything: the same key
    assert throttle.caller(request) == monday
    assert "throttle-key" not in cache_text() and not cache_text()
    time_machine.move_to("2026-11-03 10:00:00+00:00", tick=False)
    tuesday = throttle.caller(request)
    assert tuesday != monday
    settings.PEPPERS = ["pepper-two-0123456789abcdefghijklmnopqrstuv", *settings.PEPPERS]
    assert throttle.caller(request) != tuesday  # a new pepper, a new key


def test_nothing_of_the_key_is_kept_beside_the_hashes(people):
    for _ in range(2):
        Client(REMOTE_ADDR="203.0.113.10").post("/report/northside-high/", _report())
    stored = cache_text()
    assert "haven:throttle:caller-submit:" in stored
    assert "throttle-key" not in stored
    assert core.caller_key().hex() not in stored


def test_reserve_counts_only_what_fits_and_refund_gives_it_back(db):
    limit = core.Limit("t-reserve", 2, 3600)
    assert core.reserve(limit, "x") and core.reserve(limit, "x")
    assert not core.reserve(limit, "x")
    assert core.used(limit, "x") == 2
    core.refund(limit, "x")
    assert core.reserve(limit, "x")
    assert not core.reserve(limit, "x")


# --- the page ------------------------------------------------------------------------------------


def _report(**fields):
    return {
        "description": "Someone wrote a threat on the bathroom wall this morning.",
        "category": "violence_threat",
        "danger_now": "no",
        "lang": "en",
        **fields,
    }


def _spend_allowance(client: Client) -> None:
    for _ in range(throttle.CALLER_SUBMIT.count):
        assert client.post("/report/northside-high/", _report()).status_code == 200


def _proof_field(body: str) -> dict[str, str]:
    import re

    tag = re.search(r'<input type="hidden" name="proof"[^>]*>', body)
    assert tag, "no proof field on the page"
    return dict(re.findall(r'([\w-]+)="([^"]*)"', tag.group(0)))


def test_the_page_slows_a_caller_keeping_what_was_typed_then_takes_the_report(
    client, people, time_machine
):
    time_machine.move_to("2026-11-02 10:00:00+00:00", tick=False)
    _spend_allowance(client)
    slowed = client.post("/report/northside-high/", _report(location="Gym"))
    body = slowed.content.decode()
    assert slowed.status_code == 429
    assert "Your report was not sent yet." in body and 'value="Gym"' in body
    assert "Wait 10 seconds" in body and "911" in body
    assert slowed["Retry-After"] == "10"
    assert "tip-proof.js" in body
    field = _proof_field(body)
    assert field["data-proof-bits"] == str(throttle.POW_BITS)
    # Without JavaScript: pressing Send too early keeps the same clock; after the wait it goes.
    time_machine.move_to("2026-11-02 10:00:06+00:00", tick=False)
    early = client.post("/report/northside-high/", _report(proof=field["value"]))
    assert early.status_code == 429 and "Wait 4 seconds" in early.content.decode()
    time_machine.move_to("2026-11-02 10:00:10+00:00", tick=False)
    taken = client.post("/report/northside-high/", _report(proof=field["value"], location="Gym"))
    assert taken.status_code == 200 and "Your receipt number" in taken.content.decode()
    assert [tip.location for tip in Tip.objects.all()].count("Gym") == 1
    assert Tip.objects.count() == throttle.CALLER_SUBMIT.count + 1


def test_the_form_carries_the_challenge_so_the_work_is_done_while_the_reporter_writes(
    client, people
):
    assert "data-proof-work" not in client.get("/report/northside-high/").content.decode()
    _spend_allowance(client)
    page = client.get("/report/northside-high/").content.decode()
    field = _proof_field(page)
    work, bits = field["data-proof-work"], int(field["data-proof-bits"])
    nonce = next(n for n in range(10**8) if throttle.solves(work, str(n), bits))
    taken = client.post("/report/northside-high/", _report(proof=f"{field['value']}:{nonce}"))
    assert taken.status_code == 200
    # A proof is good for one report.
    again = client.post("/report/northside-high/", _report(proof=f"{field['value']}:{nonce}"))
    assert again.status_code == 429


def test_a_refused_form_spends_no_quota_on_the_page(client, people):
    for _ in range(throttle.CALLER_SUBMIT.count + 2):
        assert client.post("/report/northside-high/", _report(description="")).status_code == 400
    _spend_allowance(client)


def test_proofs_collected_in_parallel_admit_one_tip(client, people, time_machine):
    """Waiting for many challenges at once does not help a flood: each names the caller's count."""
    time_machine.move_to("2026-11-02 10:00:00+00:00", tick=False)
    _spend_allowance(client)
    tokens = set()
    for second in range(3):
        time_machine.move_to(f"2026-11-02 10:00:0{second}+00:00", tick=False)
        tokens.add(_proof_field(client.get("/report/northside-high/").content.decode())["value"])
    assert len(tokens) == 3
    time_machine.move_to("2026-11-02 10:10:00+00:00", tick=False)
    answers = [
        client.post("/report/northside-high/", _report(proof=token)).status_code
        for token in sorted(tokens)
    ]
    assert sorted(answers) == [200] + [429] * (len(answers) - 1)


def test_a_forged_or_foreign_proof_is_not_accepted(people, time_machine):
    time_machine.move_to("2026-11-02 10:00:00+00:00", tick=False)
    mine, theirs = Client(REMOTE_ADDR="192.0.2.1"), Client(REMOTE_ADDR="192.0.2.2")
    _spend_allowance(mine)
    _spend_allowance(theirs)
    token = _proof_field(mine.get("/report/northside-high/").content.decode())["value"]
    issued, seq, bits, _wait, mac = token.split(".")
    time_machine.move_to("2026-11-02 10:00:30+00:00", tick=False)
    forged = f"{issued}.{seq}.{bits}.0.{mac}"  # the wait edited away
    assert mine.post("/report/northside-high/", _report(proof=forged)).status_code == 429
    assert theirs.post("/report/northside-high/", _report(proof=token)).status_code == 429
    assert mine.post("/report/northside-high/", _report(proof=token)).status_code == 200


NODE = shutil.which("node")


@pytest.mark.skipif(NODE is None, reason="node is not installed")
def test_the_pages_script_finds_proofs_the_server_accepts(tmp_path):
    """The page's own SHA-256 (tip-proof.js), run by node, against the server's check."""
    work = "a3f1c2e4b5d60718293a4b5c"
    script = tmp_path / "solve.js"
    script.write_text(
        f"const p = require({str(PROOF_JS)!r});\n"
        f"p.solve({work!r}, 14, n => console.log(n), 0, 1e9);\n"
        "console.log(p.firstWord('abc').toString(16));\n"
    )
    out = subprocess.run(  # noqa: S603 - node found on PATH, our own script
        [str(NODE), str(script)], capture_output=True, text=True, check=True, timeout=60
    ).stdout.split()
    nonce, first = out[0], out[1]
    assert first == "ba7816bf"  # SHA-256("abc") starts so
    assert throttle.solves(work, nonce, 14)
    assert not any(throttle.solves(work, str(n), 14) for n in range(int(nonce)))


def test_the_wait_and_the_fault_are_said_in_spanish_too(client, people, monkeypatch):
    _spend_allowance(client)
    slowed = client.post("/report/northside-high/", _report(lang="es")).content.decode()
    assert "Espera 10 segundos y vuelve a pulsar «Enviar aviso»." in slowed
    assert "Llegaron muchos avisos desde tu red" in slowed
    offered = client.get("/report/northside-high/?lang=es").content.decode()
    assert "tras una breve espera" in offered

    from haven.audit import services as audit
    from haven.core.models import District

    def locked(*args, **kwargs):
        from django.db import OperationalError

        raise OperationalError("database is locked")

    monkeypatch.setattr(audit, "record", locked)
    other = Client(REMOTE_ADDR="192.0.2.77")
    busy = other.post("/report/northside-high/", _report(lang="es"))
    assert busy.status_code == 503
    assert "Tu aviso NO se envió: no se guardó nada." in busy.content.decode()
    monkeypatch.setattr(District.objects, "order_by", locked)
    down = other.get("/report/?lang=es")
    assert down.status_code == 503 and "No se guardó nada." in down.content.decode()
