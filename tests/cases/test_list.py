"""The case list: filters applied in the database, pages, overdue follow-ups first, and a number
of queries that does not grow with the number of cases or with what a case holds."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from haven.access.models import Compartment
from haven.audit.models import AuditEvent
from haven.cases import services
from haven.cases.models import Case, Review
from haven.cases.services import CaseFilters
from haven.cases.views import pages
from tests.cases.conftest import open_case
from tests.conftest import signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def spread(people, roster, northside):
    """Four Northside cases: threat/routine, self_harm/urgent, both/high (closed), threat/urgent."""
    made = {
        "threat": open_case(people, northside, roster["maya"], type="threat"),
        "self_harm": open_case(people, northside, roster["eli"], type="self_harm", priority=3),
        "closed": open_case(people, northside, roster["eli"], type="both", priority=2),
        "urgent_threat": open_case(people, northside, roster["maya"], type="threat", priority=3),
    }
    services.close_case(
        people["principal"],
        made["closed"],
        criteria=list(services.CLOSURE_CRITERIA),
        summary="Resolved.",
    )
    return made


def ids(qs) -> list[int]:  # type: ignore[no-untyped-def]
    return [c.pk for c in qs]


def test_type_priority_and_status_filter_in_the_database(people, spread):
    counselor = people["counselor"]
    threats = services.find_cases(counselor, CaseFilters(type="threat"))
    # Compared through the blind index: the query holds its hash, never the word.
    index = Case._meta.get_field("type_index")
    sql = str(threats.query)
    assert '"type_index" IN' in sql and index.hashes("threat")[0] in sql and "threat" not in sql
    assert set(ids(threats)) == {spread["threat"].pk, spread["urgent_threat"].pk}
    urgent = services.find_cases(counselor, CaseFilters(priority=3, status="open"))
    assert set(ids(urgent)) == {spread["self_harm"].pk, spread["urgent_threat"].pk}
    closed = services.find_cases(counselor, CaseFilters(status="closed"))
    assert ids(closed) == [spread["closed"].pk]


def test_open_and_most_urgent_come_first(people, spread):
    rows = ids(services.find_cases(people["counselor"]))
    assert rows.index(spread["urgent_threat"].pk) < rows.index(spread["threat"].pk)
    assert rows[-1] == spread["closed"].pk


def test_overdue_follow_ups_come_first_when_asked(people, spread):
    late = spread["threat"]
    Review.objects.create(case=late, due_on=timezone.localdate() - timedelta(days=1))
    rows = list(services.find_cases(people["counselor"], CaseFilters(overdue_first=True)))
    assert rows[0].pk == late.pk and rows[0].overdue
    assert not any(r.overdue for r in rows[1:])


def test_mine_is_the_cases_one_is_on_the_team_of(people, roster, northside, spread):
    other = services.open_case(
        people["principal"], school=northside, type="threat", student=roster["eli"]
    )
    mine = ids(services.find_cases(people["counselor"], CaseFilters(mine=True, status=None)))
    assert other.pk not in mine and spread["threat"].pk in mine


@pytest.mark.parametrize(
    ("filters", "field"),
    [
        (CaseFilters(type="arson"), "type"),
        (CaseFilters(priority=9), "priority"),
        (CaseFilters(status="lost"), "status"),
    ],
)
def test_a_bad_filter_is_refused_by_name(people, filters, field):
    with pytest.raises(ValidationError) as err:
        services.find_cases(people["counselor"], filters)
    assert field in err.value.message_dict


def test_filters_never_widen_what_one_may_see(people, spread):
    assert ids(services.find_cases(people["outsider"], CaseFilters(type="threat"))) == []
    assert ids(services.find_cases(people["teacher"], CaseFilters(status=None))) == []


def test_a_page_is_audited_with_the_rows_shown(people, spread):
    shown = services.case_page(people["counselor"], CaseFilters(status=None), per_page=2, page=2)
    assert shown.paginator.count == 4 and len(shown.object_list) == 2
    entry = AuditEvent.objects.filter(action="list").latest("seq")
    assert entry.detail["ids"] == [c.pk for c in shown.object_list]


def test_list_page_paginates_and_keeps_the_filters(people, spread, monkeypatch):
    monkeypatch.setattr(pages, "LIST_PAGE", 2)
    client = signed_in(people["counselor"])
    body = client.get("/cases/?status=&type=threat").content.decode()
    assert "2 cases" in body
    body = client.get("/cases/?status=").content.decode()
    assert "4 cases" in body and "Page 1 of 2" in body
    assert "status=&amp;page=2" in body or "page=2&amp;status=" in body
    second = client.get("/cases/?status=&page=2").content.decode()
    assert f'data-case="{spread["closed"].pk}"' in second
    assert f'data-case="{spread["closed"].pk}"' not in body


def test_list_page_priority_filter(people, spread):
    body = signed_in(people["counselor"]).get("/cases/?priority=3").content.decode()
    assert f'data-case="{spread["self_harm"].pk}"' in body
    assert f'data-case="{spread["threat"].pk}"' not in body


def test_a_stale_filter_value_is_ignored_not_a_500(people, spread):
    response = signed_in(people["counselor"]).get("/cases/?priority=x&type=1&page=zz")
    assert response.status_code == 200
    assert f'data-case="{spread["threat"].pk}"' in response.content.decode()


def _queries(client, url: str) -> int:  # type: ignore[no-untyped-def]
    client.get(url)  # the session's first request does one-off work
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_case_page_queries_do_not_grow_with_what_the_case_holds(people, case, filled):
    client = signed_in(people["counselor"])
    services.start_assessment(people["principal"], case, "cstag")
    url, timeline = f"/cases/{case.pk}/", f"/cases/{case.pk}/timeline/"
    before, before_timeline = _queries(client, url), _queries(client, timeline)
    for part, author in (
        (Compartment.TEAM, "principal"),
        (Compartment.CLINICAL, "counselor"),
        (Compartment.LAW_ENFORCEMENT, "sro"),
    ):
        for n in range(3):
            services.add_note(people[author], case, part, f"note {n}")
    for n in range(3):
        services.add_task(people["principal"], case, title=f"Task {n}", assignee=people["sro"])
        services.post_message(people["sro"], case, f"Message {n}")
    services.start_assessment(people["principal"], case, "ntac")
    assert _queries(client, url) == before
    assert _queries(client, timeline) == before_timeline


def test_a_changed_type_or_priority_is_found_by_the_filters_at_once(people, spread):
    """The blind indexes follow the values when update_case saves only the fields it changed."""
    case = spread["threat"]
    services.update_case(people["principal"], case, type="both", priority=2)
    counselor = people["counselor"]
    both = services.find_cases(counselor, CaseFilters(type="both", status=None))
    assert set(ids(both)) == {spread["closed"].pk, case.pk}
    assert case.pk not in ids(services.find_cases(counselor, CaseFilters(type="threat")))
    assert case.pk in ids(services.find_cases(counselor, CaseFilters(priority=2)))
