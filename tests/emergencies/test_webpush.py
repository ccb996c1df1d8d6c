"""Web Push: payloads encrypted per RFC 8291 (aes128gcm), signed with VAPID (RFC 8292), sent to a
push service on loopback that decrypts them with the subscription's private key."""

from __future__ import annotations

import base64
import json
import os
import time
from dataclasses import dataclass

import http_ece
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from haven.emergencies.alerts import services, webpush
from haven.emergencies.models import Delivery, PushSubscription
from tests.conftest import signed_in
from tests.emergencies.conftest import run_scheduled
from tests.emergencies.receivers import receiver
from tests.outbound import resolving


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Browser:
    """What a browser keeps for one push subscription: its key pair and auth secret."""

    private_key: ec.EllipticCurvePrivateKey
    auth: bytes

    @classmethod
    def new(cls) -> Browser:
        return cls(ec.generate_private_key(ec.SECP256R1()), os.urandom(16))

    @property
    def p256dh(self) -> str:
        raw = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return b64url(raw)

    def subscribe(self, user, endpoint: str) -> PushSubscription:
        return PushSubscription.objects.create(
            user=user, endpoint=endpoint, p256dh=self.p256dh, auth=b64url(self.auth)
        )

    def decrypt(self, body: bytes) -> dict:
        plain = http_ece.decrypt(
            body, private_key=self.private_key, auth_secret=self.auth, version="aes128gcm"
        )
        return json.loads(plain)


def _raise(user, school, capture, **kwargs):
    with capture(execute=True):
        return services.raise_incident(user, school, "lockdown", **kwargs)


