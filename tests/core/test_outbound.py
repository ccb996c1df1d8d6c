"""The outbound-request guard: an address someone typed never reaches into Haven's own network,
the address checked is the one connected to, and a redirect is not followed. No test needs the
internet: names resolve from a table (tests.outbound) and servers run on loopback."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from hypothesis import given
from hypothesis import strategies as st

from haven.core import outbound
from tests.outbound import resolving

PUBLIC_V4 = ["8.8.8.8", "142.250.180.10", "17.188.182.199", "20.199.120.182", "93.184.215.14"]


@pytest.fixture(autouse=True)
def _guarded(settings):
    settings.HAVEN_ALLOW_LOCAL_ENDPOINTS = False
    with resolving() as resolver:
        yield resolver


# --- addresses --------------------------------------------------------------------------------

REFUSED_V4_NETS = [
    "0.0.0.0/8",
    "10.0.0.0/8",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "172.16.0.0/12",
    "192.0.0.0/24",
    "192.168.0.0/16",
    "198.18.0.0/15",
    "224.0.0.0/4",
    "240.0.0.0/4",
]
REFUSED_V6_NETS = ["::1/128", "fc00::/7", "fe80::/10", "fec0::/10", "ff00::/8", "64:ff9b:1::/48"]


def in_network(cidr: str) -> st.SearchStrategy:
    net = ipaddress.ip_network(cidr)
    return st.integers(0, net.num_addresses - 1).map(lambda n: net[n])


refused_v4 = st.sampled_from(REFUSED_V4_NETS).flatmap(in_network)
refused_v6 = st.sampled_from(REFUSED_V6_NETS).flatmap(in_network)
any_v4 = st.ip_addresses(v=4)


def v6_forms(v4: ipaddress.IPv4Address, salt: int) -> list[ipaddress.IPv6Address]:
    """Every way IPv6 spells an IPv4 address a router or the kernel would reach."""
    n = int(v4)
    return [
        ipaddress.IPv6Address((0xFFFF << 32) | n),  # ::ffff:a.b.c.d, mapped
        ipaddress.IPv6Address(n),  # ::a.b.c.d, compatible
        ipaddress.IPv6Address((0x64FF9B << 96) | n),  # 64:ff9b::a.b.c.d, NAT64
        ipaddress.IPv6Address((0x2002 << 112) | (n << 80) | (salt & (2**80 - 1))),  # 6to4
        # Teredo: 2001:0000:<server>:<flags>:<port ^ ffff>:<client ^ ffffffff>
        ipaddress.IPv6Address(
            (0x20010000 << 96)
            | ((salt & 0xFFFFFFFF) << 64)
            | ((salt >> 32 & 0xFFFFFFFF) << 32)
            | (n ^ 0xFFFFFFFF)
        ),
    ]


@given(refused_v4, st.integers(0, 2**128))
def test_a_private_ipv4_address_is_refused_in_every_form(address, salt):
    assert outbound.refusal(address)
    for form in v6_forms(address, salt):
        assert outbound.refusal(form), form


@given(any_v4)
def test_nat64_mapped_and_compatible_forms_are_refused_whatever_they_carry(address):
    mapped, compatible, nat64, *_ = v6_forms(address, 0)
    assert outbound.refusal(mapped) and outbound.refusal(compatible) and outbound.refusal(nat64)
    local_nat64 = ipaddress.IPv6Address((0x64FF9B0001 << 80) | int(address))
    assert outbound.refusal(local_nat64)


@given(refused_v6)
def test_local_ipv6_addresses_are_refused(address):
    assert outbound.refusal(address)


@given(st.sampled_from(PUBLIC_V4))
def test_public_addresses_are_allowed(address):
    assert outbound.refusal(ipaddress.ip_address(address)) == ""


@pytest.mark.parametrize(
    "address", ["169.254.169.254", "fd00:ec2::254", "100.100.100.200", "168.63.129.16"]
)
def test_cloud_metadata_is_refused_even_when_local_endpoints_are_allowed(address):
    assert outbound.refusal(ipaddress.ip_address(address), allow_local=True)
    assert outbound.refusal(ipaddress.ip_address("127.0.0.1"), allow_local=True) == ""


@given(refused_v4)
def test_a_url_reaching_a_private_address_is_refused_whatever_the_name_says(address):
    with resolving({"innocent.example.org": [str(address)]}):
        for url in (
            f"https://{address}/x",
            f"https://[::ffff:{address}]/x",
            f"https://[64:ff9b::{address}]/x",
            "https://innocent.example.org/x",
        ):
            with pytest.raises(outbound.Refused):
                outbound.check(url)


# --- names and URLs ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://localtest.me/push",  # public DNS says 127.0.0.1
        "https://169.254.169.254.sslip.io/latest/meta-data/",  # public DNS says the metadata
        "https://metadata.google.internal./computeMetadata/v1/",
        "https://[64:ff9b::7f00:1]/",  # NAT64 of 127.0.0.1
        "https://[::ffff:127.0.0.1]/",
        "https://[fd00:ec2::254]/",
        "https://2130706433/",  # 127.0.0.1 as one number
        "https://localhost/",
        "https://intranet/",  # a single label resolves through the search domains
        "https://printer.local/",
        "http://fcm.googleapis.com/fcm/send/x",  # https only
        "https://user:secret@fcm.googleapis.com/fcm/send/x",
        "https://fcm.googleapis.com:99999/",
        "ftp://fcm.googleapis.com/",
        "https://nowhere.invalid/",  # does not resolve
    ],
)
def test_addresses_into_a_private_network_are_refused(url):
    with pytest.raises(outbound.Refused):
        outbound.check(url)


def test_a_name_is_refused_if_any_of_its_addresses_is_private(_guarded):
    with (
        resolving({"mixed.example.org": ["93.184.215.14", "10.0.0.1"]}),
        pytest.raises(outbound.Refused),
    ):
        outbound.check("https://mixed.example.org/hook")


def test_a_public_name_is_accepted_and_carries_the_address_it_was_checked_at():
    target = outbound.check("https://Hooks.District.Example./alerts")
    assert (target.host, target.port, target.address) == (
        "hooks.district.example",
        443,
        "93.184.215.14",
    )
    assert target.host_header == "hooks.district.example"


@pytest.mark.parametrize(
    ("host", "allowed"),
    [
        ("fcm.googleapis.com", True),
        ("web.push.apple.com", True),
        ("wns2-par02p.notify.windows.com", True),
        ("evilpush.apple.com", False),
        ("fcm.googleapis.com.rebind.example", False),
        ("notify.windows.com.example", False),
    ],
)
def test_host_suffixes_match_whole_labels(settings, host, allowed):
    assert outbound.host_matches(host, settings.HAVEN_PUSH_SERVICES) is allowed


# --- the request ------------------------------------------------------------------------------


@contextmanager
def server(status: int = 200, headers: dict[str, str] | None = None, tls=None) -> Iterator[dict]:
    """A loopback server recording the requests it gets (and, with TLS, the name in SNI)."""
    seen: dict = {"requests": [], "sni": []}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            seen["requests"].append((self.path, self.headers.get("Host"), self.rfile.read(length)))
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    if tls is not None:
        tls.sni_callback = lambda sock, name, ctx: seen["sni"].append(name)
        httpd.socket = tls.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    seen["port"] = httpd.server_address[1]
    try:
        yield seen
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_the_request_goes_to_the_address_checked_without_a_second_lookup(settings, _guarded):
    settings.HAVEN_ALLOW_LOCAL_ENDPOINTS = True
    # The name exists only in the test's table: had anything resolved it again through the
    # system, the request could not have arrived.
    with resolving({"push.haven-test.example": ["127.0.0.1"]}) as resolver, server(201) as seen:
        url = f"http://push.haven-test.example:{seen['port']}/send/abc"
        response = outbound.post(url, data=b"{}", headers={"Content-Type": "application/json"})
    assert response.status_code == 201
    assert seen["requests"] == [("/send/abc", f"push.haven-test.example:{seen['port']}", b"{}")]
    assert resolver.asked == ["push.haven-test.example"]


def test_the_address_is_checked_again_when_the_request_is_sent():
    # Registered while the name was public; by the time of the alert it says loopback.
    with resolving({"hooks.district.example": ["127.0.0.1"]}), server() as seen:
        with pytest.raises(outbound.Refused):
            outbound.post(f"https://hooks.district.example:{seen['port']}/", data=b"{}", headers={})
    assert seen["requests"] == []


def test_a_redirect_is_not_followed(settings):
    settings.HAVEN_ALLOW_LOCAL_ENDPOINTS = True
    with (
        server() as inside,
        server(302, {"Location": f"http://127.0.0.1:{inside['port']}/admin"}) as outside,
    ):
        response = outbound.post(f"http://localhost:{outside['port']}/hook", data=b"{}", headers={})
    assert response.status_code == 302
    assert len(outside["requests"]) == 1 and inside["requests"] == []


def _certificate(tmp_path, name: str) -> tuple[ssl.SSLContext, str]:
    """A self-signed certificate for ``name`` only (not for 127.0.0.1)."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    return context, str(cert_file)


