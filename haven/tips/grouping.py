"""Telling whether two tips are about the same incident, without keeping their words in the clear.

Each tip gets a *fingerprint* when it arrives, made only of keyed hashes (the pepper of purpose
``tip-grouping``, see :mod:`haven.core.crypto`), so the database never holds a plaintext shingle,
name or link, and whoever reads the database without the pepper cannot test guesses against them:

* a MinHash signature (``SIGNATURE_SIZE`` values) of the text's character 4-grams — description and
  location, accents folded and case ignored — so typos and small rewordings still look alike;
* the keyed hashes of the links it gives (the online link and any link in the text, without the
  tracking query), and of the people it names (the names the reporter listed, ``@handles``, and
  capitalised words inside sentences that are not common words), one token at a time.

Two tips match (:func:`match`) when they share a link; or share a named person and either look
alike a little (``NAME_SIMILARITY``) or are of kindred categories (:data:`KINDRED`); or look much
alike (``TEXT_SIMILARITY``) without naming two different sets of people — so two fights in the same
hallway, each with its own students, stay apart. The thresholds were tuned on the Haven-written
floods in ``bench/data/tip_floods.json`` (paraphrase, typos, Spanish and English reports of one
post), whose precision and recall ``bench/tips.py`` reports.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

import numpy as np

from haven.core import crypto

PURPOSE = "tip-grouping"
SIGNATURE_SIZE = 128
SHINGLE = 4
#: Only so much text is fingerprinted: enough to tell incidents apart, and a 10,000-character tip
#: costs no more than a short one.
MAX_TEXT = 3000
TEXT_SIMILARITY = 0.30
NAME_SIMILARITY = 0.15
#: Categories a reporter may choose for the same incident (a gun in a threat post: a threat or a
#: weapon; a group chat mocking someone: bullying or harassment).
KINDRED = {
    "violence_threat": "violence",
    "weapon": "violence",
    "bullying": "bullying",
    "harassment": "bullying",
    "abuse_neglect": "abuse",
    "dating_violence": "abuse",
}

_rng = np.random.default_rng(20261207)  # public permutations: the secret is in the keyed hash
_A = _rng.integers(1, 1 << 63, size=SIGNATURE_SIZE, dtype=np.uint64) | np.uint64(1)
_B = _rng.integers(0, 1 << 63, size=SIGNATURE_SIZE, dtype=np.uint64)
_EMPTY = np.full(SIGNATURE_SIZE, np.iinfo(np.uint32).max, dtype=np.uint32)

_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"')\]]+", re.IGNORECASE)
_HANDLE = re.compile(r"@([\w.]{2,30})")
_WORD = re.compile(r"[^\W\d_]+(?:['\u2019][^\W\d_]+)?")
_SENTENCE_END = re.compile(r"[.!?¡¿:;\n]")
#: Capitalised words that are not names (English and Spanish): the days, months, platforms and the
#: words a sentence often starts with after a comma.
NOT_NAMES = frozenset(
    """
    i im i'm ive i've id i'd ill i'll me my mr mrs ms miss dr coach sr sra srta profe
    monday tuesday wednesday thursday friday saturday sunday today tomorrow tonight yesterday
    lunes martes miercoles jueves viernes sabado domingo hoy manana ayer anoche
    january february march april may june july august september october november december
    enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre
    instagram insta snapchat snap tiktok facebook twitter discord youtube whatsapp reddit x
    google gmail bereal telegram roblox fortnite minecraft
    he she they we you it the a an and or but if so this that there his her their
    el la los las un una y o pero si que ella ellos nosotros yo tu usted su sus es
    school escuela high middle elementary gym cafeteria library hall hallway bus room
    please help pls plz omg lol idk btw god dios ok okay hey hi hola
    english spanish ingles espanol principal counselor counsellor teacher maestro maestra
    """.split()
)


@dataclass(frozen=True)
class Fingerprint:
    """What is stored of a tip for grouping: only keyed hashes."""

    signature: bytes  # SIGNATURE_SIZE little-endian uint32
    links: tuple[str, ...]
    names: tuple[str, ...]
    pepper: str

    def keys(self) -> list[str]:
        return [f"u:{h}" for h in self.links] + [f"n:{h}" for h in self.names]


def fold(text: str) -> str:
    """Lower case, accents removed, anything that is not a letter or digit a single space."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return " ".join(re.sub(r"[\W_]+", " ", plain).split())


def shingles(text: str) -> set[str]:
    folded = fold(text[:MAX_TEXT])
    if not folded:
        return set()
    padded = f" {folded} "
    if len(padded) <= SHINGLE:
        return {padded}
    return {padded[i : i + SHINGLE] for i in range(len(padded) - SHINGLE + 1)}


def normal_link(url: str) -> str:
    """A link as the same post is linked by everyone: no scheme, ``www.`` or ``m.``, no query or
    fragment (the tracking part), no trailing slash, host in lower case."""
    url = url.strip().rstrip(".,;:!?")
    url = re.sub(r"^(?:https?://)?", "", url, flags=re.IGNORECASE)
    url = re.split(r"[?#]", url, maxsplit=1)[0]
    host, _slash, path = url.partition("/")
    host = host.lower().removeprefix("www.").removeprefix("m.")
    path = path.rstrip("/")
    return f"{host}/{path}" if path else host


