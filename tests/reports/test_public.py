"""The page a district may publish: off by default (404), then aggregate counts and outcomes only,
small counts withheld, no name or text."""

from __future__ import annotations

import pytest
import time_machine
from django.test import Client

from haven.reports.models import PublicReport
from haven.reports.public import public_figures
from tests.reports.conftest import NOW


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(NOW, tick=False):
        yield


def test_off_by_default(district, tips_world):
    assert Client().get(f"/reports/public/{district.slug}/").status_code == 404
    PublicReport.objects.create(district=district, enabled=False)
    assert Client().get(f"/reports/public/{district.slug}/").status_code == 404


def test_small_counts_are_withheld(district, tips_world):
    report = PublicReport.objects.create(district=district, enabled=True, suppress_below=2)
    found = public_figures(report, 2026)
    # 2026-27: t1-t5 and t7 (6 tips): bullying 3 (t1, t4, t7), weapon 2, self-harm 1.
    assert found["total"] == 6
    assert found["by_category"]["bullying"] == 3
    assert found["by_category"]["weapon"] == 2
    assert found["by_category"]["self_harm"] is None  # 1 is under 2: withheld
    assert found["by_category"]["drugs_alcohol"] == 0
    assert found["outcomes"]["false"] is None and found["outcomes"]["unfounded"] == 0
    # Acknowledged: t1 10, t2 3, t3 8, t5 30 minutes; the median (8 + 10) / 2.
    assert found["median_minutes_to_acknowledge"] == 9.0
    report.suppress_below = 10
    assert public_figures(report, 2026)["total"] is None
    assert public_figures(report, 2026)["median_minutes_to_acknowledge"] is None


def test_the_published_page(district, tips_world):
    PublicReport.objects.create(district=district, enabled=True, suppress_below=2)
    page = Client().get(f"/reports/public/{district.slug}/?year=2026-27")
    body = page.content.decode()
    assert page.status_code == 200
    assert "fewer than 2" in body and "How tips ended" in body
    assert "hand-made" not in body.lower() and "Northside" not in body  # no text, no school
    assert Client().get(f"/reports/public/{district.slug}/?year=soon").status_code == 400