def test_tls_names_the_host_and_checks_its_certificate_at_the_pinned_address(settings, tmp_path):
    settings.HAVEN_ALLOW_LOCAL_ENDPOINTS = True
    context, ca = _certificate(tmp_path, "push.haven-test.example")
    names = {"push.haven-test.example": ["127.0.0.1"], "other.haven-test.example": ["127.0.0.1"]}
    with resolving(names), server(201, tls=context) as seen:
        session = outbound.Session()
        session.verify = ca
        good = outbound.post(
            f"https://push.haven-test.example:{seen['port']}/w",
            data=b"x",
            headers={},
            session=session,
        )
        assert good.status_code == 201
        assert seen["sni"] == ["push.haven-test.example"]
        # The same address under a name the certificate does not carry: refused by TLS.
        with pytest.raises(outbound.requests.exceptions.SSLError):
            outbound.post(
                f"https://other.haven-test.example:{seen['port']}/w",
                data=b"x",
                headers={},
                session=session,
            )
    assert len(seen["requests"]) == 1


def test_when_the_first_address_does_not_answer_the_next_checked_one_is_tried(settings):
    settings.HAVEN_ALLOW_LOCAL_ENDPOINTS = True
    with server(201) as seen:
        # The server listens on 127.0.0.1 only: connecting to 127.0.0.2 is refused.
        names = {"two.haven-test.example": ["127.0.0.2", "127.0.0.1"]}
        with resolving(names):
            response = outbound.post(
                f"http://two.haven-test.example:{seen['port']}/x", data=b"{}", headers={}
            )
    assert response.status_code == 201 and len(seen["requests"]) == 1


