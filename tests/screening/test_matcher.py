"""The matcher: names and dates of birth, on in-memory lists (the registry's index is the same code
built from the database; watchlists use this API directly)."""

from __future__ import annotations

import datetime as dt
import random
import string

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from haven.screening import services
from haven.screening.matcher import Index, Outcome, Query, Record, Relation, overall
from haven.screening.names import PARTICLES, SUFFIXES, nickname_table, tokens

BORN = dt.date(1975, 3, 14)


def person(first, last, born=BORN, **kwargs):
    return Record.of("test", f"{first}-{last}-{born}", first, last, born, **kwargs)


# A crowd of other people (deterministic), so that the blocking tables are used, not a scan.
_rng = random.Random(1)
CROWD = [
    person(
        "".join(_rng.choices(string.ascii_lowercase, k=_rng.randint(3, 8))).capitalize(),
        "".join(_rng.choices(string.ascii_lowercase, k=_rng.randint(4, 9))).capitalize(),
        dt.date(1950, 1, 1) + dt.timedelta(days=_rng.randrange(20_000)),
    )
    for _ in range(300)
]


def index_of(*records, blocking=True):
    return Index.build([*CROWD, *records], compare_all_below=0 if blocking else 10**9)


def outcome_for(index, first, last, born=BORN, middle="", by_hand=False, record=None):
    hits = index.search(Query.of(first, last, born, middle, dob_typed_by_hand=by_hand))
    if record is not None:
        hits = [h for h in hits if h.ref is record]
    return overall(hits)


@pytest.fixture(params=[True, False], ids=["blocking", "row-by-row"])
def blocking(request):
    return request.param


def test_same_name_and_date_is_a_match(blocking):
    william = person("William", "Smith", middle_name="James")
    index = index_of(william, blocking=blocking)
    assert outcome_for(index, "William", "Smith") == Outcome.MATCH
    assert outcome_for(index, "WILLIAM", "SMITH", middle="J") == Outcome.MATCH


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        ("Bill", "Smith", Outcome.MATCH),  # nickname
        ("Willaim", "Smith", Outcome.MATCH),  # typo
        ("William", "Smtih", Outcome.MATCH),
        ("Smith", "William", Outcome.MATCH),  # first and last swapped
        ("Wiliam", "Smith-Jones", Outcome.REVIEW),  # typo and a second surname
        ("Willem", "Smyth-Jones", Outcome.CLEAR),  # one difference too many
        ("John", "Smith", Outcome.CLEAR),  # another first name
        ("William", "Jones", Outcome.CLEAR),  # another surname
    ],
)
def test_name_variants(blocking, first, last, expected):
    index = index_of(person("William", "Smith"), blocking=blocking)
    assert outcome_for(index, first, last) == expected


@pytest.mark.parametrize(
    ("first", "last", "on_list_first", "on_list_last", "expected"),
    [
        ("Jose", "Garcia", "José", "García", Outcome.MATCH),
        ("Maria", "Delacruz", "María", "De La Cruz", Outcome.MATCH),
        ("Maria", "De la Cruz", "Maria", "Delacruz", Outcome.MATCH),
        ("Sean", "OBrien", "Seán", "O'Brien", Outcome.MATCH),
        ("Anna", "Lopez Garcia", "Anna", "Garcia Lopez", Outcome.MATCH),
        ("Anna", "Garcia y Lopez", "Anna", "Garcia-Lopez", Outcome.MATCH),
        # One part of a compound surname: possible, for the clerk to compare.
        ("José", "Garcia", "Jose", "Garcia-Lopez", Outcome.REVIEW),
        ("José", "Garcia-Lopez", "Jose", "Garcia", Outcome.REVIEW),
        ("José", "Lopez", "Jose", "Garcia Lopez", Outcome.REVIEW),
    ],
)
def test_diacritics_and_compound_surnames(
    blocking, first, last, on_list_first, on_list_last, expected
):
    index = index_of(person(on_list_first, on_list_last), blocking=blocking)
    assert outcome_for(index, first, last) == expected


def test_aliases_are_searched(blocking):
    record = person("Robert", "Johnson", aliases=["Bobby Jay", "Smith, Robert"])
    index = index_of(record, blocking=blocking)
    assert outcome_for(index, "Bobby", "Jay") == Outcome.MATCH
    assert outcome_for(index, "Robert", "Smith") == Outcome.MATCH


def test_middle_names_may_be_missing_but_not_different(blocking):
    record = person("Luis", "Anderson", middle_name="Crissy")
    index = index_of(record, blocking=blocking)
    assert outcome_for(index, "Luis", "Anderson") == Outcome.MATCH
    assert outcome_for(index, "Luis", "Anderson", middle="C") == Outcome.MATCH
    assert outcome_for(index, "Luis", "Anderson", middle="Brian") == Outcome.REVIEW
    # Someone who goes by their middle name.
    assert outcome_for(index, "Crissy", "Anderson") != Outcome.CLEAR


