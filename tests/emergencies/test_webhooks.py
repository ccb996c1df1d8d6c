"""Signed webhooks, retried with back-off against a receiver on loopback."""

from __future__ import annotations

import ipaddress
import json
import socket
import time

import pytest
from django.core.exceptions import ValidationError

from haven.emergencies.alerts import services, webhooks
from haven.emergencies.models import Delivery, Webhook
from tests.emergencies.conftest import run_scheduled
from tests.emergencies.receivers import receiver, redirecting
from tests.outbound import resolving

SECRET = "door-locks-shared-secret"


@pytest.fixture
def hook(district, northside):
    def make(url: str, school=None) -> Webhook:
        return Webhook.objects.create(
            district=district, school=school, name="PA system", url=f"{url}/hook", secret=SECRET
        )

    return make


def _raise(principal, school, capture, **kwargs):
    with capture(execute=True):
        return services.raise_incident(principal, school, "lockdown", **kwargs)


def test_signed_alert_is_retried_until_the_receiver_accepts_it(
    principal, northside, hook, django_capture_on_commit_callbacks
):
    with receiver(500, 200) as pa:
        hook(pa.url)
        incident = _raise(principal, northside, django_capture_on_commit_callbacks, note="Gym")
        delivery = Delivery.objects.get(channel="webhook")
        assert (delivery.status, delivery.attempts) == ("retrying", 1)
        assert delivery.log[0]["status"] == 500
        assert run_scheduled() == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("delivered", 2)
    assert [entry["status"] for entry in delivery.log] == [500, 200]
    assert delivery.delivered_at is not None

    first, second = pa.requests
    for request in (first, second):
        headers = {k.lower(): v for k, v in request.headers.items()}
        assert headers["content-type"] == "application/json"
        assert headers["x-haven-event"] == "alert.raised"
        assert headers["x-haven-delivery"] == str(delivery.pk)
        assert webhooks.verify(
            SECRET, headers["x-haven-timestamp"], request.body, headers["x-haven-signature"]
        )
        assert headers["x-haven-signature"].startswith("sha256=")
    document = json.loads(second.body)
    assert document["event"] == "alert.raised"
    assert document["alert"]["incident"] == incident.pk
    assert document["alert"]["protocol"] == "lockdown"
    assert document["alert"]["note"] == "Gym"


def test_a_tampered_body_or_wrong_secret_fails_verification():
    body = b'{"event":"alert.raised"}'
    now = str(int(time.time()))
    good = webhooks.signature(SECRET, now, body)
    assert webhooks.verify(SECRET, now, body, good)
    assert not webhooks.verify(SECRET, now, body + b" ", good)
    assert not webhooks.verify("another secret", now, body, good)
    old = str(int(time.time()) - 3600)
    assert not webhooks.verify(SECRET, old, body, webhooks.signature(SECRET, old, body))


def test_gives_up_after_the_configured_attempts(
    settings, principal, northside, hook, django_capture_on_commit_callbacks
):
    settings.HAVEN_WEBHOOK_ATTEMPTS = 3
    with receiver(503) as pa:
        hook(pa.url)
        _raise(principal, northside, django_capture_on_commit_callbacks)
        while run_scheduled():
            pass
    delivery = Delivery.objects.get(channel="webhook")
    assert (delivery.status, delivery.attempts, len(pa.requests)) == ("failed", 3, 3)


def test_an_unreachable_receiver_is_retried(
    principal, northside, hook, django_capture_on_commit_callbacks
):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    hook(f"http://127.0.0.1:{port}")
    _raise(principal, northside, django_capture_on_commit_callbacks)
    delivery = Delivery.objects.get(channel="webhook")
    assert delivery.status == "retrying"
    assert delivery.log[0]["status"] is None and "refused" in delivery.log[0]["error"].lower()


def test_only_the_schools_and_the_districts_hooks_are_called(
    principal, northside, riverside, hook, django_capture_on_commit_callbacks
):
    with receiver(200) as district_pa, receiver(200) as north_pa, receiver(200) as river_pa:
        hook(district_pa.url)
        hook(north_pa.url, school=northside)
        hook(river_pa.url, school=riverside)
        _raise(principal, northside, django_capture_on_commit_callbacks)
    assert [len(r.requests) for r in (district_pa, north_pa, river_pa)] == [1, 1, 0]


