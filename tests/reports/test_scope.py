"""A report shows the schools its reader may see: a principal their school, the district
administrator every school. (Who may open each report route: tests/test_permissions.py.)"""

from __future__ import annotations

from tests.conftest import signed_in


def test_a_principal_sees_only_their_school(people, roster):
    body = signed_in(people["principal"]).get("/api/v1/reports/drills").json()
    assert {row["school"] for row in body["rows"]} <= {"northside-high"}
    schools = signed_in(people["principal"]).get("/reports/tips/").content.decode()
    assert "Riverside Middle School" not in schools
    district = signed_in(people["admin"]).get("/reports/tips/").content.decode()
    assert "Riverside Middle School" in district and "Northside High School" in district