def test_a_different_suffix_is_not_a_match():
    index = index_of(person("William", "Smith", suffix="Jr"))
    assert outcome_for(index, "William", "Smith Jr") == Outcome.MATCH
    assert outcome_for(index, "William", "Smith Sr") == Outcome.REVIEW


@pytest.mark.parametrize(
    ("born", "expected", "relation"),
    [
        (BORN, Outcome.MATCH, Relation.EXACT),
        (dt.date(1975, 14 % 12 or 12, 3), Outcome.CLEAR, None),  # not a swap: 14 is no month
        (dt.date(1975, 3, 15), Outcome.REVIEW, Relation.ONE_OFF),  # day off by one
        (dt.date(1975, 3, 24), Outcome.REVIEW, Relation.ONE_OFF),  # a digit one key away
        (dt.date(1975, 3, 11), Outcome.CLEAR, None),  # three days out
        (dt.date(1975, 4, 14), Outcome.REVIEW, Relation.ONE_OFF),  # month off by one
        (dt.date(1957, 3, 14), Outcome.REVIEW, Relation.ONE_OFF),  # year digits swapped
        (dt.date(1985, 3, 14), Outcome.REVIEW, Relation.ONE_OFF),  # ten years out
        (dt.date(1976, 3, 14), Outcome.REVIEW, Relation.ONE_OFF),
        (dt.date(1978, 3, 14), Outcome.CLEAR, None),  # three years out
        (dt.date(1975, 9, 14), Outcome.CLEAR, None),  # another month
        (dt.date(1981, 7, 2), Outcome.CLEAR, None),
    ],
)
def test_dates_of_birth(blocking, born, expected, relation):
    record = person("William", "Smith")
    index = index_of(record, blocking=blocking)
    hits = [h for h in index.search(Query.of("William", "Smith", born)) if h.ref is record]
    assert overall(hits) == expected
    if relation:
        assert hits[0].relation == relation


def test_day_and_month_swapped_is_a_match(blocking):
    record = person("Maria", "Lopez", dt.date(1980, 7, 4))
    index = index_of(record, blocking=blocking)
    hits = index.search(Query.of("Maria", "Lopez", dt.date(1980, 4, 7)))
    assert [(h.ref, h.relation, h.outcome) for h in hits] == [
        (record, Relation.SWAPPED, Outcome.MATCH)
    ]


def test_a_date_typed_by_hand_is_compared_within_five_years(blocking):
    record = person("William", "Smith")
    index = index_of(record, blocking=blocking)
    typed = dt.date(1978, 11, 2)
    assert outcome_for(index, "William", "Smith", typed) == Outcome.CLEAR
    assert outcome_for(index, "William", "Smith", typed, by_hand=True) == Outcome.REVIEW
    assert outcome_for(index, "Bill", "Smith", typed, by_hand=True) == Outcome.REVIEW
    far = dt.date(1981, 11, 2)
    assert outcome_for(index, "William", "Smith", far, by_hand=True) == Outcome.CLEAR


def test_twins_are_told_apart_by_their_first_names(blocking):
    index = index_of(person("Amanda", "Price"), person("Bethany", "Price"), blocking=blocking)
    hits = index.search(Query.of("Amanda", "Price", BORN))
    assert [h.ref.display_name for h in hits] == ["Amanda Price"]


def test_entries_without_a_date_of_birth_are_reviewed_on_a_strong_name(blocking):
    banned = Record.of("watchlist:banned", "7", "Trent", "Halloway", None)
    index = index_of(banned, blocking=blocking)
    assert outcome_for(index, "Trent", "Halloway", dt.date(1990, 1, 1)) == Outcome.REVIEW
    assert outcome_for(index, "Trent", "Holloway", dt.date(1990, 1, 1)) == Outcome.REVIEW
    assert outcome_for(index, "Brent", "Galloway", dt.date(1990, 1, 1)) == Outcome.CLEAR


def test_a_watchlist_is_screened_with_the_same_matcher():
    watchlist = [
        Record.of("watchlist:banned", "b-1", "Trent", "Halloway", dt.date(1982, 5, 9)),
        Record.of(
            "watchlist:custody",
            "c-4",
            "Carl",
            "Lopez",
            dt.date(1979, 12, 1),
            aliases=["Carlos Lopez"],
        ),
    ]
    index = Index.build(watchlist)
    outcome, hits = services.search(index, "Carlos", "López", dt.date(1979, 1, 12))
    assert outcome == Outcome.MATCH
    assert [services.record_match(h) for h in hits] == [
        {
            "source": "watchlist:custody",
            "record_id": "c-4",
            "name": "Carl Lopez",
            "date_of_birth": "1979-12-01",
            "score": 0.97,
            "outcome": "match",
            "date_agrees": "swapped",
        }
    ]
    assert services.search(index, "Maya", "Lopez", dt.date(2010, 3, 4)) == (Outcome.CLEAR, [])