def links_in(text: str, online_url: str = "") -> set[str]:
    found = {normal_link(u) for u in _URL.findall(text[:MAX_TEXT])}
    if online_url:
        found.add(normal_link(online_url))
    return {f for f in found if "." in f.split("/", 1)[0]}


def names_in(text: str, listed: list[str] | tuple[str, ...] = ()) -> set[str]:
    """The people a tip names, folded, one token each: the listed names, @handles, and capitalised
    words that do not begin a sentence and are not common words."""
    found: set[str] = set()
    for name in listed:
        found.update(t for t in fold(name).split() if len(t) > 1 and t not in NOT_NAMES)
    text = _URL.sub(" ", text[:MAX_TEXT])
    for handle in _HANDLE.findall(text):  # jake.morrow22: "jake", "morrow"
        found.update(t for t in re.split(r"[\W\d_]+", fold(handle)) if len(t) > 1)
    text = _HANDLE.sub(" ", text)
    previous_end = 0
    for m in _WORD.finditer(text):
        word = m.group()
        starts_sentence = previous_end == 0 or _SENTENCE_END.search(text, previous_end, m.start())
        previous_end = m.end()
        if starts_sentence or not word[0].isupper() or (word.isupper() and len(word) > 1):
            continue
        token = re.sub(r"['\u2019]s$", "", word)  # Jake's: jake
        token = fold(token).replace(" ", "")
        if len(token) > 1 and token not in NOT_NAMES:
            found.add(token)
    return {n for n in found if n}


def _hash64(key: bytes, items: set[str]) -> np.ndarray:
    values = [
        int.from_bytes(hashlib.blake2b(s.encode(), key=key, digest_size=8).digest(), "little")
        for s in items
    ]
    return np.array(values, dtype=np.uint64)


def signature(key: bytes, items: set[str]) -> np.ndarray:
    if not items:
        return _EMPTY.copy()
    x = _hash64(key, items)[:, None]
    # Multiply-shift hashing (wrapping 64-bit a·x + b, high 32 bits): one permutation per column.
    with np.errstate(over="ignore"):
        permuted = (x * _A + _B) >> np.uint64(32)
    return permuted.min(axis=0).astype(np.uint32)


def _key() -> crypto.PepperKey:
    return crypto.pepper_keys(PURPOSE)[0]


def fingerprint(
    description: str,
    *,
    location: str = "",
    subject_names: list[str] | tuple[str, ...] = (),
    online_url: str = "",
) -> Fingerprint:
    """The keyed fingerprint of a tip's words (see the module's docstring)."""
    pepper = _key()
    text = f"{description}\n{location}"
    short = hashlib.blake2b(key=pepper.key, digest_size=8)
    hashed_links: list[str] = []
    hashed_names: list[str] = []
    for out, values in (
        (hashed_links, links_in(text, online_url)),
        (hashed_names, names_in(description, subject_names)),
    ):
        for value in sorted(values):
            h = short.copy()
            h.update(value.encode())
            out.append(h.hexdigest())
    return Fingerprint(
        signature=signature(pepper.key, shingles(text)).astype("<u4").tobytes(),
        links=tuple(sorted(hashed_links)),
        names=tuple(sorted(hashed_names)),
        pepper=pepper.key_id,
    )


def as_array(signature_bytes: bytes | memoryview | None) -> np.ndarray:
    raw = bytes(signature_bytes or b"")
    if len(raw) != SIGNATURE_SIZE * 4:
        return _EMPTY.copy()
    return np.frombuffer(raw, dtype="<u4")


def similarities(new: bytes, others: list[Any]) -> np.ndarray:
    """The estimated Jaccard similarity of ``new``'s shingles with each of ``others``'s."""
    if not others:
        return np.zeros(0)
    mine = as_array(new)
    if (mine == _EMPTY).all():
        return np.zeros(len(others))
    width = SIGNATURE_SIZE * 4
    raw = b"".join(b if len(b) == width else _EMPTY.tobytes() for b in map(bytes, others))
    stack = np.frombuffer(raw, dtype="<u4").reshape(len(others), SIGNATURE_SIZE)
    return (stack == mine).mean(axis=1)


def kindred(category: str, other: str) -> bool:
    return category == other or KINDRED.get(category, category) == KINDRED.get(other, other)


def match(
    similarity: float,
    keys: set[str],
    other_keys: set[str],
    kindred_categories: bool,
) -> bool:
    """Whether two tips are about the same incident (see the module's docstring)."""
    return Matcher(keys).match(similarity, other_keys, kindred_categories)


class Matcher:
    """:func:`match` for one new tip against many: its links and names split once."""

    def __init__(self, keys: set[str]) -> None:
        self.links = {k for k in keys if k.startswith("u:")}
        self.names = keys - self.links

    def match(self, similarity: float, other_keys: set[str], kindred_categories: bool) -> bool:
        if not self.links.isdisjoint(other_keys):
            return True
        if not self.names.isdisjoint(other_keys):
            return similarity >= NAME_SIMILARITY or kindred_categories
        if self.names and any(k[:2] == "n:" for k in other_keys):
            return False  # each names its own people: two incidents that read alike
        return similarity >= TEXT_SIMILARITY