def test_no_more_addresses_than_the_limit_are_kept():
    names = {"many.example.org": [f"93.184.215.{n}" for n in range(1, 10)]}
    with resolving(names):
        target = outbound.check("https://many.example.org/")
    assert len(target.addresses) == outbound.MAX_ADDRESSES
    assert target.address == target.addresses[0] == "93.184.215.1"


def test_a_private_network_the_operator_allowed_is_reached_over_https_and_metadata_never(
    tmp_path,
):
    lan = [ipaddress.ip_network("127.0.0.0/8")]
    context, ca = _certificate(tmp_path, "pa.northside.local")
    with resolving({"pa.northside.local": ["127.0.0.1"]}), server(200, tls=context) as seen:
        with pytest.raises(outbound.Refused):  # not without the operator's word
            outbound.check(f"https://pa.northside.local:{seen['port']}/")
        session = outbound.Session(lan)
        session.verify = ca
        response = outbound.post(
            f"https://pa.northside.local:{seen['port']}/hook",
            data=b"{}",
            headers={},
            session=session,
        )
    assert response.status_code == 200 and len(seen["requests"]) == 1
    everything = [ipaddress.ip_network("0.0.0.0/0"), ipaddress.ip_network("::/0")]
    for address in ("169.254.169.254", "fd00:ec2::254", "::ffff:169.254.169.254"):
        assert outbound.refusal(ipaddress.ip_address(address), networks=everything)
    assert outbound.refusal(ipaddress.ip_address("10.0.0.1"), networks=lan)