def test_a_large_list_uses_the_tables_and_finds_the_same():
    rng = random.Random(5)
    records = [
        person(
            rng.choice(["James", "John", "Robert", "Mary", "Linda", "Jose", "Maria"]),
            rng.choice(["Smith", "Johnson", "Garcia", "Lee", "Nguyen", "Brown"]),
            dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(10_000)),
        )
        for _ in range(3_000)
    ]
    index = Index.build(records)
    assert len(index) > index.compare_all_below
    for record in rng.sample(records, 40):
        first, last = record.display_name.split()
        hits = index.search(Query.of(last, first, record.date_of_birth))  # swapped
        assert record in [h.ref for h in hits]


# --- properties -----------------------------------------------------------------------------------

word = st.text(alphabet=string.ascii_lowercase, min_size=4, max_size=10).filter(
    lambda w: w not in SUFFIXES and w not in PARTICLES
)
dates = st.dates(min_value=dt.date(1920, 1, 1), max_value=dt.date(2010, 12, 31))
NICKNAMES = sorted((a, b) for a, paired in nickname_table().items() for b in paired)
fast = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def typo(text, data):
    i = data.draw(st.integers(0, len(text) - 1))
    kind = data.draw(st.sampled_from(["replace", "drop", "insert", "swap"]))
    letter = data.draw(st.sampled_from(string.ascii_lowercase))
    if kind == "replace":
        return text[:i] + letter + text[i + 1 :]
    if kind == "drop":
        return text[:i] + text[i + 1 :]
    if kind == "insert":
        return text[:i] + letter + text[i:]
    j = min(i + 1, len(text) - 1)
    chars = list(text)
    chars[i], chars[j] = chars[j], chars[i]
    return "".join(chars)


@fast
@given(
    first=st.text(min_size=1, max_size=30),
    last=st.text(min_size=1, max_size=30),
    middle=st.text(max_size=20),
    born=dates,
    aliases=st.lists(st.text(max_size=30), max_size=3),
)
def test_a_record_always_finds_itself(first, last, middle, born, aliases):
    record = Record.of("test", "me", first, last, born, middle_name=middle, aliases=aliases)
    assume(record.names[0].given and record.names[0].surname)
    index = index_of(record)
    hits = index.search(Query.of(first, last, born, middle))
    assert hits and hits[0].ref is record and hits[0].outcome == Outcome.MATCH


@fast
@given(first=word, last=word, born=dates, data=st.data())
def test_a_variant_of_a_record_finds_it(first, last, born, data):
    record = person(first.capitalize(), last.capitalize(), born)
    variant = data.draw(st.sampled_from(["typo first", "typo last", "swapped", "dob swap"]))
    q_first, q_last, q_born = first, last, born
    if variant == "typo first":
        q_first = typo(first, data)
    elif variant == "typo last":
        q_last = typo(last, data)
    elif variant == "swapped":
        q_first, q_last = last, first
    elif born.day <= 12:
        q_born = dt.date(born.year, born.day, born.month)
    assume(tokens(q_first) and tokens(q_last) and set(tokens(q_first + " " + q_last)) - SUFFIXES)
    index = index_of(record)
    assert outcome_for(index, q_first, q_last, q_born, record=record) != Outcome.CLEAR


@fast
@given(pair=st.sampled_from(NICKNAMES), last=word, born=dates)
def test_a_nickname_finds_the_formal_name_and_back(pair, last, born):
    nickname, formal = pair
    assume(len(nickname) > 1 and last not in (nickname, formal))
    on_list = person(formal.capitalize(), last.capitalize(), born)
    index = index_of(on_list)
    assert outcome_for(index, nickname, last, born, record=on_list) == Outcome.MATCH
    on_list = person(nickname.capitalize(), last.capitalize(), born)
    index = index_of(on_list)
    assert outcome_for(index, formal, last, born, record=on_list) == Outcome.MATCH


@fast
@given(
    records=st.lists(
        st.tuples(st.text(max_size=20), st.text(max_size=20), st.none() | dates), max_size=5
    ),
    first=st.text(max_size=40),
    last=st.text(max_size=40),
    middle=st.text(max_size=40),
    born=st.none() | st.dates(),
    by_hand=st.booleans(),
)
def test_arbitrary_text_never_raises(records, first, last, middle, born, by_hand):
    listed = [Record.of("t", str(i), f, ln, b) for i, (f, ln, b) in enumerate(records)]
    for index in (Index.build(listed), Index.build(listed, compare_all_below=0)):
        hits = index.search(Query.of(first, last, born, middle, dob_typed_by_hand=by_hand))
        assert overall(hits) in (Outcome.CLEAR, Outcome.REVIEW, Outcome.MATCH)
        assert all(0 <= h.score <= 1 for h in hits)