def test_back_off_doubles_and_is_capped(settings):
    settings.HAVEN_WEBHOOK_RETRY_SECONDS = 5
    assert [webhooks.backoff(n) for n in (1, 2, 3, 4)] == [5, 10, 20, 40]
    assert webhooks.backoff(20) == 600


def test_private_addresses_are_refused_in_production_settings(
    settings, principal, northside, hook, django_capture_on_commit_callbacks
):
    settings.HAVEN_ALLOW_LOCAL_ENDPOINTS = False
    with receiver(200) as pa:
        hook(pa.url)
        _raise(principal, northside, django_capture_on_commit_callbacks)
    assert pa.requests == []
    delivery = Delivery.objects.get(channel="webhook")
    assert delivery.status == "failed" and "refused" in delivery.log[0]["error"]


@pytest.mark.parametrize(
    "url",
    [
        "https://localtest.me/hook",
        "https://169.254.169.254.sslip.io/latest/meta-data/",
        "https://metadata.google.internal./computeMetadata/v1/",
        "https://[64:ff9b::7f00:1]/hook",
        "http://hooks.district.example/hook",
    ],
)
def test_a_webhook_into_the_private_network_is_refused_when_it_is_saved(settings, district, url):
    settings.HAVEN_ALLOW_LOCAL_ENDPOINTS = False
    webhook = Webhook(district=district, name="PA system", url=url, secret=SECRET)
    with pytest.raises(ValidationError) as excinfo:
        webhook.full_clean()
    assert "url" in excinfo.value.message_dict
    Webhook(
        district=district, name="PA", url="https://hooks.district.example/alerts", secret=SECRET
    ).full_clean()


def test_a_webhook_whose_name_now_points_inside_is_not_called(
    settings, principal, northside, hook, django_capture_on_commit_callbacks
):
    settings.HAVEN_ALLOW_LOCAL_ENDPOINTS = False
    with receiver(200) as pa, resolving({"hooks.district.example": ["127.0.0.1"]}):
        port = pa.url.rsplit(":", 1)[1]
        hook(f"https://hooks.district.example:{port}")
        _raise(principal, northside, django_capture_on_commit_callbacks)
    assert pa.requests == []
    delivery = Delivery.objects.get(channel="webhook")
    assert delivery.status == "failed" and "refused" in delivery.log[0]["error"]


def test_a_redirect_is_not_followed_with_the_signed_alert(
    principal, northside, hook, django_capture_on_commit_callbacks
):
    with receiver(200) as inside:
        with redirecting(f"{inside.url}/internal") as outside:
            hook(outside)
            _raise(principal, northside, django_capture_on_commit_callbacks)
    assert inside.requests == []
    delivery = Delivery.objects.get(channel="webhook")
    assert (delivery.status, delivery.log[0]["status"]) == ("failed", 302)


def test_a_private_network_the_operator_allowed_is_reached_and_no_other(
    settings, principal, northside, hook, django_capture_on_commit_callbacks
):
    settings.HAVEN_ALLOW_LOCAL_ENDPOINTS = False
    settings.HAVEN_WEBHOOK_NETWORKS = [ipaddress.ip_network("127.0.0.0/8")]  # "the PA's LAN"
    names = {"pa.northside.local": ["127.0.0.1"], "printer.northside.local": ["10.0.0.9"]}
    with receiver(200) as pa, resolving(names):
        port = pa.url.rsplit(":", 1)[1]
        # https is still required: the PA system here answers plain http, so it is refused...
        with pytest.raises(ValidationError):
            Webhook(district=northside.district, name="PA", url=pa.url, secret=SECRET).full_clean()
        Webhook(
            district=northside.district,
            name="PA",
            url=f"https://pa.northside.local:{port}/hook",
            secret=SECRET,
        ).full_clean()
        for url in ("https://printer.northside.local/", "https://169.254.169.254/"):
            with pytest.raises(ValidationError):
                Webhook(district=northside.district, name="x", url=url, secret=SECRET).full_clean()