def _check_vapid(authorization: str, audience: str) -> dict:
    """Verify the VAPID JWT (ES256) against the public key sent with it; return its claims."""
    scheme, _, params = authorization.partition(" ")
    assert scheme == "vapid"
    fields = dict(part.strip().split("=", 1) for part in params.split(","))
    token, key = fields["t"], fields["k"]
    assert key == webpush.application_server_key()
    header, claims, signature = token.split(".")
    raw = unb64url(signature)
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(key))
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    public.verify(der, f"{header}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))
    decoded = json.loads(unb64url(claims))
    assert decoded["aud"] == audience
    assert decoded["exp"] > time.time()
    return decoded


def test_alert_reaches_a_closed_tab_encrypted_for_that_device_only(
    people, northside, django_capture_on_commit_callbacks
):
    teacher_browser, counselor_browser = Browser.new(), Browser.new()
    with receiver(201) as push_service:
        teacher_browser.subscribe(people["teacher"], f"{push_service.url}/push/teacher")
        counselor_browser.subscribe(people["counselor"], f"{push_service.url}/push/counselor")
        incident = _raise(
            people["principal"], northside, django_capture_on_commit_callbacks, note="Gym"
        )
    by_path = {r.path: r for r in push_service.requests}
    assert set(by_path) == {"/push/teacher", "/push/counselor"}
    request = by_path["/push/teacher"]
    headers = {k.lower(): v for k, v in request.headers.items()}
    assert headers["content-encoding"] == "aes128gcm"
    assert headers["urgency"] == "high"
    assert int(headers["ttl"]) > 0
    assert headers["topic"] == f"incident{incident.pk}"
    claims = _check_vapid(headers["authorization"], push_service.url)
    assert claims["sub"].startswith("mailto:")

    payload = teacher_browser.decrypt(request.body)
    assert payload["title"] == "LOCKDOWN — Northside High School"
    assert payload["incident"] == incident.pk and payload["drill"] is False
    assert payload["url"] == f"/emergencies/{incident.pk}/"
    assert "Locks, lights, out of sight." in payload["body"] and "Gym" in payload["body"]
    # Each device's payload opens only with its own keys.
    with pytest.raises(Exception):  # noqa: B017 - http_ece raises cryptography's InvalidTag
        counselor_browser.decrypt(request.body)
    assert counselor_browser.decrypt(by_path["/push/counselor"].body)["incident"] == incident.pk

    deliveries = Delivery.objects.filter(channel="webpush")
    assert sorted(deliveries.values_list("status", flat=True)) == ["delivered", "delivered"]
    assert all(sub.last_ok_at for sub in PushSubscription.objects.all())


def test_an_expired_subscription_is_forgotten(
    people, northside, django_capture_on_commit_callbacks
):
    with receiver(410) as push_service:
        Browser.new().subscribe(people["teacher"], f"{push_service.url}/push/old")
        _raise(people["principal"], northside, django_capture_on_commit_callbacks)
    assert not PushSubscription.objects.exists()
    delivery = Delivery.objects.get(channel="webpush")
    assert (delivery.status, delivery.log[0]["status"]) == ("gone", 410)


def test_a_push_service_error_is_retried(people, northside, django_capture_on_commit_callbacks):
    browser = Browser.new()
    with receiver(500, 201) as push_service:
        browser.subscribe(people["teacher"], f"{push_service.url}/push/t")
        _raise(people["principal"], northside, django_capture_on_commit_callbacks, drill=True)
        assert Delivery.objects.get(channel="webpush").status == "retrying"
        assert run_scheduled() == 1
    delivery = Delivery.objects.get(channel="webpush")
    assert (delivery.status, delivery.attempts) == ("delivered", 2)
    assert browser.decrypt(push_service.requests[-1].body)["drill"] is True


def test_only_recipients_devices_are_pushed(people, northside, django_capture_on_commit_callbacks):
    with receiver(201) as push_service:
        Browser.new().subscribe(people["outsider"], f"{push_service.url}/push/outsider")
        Browser.new().subscribe(people["auditor"], f"{push_service.url}/push/auditor")
        _raise(people["principal"], northside, django_capture_on_commit_callbacks)
    assert push_service.requests == []


def _subscription_json(browser: Browser, endpoint: str) -> str:
    return json.dumps(
        {
            "endpoint": endpoint,
            "expirationTime": None,
            "keys": {"p256dh": browser.p256dh, "auth": b64url(browser.auth)},
        }
    )


FCM = "https://fcm.googleapis.com/fcm/send/dGVhY2hlcg:APA91b"


def _subscribe(user, browser: Browser, endpoint: str):
    return signed_in(user).post(
        "/emergencies/push/subscribe",
        _subscription_json(browser, endpoint),
        content_type="application/json",
    )


def test_a_subscription_stays_with_its_user_and_is_never_moved_to_another(people):
    teacher_browser, renewed, intruder = Browser.new(), Browser.new(), Browser.new()
    first = _subscribe(people["teacher"], teacher_browser, FCM)
    assert first.status_code == 201 and first.json()["created"] is True
    # The same user again (new keys after the browser renewed them): the keys are refreshed.
    again = _subscribe(people["teacher"], renewed, FCM)
    assert again.status_code == 201 and again.json()["created"] is False
    assert PushSubscription.objects.get().p256dh == renewed.p256dh

    # Someone else who learnt the endpoint cannot take the teacher's alerts.
    taken = _subscribe(people["counselor"], intruder, FCM)
    assert taken.status_code == 409
    assert taken.json()["errors"][0]["field"] == "endpoint"
    subscription = PushSubscription.objects.get()
    assert (subscription.user, subscription.p256dh) == (people["teacher"], renewed.p256dh)

    body = _subscription_json(renewed, FCM)
    theirs = signed_in(people["counselor"]).post(
        "/emergencies/push/unsubscribe", body, content_type="application/json"
    )
    assert theirs.json() == {"removed": 0}
    gone = signed_in(people["teacher"]).post(
        "/emergencies/push/unsubscribe", body, content_type="application/json"
    )
    assert gone.json() == {"removed": 1} and not PushSubscription.objects.exists()


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://fcm.googleapis.com/fcm/send/abc",
        "https://updates.push.services.mozilla.com/wpush/v2/gAAAAA",
        "https://web.push.apple.com/QGuQyavXutnMH",
        "https://wns2-par02p.notify.windows.com/w/?token=BQYAAA",
    ],
)
def test_the_browsers_push_services_are_accepted(settings, people, endpoint):
    settings.HAVEN_ALLOW_LOCAL_ENDPOINTS = False
    assert _subscribe(people["teacher"], Browser.new(), endpoint).status_code == 201


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://localtest.me/push",
        "https://169.254.169.254.sslip.io/latest/meta-data/",
        "https://metadata.google.internal./computeMetadata/v1/",
        "https://[64:ff9b::7f00:1]/push",
        "https://push.example.net/send/abc",  # not a push service
        "https://fcm.googleapis.com.rebind.example/fcm/send/abc",
        "http://fcm.googleapis.com/fcm/send/abc",
    ],
)
def test_an_endpoint_outside_the_push_services_is_refused(settings, people, endpoint):
    settings.HAVEN_ALLOW_LOCAL_ENDPOINTS = False
    response = _subscribe(people["teacher"], Browser.new(), endpoint)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["endpoint"]
    assert not PushSubscription.objects.exists()


