"""Names as the matcher compares them: ASCII, lower case, no punctuation, split into tokens, with
the generational suffix (JR, SR, II, III, IV) kept apart and the surname's particles (de, la, van …)
recognised, plus the given-name ↔ nickname table (William ↔ Bill).

A :class:`Name` is what the registry table stores (``Name.encode``) and what the index reads back
(``Name.decode``), so the index can be rebuilt without normalising a million names again.

The nickname table is ``data/nicknames.csv`` (Apache-2.0, see NOTICE).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import jellyfish
from unidecode import unidecode

NICKNAMES_CSV = Path(__file__).resolve().parent / "data" / "nicknames.csv"

SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv", "junior", "senior"})
# Words that start a compound surname (De La Cruz, Van der Berg, Mc Donald, Garcia y Lopez). They
# count as parts of the surname only when they are its last word ("Le", "Du" are surnames too).
PARTICLES = frozenset(
    {
        "al",
        "bin",
        "d",
        "da",
        "dal",
        "das",
        "de",
        "degli",
        "dei",
        "del",
        "della",
        "den",
        "der",
        "des",
        "di",
        "do",
        "dos",
        "du",
        "el",
        "ibn",
        "la",
        "las",
        "le",
        "lo",
        "los",
        "mac",
        "mc",
        "san",
        "santa",
        "st",
        "ste",
        "ten",
        "ter",
        "van",
        "vander",
        "von",
        "y",
    }
)

_APOSTROPHES = re.compile("['`.\u2018\u2019\u00b4]")  # O'Brien (also with a typographic quote), St.
_NOT_LETTERS = re.compile(r"[^a-z]+")

MAX_FIELD = 200  # characters of one name field considered; longer input is cut, never an error


@lru_cache(maxsize=50_000)
def tokens(text: str) -> tuple[str, ...]:
    """The words of a name field: diacritics transliterated (José → jose, Müller → muller,
    Øster → oster), lower case, apostrophes and dots dropped (O'Brien → obrien), anything else that
    is not a letter (hyphens, commas, digits) splitting words."""
    ascii_text = unidecode(text[:MAX_FIELD]).lower()
    return tuple(_NOT_LETTERS.sub(" ", _APOSTROPHES.sub("", ascii_text)).split())


@dataclass(frozen=True, slots=True)
class Name:
    """One person's name, normalised. ``given`` is the first-name field's words, ``middle`` the
    middle names, ``surname`` every word of the last name (particles included)."""

    given: tuple[str, ...]
    middle: tuple[str, ...]
    surname: tuple[str, ...]
    suffix: str = ""

    def encode(self) -> str:
        """``given|middle|surname|suffix``, words separated by spaces (tokens hold only a-z)."""
        return "|".join(
            (" ".join(self.given), " ".join(self.middle), " ".join(self.surname), self.suffix)
        )

    @classmethod
    def decode(cls, text: str) -> Name:
        given, middle, surname, suffix = text.split("|")
        return cls(tuple(given.split()), tuple(middle.split()), tuple(surname.split()), suffix)

    @property
    def is_empty(self) -> bool:
        return not (self.given or self.surname)

    def words(self) -> tuple[str, ...]:
        return self.given + self.middle + self.surname


def _split_suffix(words: tuple[str, ...]) -> tuple[tuple[str, ...], str]:
    """Take generational suffixes out of ``words`` (unless nothing else would be left)."""
    if SUFFIXES.isdisjoint(words):
        return words, ""
    kept = tuple(w for w in words if w not in SUFFIXES)
    if not kept or len(kept) == len(words):
        return words, ""
    return kept, next(w for w in words if w in SUFFIXES)


def _suffix_of(text: str) -> str:
    found = [w for w in tokens(text) if w in SUFFIXES]
    return found[0] if found else ""


def normalise(first: str, last: str, middle: str = "", suffix: str = "") -> Name:
    """A name from its separate fields. Suffixes found in any field ("Smith Jr.") move to
    ``suffix``; an explicit ``suffix`` field wins."""
    given, s1 = _split_suffix(tokens(first))
    middle_words, s2 = _split_suffix(tokens(middle))
    surname, s3 = _split_suffix(tokens(last))
    return Name(given, middle_words, surname, _suffix_of(suffix) or s3 or s2 or s1)


def parse_full(text: str) -> Name:
    """A name written out in one string: ``Last, First Middle`` when there is a comma, else
    ``First Middle Last`` where the surname takes the last word and the particles before it
    ("Maria de la Cruz" → surname "de la cruz"). Used for aliases."""
    if "," in text:
        last, _, rest = text.partition(",")
        rest_words, s1 = _split_suffix(tokens(rest))
        surname, s2 = _split_suffix(tokens(last))
        return Name(rest_words[:1], rest_words[1:], surname, s2 or s1)
    words, suffix = _split_suffix(tokens(text))
    if len(words) <= 1:
        return Name((), (), words, suffix)
    start = len(words) - 1
    while start > 1 and words[start - 1] in PARTICLES:
        start -= 1
    return Name(words[:1], words[1:start], words[start:], suffix)


def surname_parts(surname: tuple[str, ...]) -> tuple[str, ...]:
    """The words of a surname that identify it, plus the whole surname run together when it has
    several: Garcia-Lopez → (garcia, lopez, garcialopez); De La Cruz → (cruz, delacruz);
    Delacruz → (delacruz,)."""
    if not surname:
        return ()
    last = len(surname) - 1
    parts = [w for i, w in enumerate(surname) if i == last or w not in PARTICLES]
    if len(surname) > 1:
        parts.append("".join(surname))
    return tuple(dict.fromkeys(parts))


# --- nicknames ------------------------------------------------------------------------------------


@cache
def nickname_table() -> dict[str, frozenset[str]]:
    """Each name → the names it is paired with in the table, either way round.

    The table lists pairs both ways ("bill has_nickname william" as well as "william has_nickname
    bill"), so it cannot say by itself which name is the formal one."""
    pairs: dict[str, set[str]] = {}
    with NICKNAMES_CSV.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            # Spelled as tokens() spells names: "k.c." → "kc"; a two-word entry joined.
            name, nickname = "".join(tokens(row["name1"])), "".join(tokens(row["name2"]))
            if name and nickname and name != nickname:
                pairs.setdefault(name, set()).add(nickname)
                pairs.setdefault(nickname, set()).add(name)
    return {name: frozenset(paired) for name, paired in pairs.items()}


@lru_cache(maxsize=20_000)
def canon(word: str) -> frozenset[str]:
    """The names ``word`` may be short for, itself included: a paired name at least as long
    (bill → {bill, billy, william, robert}; william → {william}). Two names that may be short for
    the same name are nickname pairs (Bill and Will, both William); Robert and William are not,
    though each pairs with Bill."""
    paired = nickname_table().get(word, frozenset())
    return frozenset({word, *(p for p in paired if len(p) >= len(word))})


def is_nickname_pair(a: str, b: str) -> bool:
    """Bill ↔ William, Bill ↔ Will (both stand for William); never a name with itself."""
    if a == b:
        return False
    return b in nickname_table().get(a, ()) or not canon(a).isdisjoint(canon(b))


# --- phonetic keys (the index's blocking keys) ----------------------------------------------------


@lru_cache(maxsize=50_000)
def phonetic(word: str) -> str:
    """Metaphone of a word (Smith, Smyth → SM0), or the word itself where metaphone gives
    nothing."""
    return jellyfish.metaphone(word) or word


@lru_cache(maxsize=100_000)
def given_keys(word: str) -> tuple[str, ...]:
    """Keys of a given name: the sound of every formal name it may stand for (Bill → BL, WLM,
    RBRT), so that a nickname and its formal name meet in the index."""
    if len(word) < 2:  # an initial says too little to look anything up by
        return ()
    return tuple(sorted({phonetic(w) for w in canon(word)}))


def surname_keys(surname: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(phonetic(p) for p in surname_parts(surname) if len(p) >= 2))


def name_keys(names: Iterable[Name]) -> tuple[set[str], set[str]]:
    """(given-name keys, surname keys) over all of a person's names."""
    given: set[str] = set()
    surname: set[str] = set()
    for name in names:
        for word in name.given + name.middle:
            given.update(given_keys(word))
        surname.update(surname_keys(name.surname))
    return given, surname
