"""The one way Haven sends a request to an address that a person typed or a browser gave it (Web
Push endpoints, emergency webhooks, anything later).

Such an address must never let someone make Haven knock on a door inside its own network (the
cloud's metadata service, a database, an admin page on loopback): a blind server-side request
forgery. So every request goes through :class:`Session` (or :func:`post`), which

* accepts ``https`` only (``http`` too while ``HAVEN_ALLOW_LOCAL_ENDPOINTS`` is on, for
  development and tests), no user name or password in the URL, no single-label or internal names
  (``localhost``, ``*.internal``, ``*.local``, ``metadata``…);
* resolves the name **once**, refuses the request if *any* address it resolves to is loopback,
  private, shared (CGNAT), link-local, unique-local, site-local, multicast, unspecified, reserved,
  documentation, benchmarking, a cloud metadata address, NAT64 (``64:ff9b::/96``,
  ``64:ff9b:1::/48``), or an IPv4-mapped, IPv4-compatible, 6to4 or Teredo form of a refused IPv4
  address (:func:`refusal`);
* connects to the very address it checked (the name is kept for the ``Host`` header and for TLS:
  server name indication and the certificate's check), so a second DNS answer cannot differ;
* follows no redirect, reads no proxy or ``.netrc`` from the environment, and uses short timeouts.

:func:`check` is the same guard without the request, for the moment an address is registered (a
clear error then, rather than a failed delivery later). Tests replace :data:`resolver`.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit

import requests
import urllib3
from django.conf import settings
from django.utils.translation import gettext as _
from requests.adapters import HTTPAdapter

Address = ipaddress.IPv4Address | ipaddress.IPv6Address

#: How many of a name's addresses a request tries (when connecting to the first fails).
MAX_ADDRESSES = 3
#: (connect, read) seconds. A push service or a webhook answers at once or not at all.
TIMEOUT = (3.05, 10.0)

_V4 = ipaddress.ip_network
_REFUSED_V4 = [
    _V4(net)
    for net in (
        "0.0.0.0/8",  # "this network", unspecified
        "10.0.0.0/8",
        "100.64.0.0/10",  # shared address space (CGNAT); also Alibaba's metadata 100.100.100.200
        "127.0.0.0/8",
        "169.254.0.0/16",  # link-local: AWS, GCP, Azure, OCI metadata at 169.254.169.254
        "172.16.0.0/12",
        "192.0.0.0/24",  # IETF protocol assignments
        "192.0.2.0/24",  # documentation
        "192.88.99.0/24",  # 6to4 relay anycast
        "192.168.0.0/16",
        "198.18.0.0/15",  # benchmarking
        "198.51.100.0/24",
        "203.0.113.0/24",
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, and the broadcast address
        "168.63.129.16/32",  # Azure's platform endpoint (WireServer), public yet host-internal
    )
]
_REFUSED_V6 = [
    ipaddress.ip_network(net)
    for net in (
        "::/128",
        "::1/128",
        "::/96",  # IPv4-compatible (deprecated)
        "::ffff:0:0/96",  # IPv4-mapped (checked by their IPv4 address first)
        "64:ff9b::/96",  # NAT64: reaches any IPv4 address, private ones included
        "64:ff9b:1::/48",  # local-use NAT64
        "100::/64",  # discard
        "2001::/23",  # IETF protocol assignments (Teredo 2001::/32 among them)
        "2001:db8::/32",  # documentation
        "fc00::/7",  # unique-local (AWS's metadata at fd00:ec2::254)
        "fe80::/10",  # link-local
        "fec0::/10",  # site-local (deprecated)
        "ff00::/8",  # multicast
    )
]
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
#: Names that only mean something inside a network (or to a cloud's metadata service).
_METADATA_NAMES = ("metadata", "instance-data", "metadata.google.internal")
_REFUSED_NAMES = ("localhost", *_METADATA_NAMES)
_REFUSED_SUFFIXES = (".localhost", ".local", ".internal", ".localdomain", ".home.arpa", ".arpa")
#: Refused even while HAVEN_ALLOW_LOCAL_ENDPOINTS is on: no development needs them.
_METADATA = [
    ipaddress.ip_network(net)
    for net in ("169.254.0.0/16", "100.100.100.200/32", "168.63.129.16/32", "fd00:ec2::/32")
]


class Refused(ValueError):
    """An address Haven will not send to; the message says why."""


class Unresolvable(Refused):
    """The name does not resolve (perhaps only for now: a delivery is retried)."""


def _embedded_v4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries: mapped, compatible, 6to4 or Teredo client."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if int(address) >> 32 == 0 and int(address) > 1:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)  # ::a.b.c.d
    if address in _NAT64:  # 64:ff9b::a.b.c.d
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


Networks = Iterable[ipaddress.IPv4Network | ipaddress.IPv6Network]


def refusal(address: Address, *, allow_local: bool = False, networks: Networks = ()) -> str:
    """Why Haven will not connect to ``address`` ("" when it may; the reason is for logs, not
    for people). An address in one of ``networks`` (which the operator allowed) may be reached;
    with ``allow_local`` (tests, development) every address may; cloud metadata never."""
    if isinstance(address, ipaddress.IPv6Address) and address.scope_id:
        address = ipaddress.IPv6Address(str(address).split("%", 1)[0])
    embedded = _embedded_v4(address) if isinstance(address, ipaddress.IPv6Address) else None
    if any(address in net or (embedded and embedded in net) for net in _METADATA):
        return "a cloud metadata address"
    if allow_local or any(address.version == net.version and address in net for net in networks):
        return ""
    if embedded is not None and refusal(embedded):
        return "an IPv6 form of a private IPv4 address"
    networks = _REFUSED_V4 if isinstance(address, ipaddress.IPv4Address) else _REFUSED_V6
    if any(address in net for net in networks) or not address.is_global or address.is_multicast:
        return "a private, local or reserved address"
    return ""


@dataclass(frozen=True)
class Target:
    """A URL that passed the guard, and the address to connect to."""

    url: str
    scheme: str
    host: str  # lower case, IDNA, no trailing dot; an IPv6 literal without brackets
    port: int
    address: str
    #: Every address the name gave, all checked (``address`` first): another is tried only when
    #: connecting to one fails, before anything was sent.
    addresses: tuple[str, ...] = ()

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return host if self.port == default else f"{host}:{self.port}"


def system_resolver(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    return [str(info[4][0]) for info in infos]


#: ``(host, port) -> [address, …]``; raises OSError when the name does not resolve.
resolver: Callable[[str, int], list[str]] = system_resolver


def host_matches(host: str, suffixes: Iterable[str]) -> bool:
    """``host`` is one of ``suffixes`` or a name under one of them (``web.push.apple.com`` is
    under ``push.apple.com``; ``evilpush.apple.com`` is not)."""
    for suffix in suffixes:
        suffix = suffix.strip().lower().rstrip(".")
        if suffix and (host == suffix or host.endswith("." + suffix)):
            return True
    return False


def parse(url: str, *, hosts: Iterable[str] | None = None, networks: Networks = ()) -> Target:
    """Check what the URL itself says (scheme, credentials, name, and ``hosts`` when given: the
    only names allowed); the address is checked by :func:`check`. With ``networks`` (private
    networks the operator allowed) a local-looking name is left to the address check. Raises
    :class:`Refused`."""
    networks = tuple(networks)
    allow_local = settings.HAVEN_ALLOW_LOCAL_ENDPOINTS
    if not isinstance(url, str) or len(url) > 2000 or any(ord(c) < 33 for c in url):
        raise Refused(_("is not a valid URL"))
    try:
        parts = urlsplit(url)
        port = parts.port
        raw_host = parts.hostname or ""
    except ValueError:
        raise Refused(_("is not a valid URL")) from None
    schemes = {"https", "http"} if allow_local else {"https"}
    if parts.scheme not in schemes or not raw_host:
        raise Refused(_("must be an https URL"))
    if parts.username is not None or parts.password is not None:
        raise Refused(_("must not carry a user name or password"))
    host = raw_host.rstrip(".")
    try:
        literal: Address | None = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is None:
        try:
            host = host.encode("idna").decode("ascii").lower()
        except UnicodeError:
            raise Refused(_("is not a valid URL")) from None
        local_name = "." not in host or host in _REFUSED_NAMES or host.endswith(_REFUSED_SUFFIXES)
        metadata_name = host in _METADATA_NAMES
        if metadata_name or (local_name and not networks and not allow_local):
            raise Refused(_("must not point into a private network"))
    if hosts is not None and not host_matches(host, hosts):
        raise Refused(_("is not a known push service"))
    if literal is not None and refusal(literal, allow_local=allow_local, networks=networks):
        raise Refused(_("must not point into a private network"))
    return Target(
        url=url,
        scheme=parts.scheme,
        host=host,
        port=port or (443 if parts.scheme == "https" else 80),
        address=str(literal) if literal is not None else "",
    )


def check(url: str, *, hosts: Iterable[str] | None = None, networks: Networks = ()) -> Target:
    """:func:`parse`, then resolve the name once and check every address it gives; the target
    carries the first address, the one to connect to. Raises :class:`Refused` (or
    :class:`Unresolvable`)."""
    networks = tuple(networks)
    target = parse(url, hosts=hosts, networks=networks)
    if target.address:
        return target
    try:
        found = resolver(target.host, target.port)
    except (OSError, UnicodeError):
        found = []
    addresses = []
    for text in found:
        try:
            addresses.append(ipaddress.ip_address(text))
        except ValueError:
            continue
    if not addresses:
        raise Unresolvable(_("does not resolve to an address"))
    allow_local = settings.HAVEN_ALLOW_LOCAL_ENDPOINTS
    for address in addresses:
        if refusal(address, allow_local=allow_local, networks=networks):
            raise Refused(_("must not point into a private network"))
    usable = tuple(dict.fromkeys(str(a) for a in addresses))[:MAX_ADDRESSES]
    return Target(target.url, target.scheme, target.host, target.port, usable[0], usable)


def _not_connected(exc: requests.ConnectionError) -> bool:
    if isinstance(exc, requests.ConnectTimeout):
        return True
    reason = getattr(exc.args[0] if exc.args else None, "reason", None)
    return isinstance(reason, urllib3.exceptions.NewConnectionError)


class _PinnedAdapter(HTTPAdapter):
    """Checks each request's URL and connects to the checked address, keeping the name for the
    Host header and for TLS (SNI and the certificate's host name)."""

    def __init__(self, networks: Networks = ()) -> None:
        super().__init__()
        self.networks = tuple(networks)

    def send(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            target = check(request.url, networks=self.networks)
        except Unresolvable as exc:
            raise requests.ConnectionError(str(exc), request=request) from None
        request.headers["Host"] = target.host_header
        kwargs["proxies"] = {}
        addresses = target.addresses or (target.address,)
        for number, address in enumerate(addresses, start=1):
            request.haven_target = replace(target, address=address)
            try:
                return super().send(request, *args, **kwargs)
            except requests.ConnectionError as exc:
                # Only a failure to connect (nothing sent yet) moves on to the next address.
                if number == len(addresses) or not _not_connected(exc):
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def build_connection_pool_key_attributes(
        self, request: Any, verify: Any, cert: Any = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(
            request, verify, cert
        )
        target: Target = request.haven_target
        host_params["host"] = target.address
        if host_params["scheme"] == "https":
            pool_kwargs["server_hostname"] = target.host
            pool_kwargs["assert_hostname"] = target.host
        return host_params, pool_kwargs


class Session(requests.Session):
    """A ``requests`` session through the guard: pinned addresses, no redirects, no proxies.
    ``networks``: private networks the operator allowed this kind of request to reach."""

    def __init__(self, networks: Networks = ()) -> None:
        super().__init__()
        self.trust_env = False  # no proxy, no .netrc credentials from the environment
        adapter = _PinnedAdapter(networks)
        self.mount("https://", adapter)
        self.mount("http://", adapter)

    def request(self, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("timeout", TIMEOUT)
        return super().request(*args, **kwargs)

    def send(self, request: Any, **kwargs: Any) -> Any:
        kwargs["allow_redirects"] = False  # a 3xx is the answer
        return super().send(request, **kwargs)


def post(
    url: str,
    *,
    data: bytes,
    headers: dict[str, str],
    timeout: float | tuple[float, float] = TIMEOUT,
    session: Session | None = None,
    networks: Networks = (),
) -> requests.Response:
    """POST through the guard. Raises :class:`Refused`, or ``requests.RequestException`` for a
    network error."""
    if session is not None:
        return session.post(url, data=data, headers=headers, timeout=timeout)
    with Session(networks) as client:
        return client.post(url, data=data, headers=headers, timeout=timeout)