def test_a_push_service_name_that_resolves_into_the_network_is_refused(settings, people):
    settings.HAVEN_ALLOW_LOCAL_ENDPOINTS = False
    settings.HAVEN_PUSH_SERVICES = [*settings.HAVEN_PUSH_SERVICES, "localtest.me"]
    with resolving({"fcm.googleapis.com": ["10.0.0.7"]}):
        for endpoint in (FCM, "https://localtest.me/push"):
            response = _subscribe(people["teacher"], Browser.new(), endpoint)
            assert response.status_code == 422, endpoint
    assert not PushSubscription.objects.exists()


def test_the_endpoint_is_checked_again_when_an_alert_is_pushed(
    settings, people, northside, django_capture_on_commit_callbacks
):
    settings.HAVEN_ALLOW_LOCAL_ENDPOINTS = False
    with receiver(201) as push_service:
        port = push_service.url.rsplit(":", 1)[1]
        # Registered while it was public; now the push service's name points at loopback.
        Browser.new().subscribe(people["teacher"], f"https://fcm.googleapis.com:{port}/fcm/x")
        with resolving({"fcm.googleapis.com": ["127.0.0.1"]}):
            _raise(people["principal"], northside, django_capture_on_commit_callbacks)
    assert push_service.requests == []
    delivery = Delivery.objects.get(channel="webpush")
    assert delivery.status == "failed" and "refused" in delivery.log[0]["error"]


@pytest.mark.parametrize(
    ("endpoint", "keys", "field"),
    [
        ("https://push.example.net/x", {"p256dh": "AAAA", "auth": "AAAA"}, "p256dh"),
        ("ftp://push.example.net/x", None, "endpoint"),
        ("https://127.0.0.1/x", None, "endpoint"),
        ("https://10.1.2.3/x", None, "endpoint"),
    ],
)
def test_a_bad_subscription_is_refused_naming_the_field(settings, people, endpoint, keys, field):
    settings.HAVEN_ALLOW_LOCAL_ENDPOINTS = False
    browser = Browser.new()
    data = {
        "endpoint": endpoint,
        "keys": keys or {"p256dh": browser.p256dh, "auth": "AAAAAAAAAAAAAAAAAAAAAA"},
    }
    response = signed_in(people["teacher"]).post(
        "/emergencies/push/subscribe", json.dumps(data), content_type="application/json"
    )
    assert response.status_code == 422
    assert field in [e["field"] for e in response.json()["errors"]]
    assert not PushSubscription.objects.exists()


def test_the_service_worker_is_served_for_the_whole_site(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Service-Worker-Allowed"] == "/"
    assert response["Content-Type"].startswith("application/javascript")
    assert b'addEventListener("push"' in response.content


def test_development_vapid_key_is_made_once_and_kept(settings):
    first = webpush.application_server_key()
    assert (settings.DATA_DIR / "keys" / "vapid.pem").stat().st_mode & 0o077 == 0
    assert webpush.application_server_key() == first
    assert len(unb64url(first)) == 65
