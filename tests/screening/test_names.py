"""Names as the matcher sees them: diacritics, case, punctuation, compound surnames, suffixes,
nicknames."""

from __future__ import annotations

import string

from hypothesis import given
from hypothesis import strategies as st

from haven.screening.names import (
    SUFFIXES,
    Name,
    canon,
    is_nickname_pair,
    normalise,
    parse_full,
    surname_parts,
    tokens,
)

ACCENTS = {"a": "áàäâ", "e": "éèëê", "i": "íï", "o": "óöø", "u": "úüù", "n": "ñ", "c": "ç"}
words = st.text(alphabet=string.ascii_lowercase, min_size=2, max_size=12).filter(
    lambda w: w not in SUFFIXES
)


def test_diacritics_case_and_punctuation_disappear():
    assert tokens("José") == ("jose",)
    assert tokens("MÜLLER") == ("muller",)
    assert tokens("O'Brien") == ("obrien",)
    assert tokens("St. John") == ("st", "john")
    assert tokens("Garcia-Lopez") == ("garcia", "lopez")


def test_suffixes_go_to_their_own_field():
    name = normalise("William", "Smith Jr.", "J")
    assert name == Name(("william",), ("j",), ("smith",), "jr")
    assert normalise("John", "Doe", suffix="III").suffix == "iii"
    # A name that is only a "suffix" keeps it: nothing would be left otherwise.
    assert normalise("Ii", "Sr").surname == ("sr",)


def test_compound_surnames_split_into_parts_and_run_together():
    assert surname_parts(tokens("Garcia-Lopez")) == ("garcia", "lopez", "garcialopez")
    assert surname_parts(tokens("De La Cruz")) == ("cruz", "delacruz")
    assert surname_parts(tokens("Delacruz")) == ("delacruz",)
    assert surname_parts(tokens("Le")) == ("le",)  # a particle that is the surname counts


def test_full_names_split_into_first_middle_last():
    assert parse_full("Maria de la Cruz") == Name(("maria",), (), ("de", "la", "cruz"))
    assert parse_full("Smith, William J. Jr") == Name(("william",), ("j",), ("smith",), "jr")
    assert parse_full("Bill A. Smith") == Name(("bill",), ("a",), ("smith",))
    assert parse_full("Cher") == Name((), (), ("cher",))


def test_nicknames_pair_both_ways_and_through_a_shared_formal_name():
    assert is_nickname_pair("bill", "william")
    assert is_nickname_pair("william", "bill")
    assert is_nickname_pair("bill", "will")  # both stand for William
    assert not is_nickname_pair("william", "robert")
    assert not is_nickname_pair("bill", "bill")
    assert is_nickname_pair("bill", "robert")
    assert is_nickname_pair("bob", "bill")  # both stand for Robert
    assert canon("bill") >= {"bill", "william", "robert"}
    assert canon("william") == frozenset({"william"})
    assert canon("zzyzx") == frozenset({"zzyzx"})


@given(st.text(max_size=300))
def test_any_text_gives_lower_case_ascii_words(text):
    found = tokens(text)
    assert all(w and set(w) <= set(string.ascii_lowercase) for w in found)
    assert tokens(" ".join(found)) == found


@given(st.text(max_size=80), st.text(max_size=80), st.text(max_size=80), st.text(max_size=20))
def test_normalising_never_fails_and_survives_storage(first, last, middle, suffix):
    name = normalise(first, last, middle, suffix)
    assert Name.decode(name.encode()) == name
    full = parse_full(f"{first} {middle} {last}")
    assert Name.decode(full.encode()) == full


@given(st.lists(words, min_size=1, max_size=3), st.data())
def test_accents_and_case_do_not_change_a_name(parts, data):
    plain = " ".join(parts)
    fancy = "".join(
        data.draw(st.sampled_from(ACCENTS[c])) if c in ACCENTS and data.draw(st.booleans()) else c
        for c in plain
    )
    if data.draw(st.booleans()):
        fancy = fancy.upper()
    assert tokens(fancy) == tokens(plain)


@given(words, words, st.sampled_from(["Jr", "SR", "ii", "III", "Jr."]))
def test_a_suffix_written_into_the_surname_is_taken_out(first, last, suffix):
    name = normalise(first, f"{last} {suffix}")
    assert name.surname == (last,)
    assert name.suffix == suffix.lower().rstrip(".")
