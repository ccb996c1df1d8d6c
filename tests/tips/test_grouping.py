"""Tips about the same incident are grouped as they arrive, and the responders work on the group.

The floods and near-misses here are written for these tests (Haven-written, invented names).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from haven.audit.models import AuditEvent
from haven.tips import grouping, services
from haven.tips.models import Disposition, Message, Status, Tip
from tests.conftest import signed_in
from tests.tips import tip_input

NOON = datetime(2026, 11, 4, 12, 0, tzinfo=ZoneInfo("America/New_York"))
LINK = "https://www.instagram.com/stories/jake.morrow22/3301/?igsh=MWQ1"

THREAT_FLOOD = [
    (
        "Jake Morrow posted on his instagram story that he is going to shoot up the school "
        "https://instagram.com/stories/jake.morrow22/3301",
        ["Jake Morrow"],
        "",
    ),
    ("there's a post going around from jake morrow saying he'll shoot up north tomorow", [], LINK),
    (
        "Jake M. said on insta he is bringing a gun tomorrow and shooting up the school",
        ["Jake"],
        "",
    ),
    (
        "Jake Morrow publicó en Instagram que mañana va a venir a disparar en la escuela.",
        ["Jake Morrow"],
        "",
    ),
    ("Alguien me mandó la historia de @jake.morrow22 diciendo que va a traer un arma", [], ""),
    (
        "This kid posted that he's gonna shoot up the school tomorrow, link is here",
        [],
        "http://instagram.com/stories/jake.morrow22/3301",
    ),
    (
        "Jake Morow (sp?) posted a threat on instagram, he said he'll shoot people tomorow",
        ["Jake Morow"],
        "",
    ),
]
FIGHT_ONE = [
    (
        "Huge fight in the B hallway by the vending machines right now, Marcus and Tyler are "
        "punching each other",
        ["Marcus", "Tyler"],
    ),
    (
        "fight in b hall near vending machines, Marcus Hill and Tyler are fighting, someone is "
        "bleeding",
        ["Marcus Hill"],
    ),
]
FIGHT_TWO = [
    (
        "Another fight in the B hallway by the vending machines, Dylan and Chris are punching "
        "each other",
        ["Dylan", "Chris"],
    ),
    (
        "fight in b hall near the vending machines right now, Dylan Park vs Chris",
        ["Dylan Park", "Chris"],
    ),
]


@pytest.fixture
def at_noon(time_machine):
    time_machine.move_to(NOON, tick=False)
    return time_machine


def _send(description: str, names=(), url: str = "", **overrides) -> tuple[Tip, str]:
    overrides.setdefault("category", "violence_threat")
    overrides.setdefault("location", "")
    return services.submit(
        tip_input(description=description, subject_names=list(names), online_url=url, **overrides)
    )


def _group(tip: Tip) -> int:
    return Tip.objects.get(pk=tip.pk).group_id


# --- grouping as tips arrive ----------------------------------------------------------------------


def test_a_flood_about_one_post_is_one_group_and_every_report_keeps_its_receipt(people, at_noon):
    sent = []
    for minute, (text, names, url) in enumerate(THREAT_FLOOD):
        at_noon.move_to(NOON + timedelta(minutes=minute), tick=False)
        sent.append(_send(text, names, url))
    tips = [tip for tip, _receipt in sent]
    assert len({_group(t) for t in tips}) == 1
    assert Tip.objects.filter(group_id=tips[0].group_id).count() == len(THREAT_FLOOD)
    receipts = [receipt for _tip, receipt in sent]
    assert len(set(receipts)) == len(THREAT_FLOOD)
    for tip, receipt in sent:
        assert services.find_by_receipt(receipt) == tip


def test_two_fights_in_the_same_hallway_are_two_groups(people, at_noon):
    one = [_send(text, names, category="other")[0] for text, names in FIGHT_ONE]
    two = [_send(text, names, category="other")[0] for text, names in FIGHT_TWO]
    assert _group(one[0]) == _group(one[1])
    assert _group(two[0]) == _group(two[1])
    assert _group(one[0]) != _group(two[0])


def test_an_unrelated_tip_about_the_same_person_is_not_grouped(people, at_noon):
    threat = _send(*THREAT_FLOOD[0][:2])[0]
    bike = _send(
        "Someone stole Jake Morrow's bike from the rack behind the gym after practice",
        ["Jake Morrow"],
        category="other",
    )[0]
    assert _group(threat) != _group(bike)


def test_another_school_or_past_the_window_is_a_new_group(people, at_noon, settings):
    text, names, url = THREAT_FLOOD[0]
    first = _send(text, names, url)[0]
    elsewhere = _send(text, names, url, school="riverside-middle")[0]
    assert _group(elsewhere) != _group(first)
    at_noon.move_to(NOON + timedelta(hours=71), tick=False)
    assert _group(_send(text, names, url)[0]) == _group(first)
    settings.HAVEN_TIP_GROUP_HOURS = 24
    at_noon.move_to(NOON + timedelta(hours=100), tick=False)
    assert _group(_send(text, names, url)[0]) != _group(first)


def test_a_flood_of_identical_submissions_is_stored_and_counted_once_each(people, at_noon):
    sent = [_send("He has a gun in his locker, locker 214", ["Sam"]) for _ in range(25)]
    assert Tip.objects.count() == 25
    assert len({receipt for _tip, receipt in sent}) == 25
    assert {_group(t) for t, _r in sent} == {_group(sent[0][0])}
    response = signed_in(people["counselor"]).get("/tips/")
    body = response.content.decode()
    assert body.count('data-testid="group-count"') == 1
    assert "25 reports" in body and body.count("data-group-size=") == 1


def test_the_database_holds_no_plaintext_of_the_fingerprint(people, at_noon):
    tip = _send("Marcus wrote SECRETWORD on the wall https://example.com/post/77", ["Marcus"])[0]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT fingerprint, fingerprint_keys, fingerprint_pepper FROM tips_tip WHERE id = %s",
            [tip.pk],
        )
        signature, keys, pepper = cursor.fetchone()
    raw = bytes(signature) + str(keys).encode() + pepper.encode()
    for word in (b"SECRETWORD", b"secretword", b"marcus", b"Marcus", b"example.com", b"post/77"):
        assert word not in raw
    assert len(bytes(signature)) == grouping.SIGNATURE_SIZE * 4
    assert {k[:2] for k in Tip.objects.get(pk=tip.pk).fingerprint_keys} == {"u:", "n:"}


def test_text_in_any_script_empty_of_names_or_enormous_is_stored_and_grouped(people, at_noon):
    texts = [
        "تهديد بإطلاق النار في المدرسة غدا 🔫🔫",
        "明天有人说要在学校开枪",
        "\ud800 broken surrogate and \x00 a nul",
        "x" * 10_000,
        "🔫" * 3000,
    ]
    stored = []
    for text in texts:
        tip, receipt = _send(text)
        assert tip.group_id is not None and services.find_by_receipt(receipt) == tip
        stored.append(tip)
    # The same enormous text twice is one group.
    assert _group(_send("x" * 10_000)[0]) == _group(stored[3])


# --- the matcher ----------------------------------------------------------------------------------


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    text=st.text(max_size=400),
    names=st.lists(st.text(max_size=40), max_size=5),
    url=st.text(max_size=80),
)
def test_any_text_has_a_fingerprint_that_matches_itself(text, names, url):
    found = grouping.fingerprint(text, subject_names=names, online_url=url)
    assert len(found.signature) == grouping.SIGNATURE_SIZE * 4
    [similarity] = grouping.similarities(found.signature, [found.signature])
    keys = set(found.keys())
    if grouping.shingles(text):
        assert similarity == 1.0
        assert grouping.match(float(similarity), keys, keys, True)
    for key in keys:
        assert key[:2] in ("u:", "n:") and len(key) == 18


@settings(max_examples=60, deadline=None)
@given(a=st.text(max_size=200), b=st.text(max_size=200), same=st.booleans())
def test_matching_is_symmetric(a, b, same):
    fa, fb = grouping.fingerprint(a), grouping.fingerprint(b)
    [ab] = grouping.similarities(fa.signature, [fb.signature])
    [ba] = grouping.similarities(fb.signature, [fa.signature])
    assert ab == ba and 0.0 <= ab <= 1.0
    assert grouping.match(ab, set(fa.keys()), set(fb.keys()), same) == grouping.match(
        ba, set(fb.keys()), set(fa.keys()), same
    )


def test_typos_and_tracking_links_still_look_alike(settings):
    one = grouping.fingerprint(
        "Kids are vaping in the second floor boys bathroom during 3rd period"
    )
    two = grouping.fingerprint("kids vapeing in the 2nd floor boys bathrom during third period")
    [similarity] = grouping.similarities(one.signature, [two.signature])
    assert similarity >= grouping.TEXT_SIMILARITY
    assert grouping.normal_link(LINK) == grouping.normal_link(
        "instagram.com/stories/jake.morrow22/3301"
    )
    assert {"jake", "morrow"} <= grouping.names_in("Vi la historia de @jake.morrow22 ayer")


# --- the responders' work on a group --------------------------------------------------------------


def test_a_message_to_the_group_reaches_each_reporter_in_their_own_dialogue(people, at_noon):
    sent = [_send(text, names, url) for text, names, url in THREAT_FLOOD[:3]]
    counselor = people["counselor"]
    out = services.message_group(counselor, sent[0][0], "Thank you. We are on it; stay safe.")
    assert len(out) == 3
    for tip, receipt in sent:
        thread = services.reporter_thread(services.find_by_receipt(receipt))
        assert [m.body for m in thread] == ["Thank you. We are on it; stay safe."]
        assert {m.tip_id for m in thread} == {tip.pk}
    assert Message.objects.count() == 3


def test_closing_the_group_closes_every_tip_with_one_disposition(people, at_noon):
    tips = [_send(text, names, url)[0] for text, names, url in THREAT_FLOOD[:4]]
    assert services.close_group(people["counselor"], tips[2], Disposition.DUPLICATE) == 4
    assert set(Tip.objects.values_list("status", "disposition")) == {
        (Status.CLOSED, Disposition.DUPLICATE)
    }


def test_a_group_merged_and_split_again_loses_and_doubles_nothing(people, at_noon):
    one = [_send(text, names, category="other")[0] for text, names in FIGHT_ONE]
    two = [_send(text, names, category="other")[0] for text, names in FIGHT_TWO]
    counselor = people["counselor"]
    assert services.merge(counselor, one[0], two[0]) == 2
    assert Tip.objects.filter(group_id=_group(one[0])).count() == 4
    with pytest.raises(Exception, match="already in one group"):
        services.merge(counselor, one[0], two[1])
    services.move_out(counselor, Tip.objects.get(pk=two[0].pk))
    services.move_out(counselor, Tip.objects.get(pk=two[1].pk))
    assert Tip.objects.filter(group_id=_group(one[0])).count() == 2
    assert Tip.objects.count() == 4
    assert len({_group(t) for t in [*one, *two]}) == 3
    moved = AuditEvent.objects.filter(object_type="tips.tip", object_id=str(two[0].pk))
    details = [e.detail.get("group") for e in moved if "group" in (e.detail or {})]
    assert any(d and d.get("merged") for d in details if isinstance(d, dict))
    assert any(d and not d.get("merged") for d in details if isinstance(d, dict))
    with pytest.raises(Exception, match="only one"):
        services.move_out(counselor, Tip.objects.get(pk=two[0].pk))


def test_a_group_of_another_school_cannot_be_merged_or_seen(people, at_noon):
    here = _send(*THREAT_FLOOD[0][:2])[0]
    there = _send(*THREAT_FLOOD[0][:2], school="riverside-middle")[0]
    with pytest.raises(Exception, match=r"same school|cannot"):
        services.merge(people["principal"], here, there)
    assert services.summary(people["counselor"], here).size == 1


# --- the API --------------------------------------------------------------------------------------


def test_the_api_gives_a_tips_group_and_lists_it(people, at_noon):
    tips = [_send(text, names, url)[0] for text, names, url in THREAT_FLOOD[:3]]
    lone = _send("My locker was broken into and my phone was stolen during gym", category="other")[
        0
    ]
    client = signed_in(people["counselor"])
    detail = client.get(f"/api/v1/tips/{tips[1].pk}").json()
    assert detail["group"] == {"id": tips[0].group_id, "size": 3}
    assert client.get(f"/api/v1/tips/{lone.pk}").json()["group"]["size"] == 1
    listed = client.get(f"/api/v1/tips?group={tips[0].group_id}").json()
    assert sorted(row["id"] for row in listed) == sorted(t.pk for t in tips)
    assert client.get("/api/v1/tips?group=999999").json() == []
    assert client.get("/api/v1/tips?group=abc").status_code == 422


# --- the pages ------------------------------------------------------------------------------------


def test_the_tip_page_shows_the_group_with_everyone_named_and_every_link(people, at_noon):
    tips = [_send(text, names, url)[0] for text, names, url in THREAT_FLOOD[:3]]
    body = signed_in(people["counselor"]).get(f"/tips/{tips[0].pk}/").content.decode()
    assert "3 reports of the same incident" in body
    assert "Jake Morrow" in body and LINK.replace("&", "&amp;") in body
    for tip in tips:
        assert f'data-tip="{tip.pk}"' in body


def test_moving_a_lone_tip_out_says_why_and_changes_nothing(people, at_noon):
    tip = _send(*THREAT_FLOOD[0][:2])[0]
    client = signed_in(people["counselor"])
    response = client.post(f"/tips/{tip.pk}/group/leave/", follow=True)
    assert "only one in its group" in response.content.decode()
    assert _group(tip) == tip.group_id
