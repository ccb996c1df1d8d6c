"""A resolver for tests: names answer from a table, never from the network."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from haven.core import outbound

#: Names the tests use, and what a real resolver gives for them (or an attacker's DNS would).
NAMES = {
    "fcm.googleapis.com": ["142.250.180.10", "2a00:1450:4007:80f::200a"],
    "updates.push.services.mozilla.com": ["34.117.65.55"],
    "web.push.apple.com": ["17.188.182.199"],
    "wns2-par02p.notify.windows.com": ["20.199.120.182"],
    "hooks.district.example": ["93.184.215.14"],
    "localhost": ["127.0.0.1", "::1"],
    # Names anyone may point anywhere: the attacker's.
    "localtest.me": ["127.0.0.1"],
    "169.254.169.254.sslip.io": ["169.254.169.254"],
    "metadata.google.internal": ["169.254.169.254"],
    "fcm.googleapis.com.rebind.example": ["10.0.0.5"],
}


class Resolver:
    def __init__(self, names: dict[str, list[str]]) -> None:
        self.names = names
        self.asked: list[str] = []

    def __call__(self, host: str, port: int) -> list[str]:
        self.asked.append(host)
        try:
            return list(self.names[host])
        except KeyError:
            raise OSError(f"no such name: {host}") from None


@contextmanager
def resolving(names: dict[str, list[str]] | None = None) -> Iterator[Resolver]:
    resolver = Resolver({**NAMES, **(names or {})})
    saved, outbound.resolver = outbound.resolver, resolver
    try:
        yield resolver
    finally:
        outbound.resolver = saved
