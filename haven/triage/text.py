"""Text normalisation for triage: what students write, turned into what the model reads.

``prepare(text)`` returns a :class:`Prepared` text: the normalised string, a *marked* copy of it
(same length) in which negated words are upper-cased, and for every normalised character the span
of the original text it came from, so that evidence found in the normalised text can be shown on
the original.

Normalisation, in order:

* characters: accents stripped (NFKD), case folded, look-alike Cyrillic and Greek letters mapped
  to Latin, invisible characters dropped, a few emoji named (a pistol emoji reads as ``gun``),
  curly quotes made straight;
* obfuscation: letters spelt out one by one with separators (``s.u.i.c.i.d.e``, ``k i l l``)
  joined, and a few spelt-out euphemisms (``sewer slide``) replaced;
* per word: slang and misspellings expanded (``kms`` -> ``kill myself``, ``unalive`` -> ``kill``,
  ``tmrw`` -> ``tomorrow``, ``xq`` -> ``porque``), leetspeak decoded (``k1ll``, ``$uicide``,
  ``sh00t``; numbers such as ``3pm`` or ``7th`` are left alone), masked letters (``k*ll``) filled in
  when exactly one watched word fits, apostrophes dropped (``don't`` -> ``dont``) and letters
  repeated for emphasis collapsed (``dieeee`` -> ``die``, ``killlll`` -> ``kill``).

Negation (``mark_negation``): after a negation word (``not``, ``never``, ``don't``, ``no``,
``nunca``, ``jamás`` ...) the next few words of the clause are upper-cased, so that ``I would never
kill myself`` gives the model the features ``KILL MYSELF``, distinct from ``kill myself``. The scope
ends at punctuation, at a conjunction (``but``, ``pero``, ``and``, ``y`` ...), at a new subject
(``I``, ``he`` ...) or after five words. ``not joking``, ``no cap`` and ``no lie`` are intensifiers,
not negations.

Reported speech (``reported_spans``): ``he said``, ``she told me``, ``dijo que`` ... mark a text as
being about someone else. That does *not* lower a concern: a tip is usually about someone else.

Urgency cues (``find_cues``, ``CUE_PATTERNS``): a *time* (tonight, tomorrow, el viernes), a
*means at hand* (someone has, carries or is with a gun, pills, a rope, un cuchillo; a knife in his
backpack), a *plan* (a note, giving things away, "don't come to school") and something happening
*now* (right now, just took, not waking up). Cues in a negated scope are ignored; past times
("yesterday") are not cues. The classifier combines them with its scores
(see :mod:`haven.triage.classifier`).

Features (``features``, the vectoriser's analyzer): the words of the marked text, word pairs,
character 3-5-grams within words, one ``@lex:category`` feature per word of the small per-category
``LEXICON`` (so knowledge of a word carries across wordings), and a marker per kind of urgency cue.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

MAX_CHARS = 20_000
"""Texts longer than this are cut to this many characters before classification (and say so)."""

# --- lexicons -------------------------------------------------------------------------------

# Words whose spelling we try to restore (elongation, leetspeak, masked letters). Not a dictionary,
# just enough for the choices those steps make.
WATCHED = frozenset(
    """
    kill kills killed killing killer die died dies dying dead death suicide suicidal myself yourself
    himself herself themselves hurt hurting cut cutting cutter shoot shooting shot shooter gun guns
    knife knives stab stabbing bomb bombs pills pill overdose rope hang hanging jump weed vape
    vaping drunk high rape raped nudes naked sex touch touched hate ugly fat stupid loser freak
    bitch slut whore retard fag gay kill help please stop scared sorry alone nobody anymore
    goodbye tonight tomorrow today school all everyone everybody threat threaten will
    matar matarme matarte mato morir muero muerte muerto suicidio suicidarme pistola arma armas
    cuchillo navaja pastillas cuerda ayuda odio miedo triste solo sola nadie todos adios manana
    noche hoy quiero puta perra gordo gorda feo fea droga drogas
    no so too yes good bad sad cool off see been need feel free
    """.split()
)

# Slang, abbreviations and misspellings, per word (after apostrophes are dropped).
SLANG: dict[str, str] = {
    # self-harm euphemisms
    "kms": "kill myself",
    "kys": "kill yourself",
    "kmsl": "laughing",  # "killing myself laughing"
    "unalive": "kill",
    "unalived": "killed",
    "unaliving": "killing",
    "unaliveing": "killing",
    "sewerslide": "suicide",
    "suicde": "suicide",
    "sucide": "suicide",
    "suiside": "suicide",
    "suicied": "suicide",
    "suicidel": "suicidal",
    "sucidal": "suicidal",
    "suicdal": "suicidal",
    "selfharm": "self harm",
    "ctb": "kill myself",  # "catch the bus"
    "seggs": "sex",
    # time
    "tmrw": "tomorrow",
    "tmr": "tomorrow",
    "tmrow": "tomorrow",
    "tmro": "tomorrow",
    "tmw": "tomorrow",
    "tomoro": "tomorrow",
    "tomorow": "tomorrow",
    "tommorow": "tomorrow",
    "tommorrow": "tomorrow",
    "tomorro": "tomorrow",
    "2morrow": "tomorrow",
    "2moro": "tomorrow",
    "2morow": "tomorrow",
    "2mrw": "tomorrow",
    "2nite": "tonight",
    "2night": "tonight",
    "tonite": "tonight",
    "tnite": "tonight",
    "2day": "today",
    "rn": "right now",
    "b4": "before",
    # chat English
    "gonna": "going to",
    "gunna": "going to",
    "finna": "going to",
    "imma": "im going to",
    "ima": "im going to",
    "wanna": "want to",
    "tryna": "trying to",
    "gotta": "got to",
    "u": "you",
    "ur": "your",
    "bc": "because",
    "cuz": "because",
    "bcuz": "because",
    "bcz": "because",
    "coz": "because",
    "ppl": "people",
    "pls": "please",
    "plz": "please",
    "idk": "i dont know",
    "idc": "i dont care",
    "ngl": "honestly",
    "fr": "for real",
    "srsly": "seriously",
    "tho": "though",
    "percs": "percocet",
    "xans": "xanax",
    "addy": "adderall",
    # chat Spanish
    "q": "que",
    "xq": "porque",
    "pq": "porque",
    "porq": "porque",
    "xk": "porque",
    "tmb": "tambien",
    "tb": "tambien",
    "mnn": "manana",
    "kiero": "quiero",
    "kiere": "quiere",
    "nd": "nada",
    "bn": "bien",
    "ntp": "no te preocupes",
    "dsp": "despues",
    "dps": "despues",
}

# Spelt-out euphemisms of more than one word.
_PHRASES = [
    (re.compile(r"\bsewer ?sl(?:i|y)de\b"), "suicide"),
    (re.compile(r"\bsewer side\b"), "suicide"),
    (re.compile(r"\bself ?delete\b"), "kill myself"),
    (re.compile(r"\bun ?alive\b"), "kill"),
    (re.compile(r"\bs/h\b"), "self harm"),
]

# Look-alike letters from other scripts, and emoji that stand for a word.
_CONFUSABLES = {
    "\u0430": "a", "\u0435": "e", "\u043e": "o", "\u0440": "p", "\u0441": "c", "\u0443": "y",
    "\u0445": "x", "\u0456": "i", "\u0458": "j", "\u0455": "s", "\u0501": "d", "\u0261": "g",
    "\u043a": "k", "\u043c": "m", "\u0442": "t", "\u043d": "h", "\u0432": "b", "\u04cf": "l",
    "\u03b1": "a", "\u03b5": "e", "\u03bf": "o", "\u03b9": "i", "\u03ba": "k", "\u03bd": "v",
    "\u03c4": "t", "\u03c5": "u", "\u03c1": "p",
}  # fmt: skip
_EMOJI = {
    "\U0001f52b": " gun ",
    "\U0001f52a": " knife ",
    "\U0001f5e1": " knife ",
    "\U0001f48a": " pills ",
    "\U0001f4a3": " bomb ",
    "\U0001faa2": " rope ",
    "\u26b0": " coffin ",
    "\U0001f480": " skull ",
    "\u2620": " skull ",
    "\U0001fa78": " blood ",
    "\U0001f489": " needle ",
    "\U0001f6ac": " cigarette ",
    "\U0001f602": " laughing ",
    "\U0001f923": " laughing ",
}
_QUOTES = {"\u2018": "'", "\u2019": "'", "\u02bc": "'", "`": "'", "\u201c": '"', "\u201d": '"'}

_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "$": "s",
                       "@": "a", "!": "i", "|": "i", "€": "e"})  # fmt: skip
_LEET_L = str.maketrans({"1": "l", "|": "l"})

NEGATIONS = frozenset(
    """not never no dont doesnt didnt wont wouldnt isnt arent wasnt werent aint havent hasnt
    hadnt shouldnt neither nor nunca jamas ni tampoco""".split()
)
# "not joking", "no cap": the speaker insists; nothing is negated.
_INTENSIFIERS = frozenset(
    """joking kidding lying lie joke cap playing capping bromeando broma miento exagerando one
    matter""".split()
)
_SCOPE_END = frozenset(
    """but pero aunque though although because porque sino so and y or o then luego i im ill
    ive he hes she shes they theyre we you yo el ella ellos lol jk""".split()
)
_SCOPE_MAX = 5

_TOKEN = re.compile(r"(?:[\w$@|*'€]|(?<=\w)!(?=\w))+")
_WORD = re.compile(r"\w+")
_NUMBERISH = re.compile(r"\d+(?:st|nd|rd|th|am|pm|h|hr|hrs|s|min|mins|k|x)?|\d+(?:[.,:]\d+)+")
# A model number (ar15, ak47) or a handle (@jake) is not leetspeak.
_NOT_LEET = re.compile(r"[a-z]+\d{2,}|@[a-z_]+")
_ELONGATED = re.compile(r"([^\W\d_])\1\1+")
# Letters spelt out one by one: s.u.i.c.i.d.e (3+ letters) or k i l l (4+ letters).
_SPELT = re.compile(
    r"(?<![\w$@])[a-z$@0-9](?:([.\-_*~+]{1,2})[a-z$@0-9])(?:\1[a-z$@0-9])+(?![\w$@])"
    r"|(?<![\w$@])[a-z$@0-9](?: [a-z$@0-9]){3,}(?![\w$@])"
)


# --- the prepared text ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Prepared:
    """A text ready for the model. ``norm[i]`` came from ``original[starts[i]:ends[i]]``."""

    norm: str
    marked: str
    starts: list[int]
    ends: list[int]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The span of the original text behind ``norm[start:end]`` (``end > start``)."""
        return self.starts[start], self.ends[end - 1]


def prepare(text: str) -> Prepared:
    norm, starts, ends = normalize(text)
    return Prepared(norm, mark_negation(norm), starts, ends)


def normalize(text: str) -> tuple[str, list[int], list[int]]:
    """Normalise ``text``; return the normalised string and each character's original span."""
    s, st, en = _characters(text)
    s, st, en = _rewrite(s, st, en, _spelt_out(s))
    for pattern, replacement in _PHRASES:
        edits: list[Edit] = [(m.start(), m.end(), replacement) for m in pattern.finditer(s)]
        s, st, en = _rewrite(s, st, en, edits)
    s, st, en = _rewrite(s, st, en, _word_edits(s))
    return s, st, en


# --- characters -----------------------------------------------------------------------------

_ASCII = str.maketrans({**{chr(c): " " for c in range(32)}, "\x7f": " ", "`": "'"})


@lru_cache(maxsize=4096)
def _character(ch: str) -> str:
    if ch in _EMOJI:
        return _EMOJI[ch]
    if ch in _QUOTES:
        return _QUOTES[ch]
    category = unicodedata.category(ch)
    if category in ("Cf", "Cs", "Co", "Cn", "Mn", "Me"):
        return ""  # invisible, unpaired surrogate, private use, unassigned, combining
    if category[0] in "CZ":
        return " "
    out = []
    for part in unicodedata.normalize("NFKD", ch):
        if unicodedata.category(part) in ("Mn", "Me", "Cf"):
            continue
        part = part.casefold()
        out.append("".join(_CONFUSABLES.get(p, p) for p in part))
    return "".join(out)


def _characters(text: str) -> tuple[str, list[int], list[int]]:
    if text.isascii():
        s = text.lower().translate(_ASCII)
        return s, list(range(len(s))), list(range(1, len(s) + 1))
    out: list[str] = []
    st: list[int] = []
    en: list[int] = []
    for i, ch in enumerate(text):
        rep = ch.lower().translate(_ASCII) if ch < "\x80" else _character(ch)
        for c in rep:
            out.append(c)
            st.append(i)
            en.append(i + 1)
    return "".join(out), st, en


# --- rewriting with offsets -----------------------------------------------------------------

Edit = tuple[int, int, "str | list[int]"]


def _rewrite(
    s: str, st: list[int], en: list[int], edits: list[Edit]
) -> tuple[str, list[int], list[int]]:
    """Apply non-overlapping, ordered edits ``(i, j, replacement)`` to ``s[i:j]``.

    A replacement is a string (of the same length: character k comes from position i + k; of
    another length: every character comes from the whole span) or a list of the positions to keep.
    """
    if not edits:
        return s, st, en
    parts: list[str] = []
    nst: list[int] = []
    nen: list[int] = []
    prev = 0
    for i, j, rep in edits:
        parts.append(s[prev:i])
        nst.extend(st[prev:i])
        nen.extend(en[prev:i])
        if isinstance(rep, list):
            parts.append("".join(s[k] for k in rep))
            nst.extend(st[k] for k in rep)
            nen.extend(en[k] for k in rep)
        elif len(rep) == j - i:
            parts.append(rep)
            nst.extend(st[i:j])
            nen.extend(en[i:j])
        else:
            parts.append(rep)
            nst.extend([st[i]] * len(rep))
            nen.extend([en[j - 1]] * len(rep))
        prev = j
    parts.append(s[prev:])
    nst.extend(st[prev:])
    nen.extend(en[prev:])
    return "".join(parts), nst, nen


def _spelt_out(s: str) -> list[Edit]:
    edits: list[Edit] = []
    for m in _SPELT.finditer(s):
        piece = m.group()
        keep = [m.start() + k for k, c in enumerate(piece) if c.isalnum() or c in "$@"]
        if sum(piece[k - m.start()].isalpha() for k in keep) < 2:
            continue  # "1 2 3 4" is a count, not a word
        edits.append((m.start(), m.end(), keep))
    return edits


def _word_edits(s: str) -> list[Edit]:
    edits: list[Edit] = []
    for m in _TOKEN.finditer(s):
        token = m.group()
        if (
            token.isalpha()
            and token.isascii()
            and token not in SLANG
            and not _ELONGATED.search(token)
        ):
            continue  # the common case: a plain word
        edit = _word(token, m.start())
        if edit is not None:
            edits.append(edit)
    return edits


def _word(token: str, at: int) -> Edit | None:
    if "'" in token:
        keep = [k for k, c in enumerate(token) if c != "'"]
        core = token.replace("'", "")
    else:
        keep, core = list(range(len(token))), token
    if not core:
        return None
    if core in SLANG:
        return (at, at + len(token), SLANG[core])
    changed = len(core) != len(token)
    if any(not c.isalpha() for c in core) and any(c.isalpha() for c in core):
        if "*" in core:
            fitted = _unmask(core)
            if fitted is not None:
                return (at, at + len(token), fitted)
        elif not _NUMBERISH.fullmatch(core) and not _NOT_LEET.fullmatch(core):
            decoded = _decode_leet(core)
            if decoded is not None:
                if decoded in SLANG:
                    return (at, at + len(token), SLANG[decoded])
                core, changed = decoded, True
    positions = [at + k for k in keep]
    if _ELONGATED.search(core):
        kept = _collapse(core)
        positions = [positions[k] for k in kept]
        core = "".join(core[k] for k in kept)
        if core in SLANG:
            return (at, at + len(token), SLANG[core])
        changed = True
    if not changed:
        return None
    if len(positions) == len(token):
        return (at, at + len(token), core)
    # Some characters were dropped: rebuild position by position (a list of kept positions) when
    # the surviving characters are unchanged, else map the whole token.
    if all(s_c == token[p - at] for s_c, p in zip(core, positions, strict=True)):
        return (at, at + len(token), positions)
    return (at, at + len(token), core)


def _decode_leet(core: str) -> str | None:
    first = core.translate(_LEET)
    if not first.isalpha():
        return None
    if first in WATCHED or first in SLANG:
        return first
    second = core.translate(_LEET_L).translate(_LEET)
    if second in WATCHED or second in SLANG:
        return second
    return first


def _unmask(core: str) -> str | None:
    if core.strip("*") == "" or not any(c.isalpha() for c in core):
        return None
    pattern = re.compile(re.escape(core).replace(r"\*", "[a-z]"))
    fits = [w for w in _watched_by_length(len(core)) if pattern.fullmatch(w)]
    return fits[0] if len(fits) == 1 else None


@lru_cache(maxsize=64)
def _watched_by_length(n: int) -> tuple[str, ...]:
    return tuple(sorted(w for w in WATCHED if len(w) == n))


def _collapse(word: str) -> list[int]:
    """Positions to keep so that runs of 3+ equal letters become one letter, or two when only
    that makes a watched word."""
    runs = [(m.start(), m.end()) for m in _ELONGATED.finditer(word)]

    def keep(width: int) -> list[int]:
        out: list[int] = []
        prev = 0
        for i, j in runs:
            out.extend(range(prev, i + width))
            prev = j
        out.extend(range(prev, len(word)))
        return out

    one, two = keep(1), keep(2)
    if "".join(word[k] for k in two) in WATCHED and "".join(word[k] for k in one) not in WATCHED:
        return two  # "killlll" -> "kill", "feeeel" -> "feel"
    return one  # "dieeee" -> "die", "sooo" -> "so": emphasis mostly repeats a single letter


# --- negation -------------------------------------------------------------------------------

_CLAUSE_PUNCT = frozenset('.,;:!?"()[]{}')


def mark_negation(norm: str) -> str:
    """Upper-case the words in the scope of a negation (same length as ``norm``)."""
    if not any(w in NEGATIONS for w in _WORD.findall(norm)):
        return norm
    chars = list(norm)
    words = list(_WORD.finditer(norm))
    n = len(words)
    i = 0
    while i < n:
        if words[i].group() not in NEGATIONS:
            i += 1
            continue
        j = i + 1
        if j < n and words[j].group() in _INTENSIFIERS:
            i = j + 1
            continue
        count = 0
        while j < n and count < _SCOPE_MAX:
            between = norm[words[j - 1].end() : words[j].start()]
            word = words[j].group()
            if any(c in _CLAUSE_PUNCT for c in between) or word in _SCOPE_END or word in NEGATIONS:
                break
            upper = word.upper()
            if len(upper) == len(word):
                chars[words[j].start() : words[j].end()] = upper
            j += 1
            count += 1
        i = j
    return "".join(chars)


def negated(marked: str, position: int) -> bool:
    """Whether the character at ``position`` of a marked text is in a negated scope."""
    return marked[position].isupper()


# --- reported speech ------------------------------------------------------------------------

_REPORTED = re.compile(
    r"\b(?!(?:i|we|you)\b)[a-z]+\s+(?:(?:keeps|kept|was|has been|is|always)\s+)?"
    r"(?:said|says|saying|told|tells|telling|texted|texting|posted|posting|wrote|writes|"
    r"threatened|threatens|messaged|snapped|dmd|bragged|bragging|joked|claims|claimed)\b"
    r"|\b(?:dijo|dice|dijeron|decia|contó|conto|escribio|publico|amenazo|amenaza|anda diciendo|"
    r"me conto|me dijo|le dijo|me escribio|me mando)\b"
    r"|\baccording to\b|\bsegun\b"
)


def reported_spans(norm: str) -> list[tuple[int, int]]:
    """Spans of ``norm`` that introduce someone else's words (``he said``, ``me dijo``)."""
    return [m.span() for m in _REPORTED.finditer(norm)]


# --- urgency cues ---------------------------------------------------------------------------

_DAYS_EN = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
_DAYS_ES = r"(?:lunes|martes|miercoles|jueves|viernes|sabado|domingo)"
_MEANS = (
    r"(?:guns?|pistols?|handguns?|rifles?|shotguns?|glocks?|ar ?15|ak ?47|firearms?|ammo"
    r"|bullets|knife|knives|knif|blades?|switchblade|machete|box ?cutter|razors?|pills"
    r"|bottle of \w+|rope|noose|bleach|explosives?|bomb|fentanyl|pistolas?|armas?|escopeta"
    r"|cuchillos?|navajas?|pastillas|cuerda|soga|veneno|cloro|balas|bomba)\b"
)
CUE_PATTERNS: dict[str, re.Pattern[str]] = {
    # a time: soon and specific (past times such as "yesterday" are not cues)
    "time": re.compile(
        r"\b(?:tonight|tomorrow|today|later today|this (?:morning|afternoon|evening|weekend)"
        rf"|(?:on |this |next )?{_DAYS_EN}|after school|before school|at lunch|during lunch"
        r"|during (?:\w+ )?period|(?:after|before) (?:\w+ )?(?:period|class|practice)"
        r"|next (?:period|class|week)"
        r"|in (?:an?|a few|\d+|one|two|ten) (?:hours?|minutes?|mins?)"
        r"|at \d{1,2}(?::\d\d)? ?(?:am|pm)?\b|at (?:the )?(?:game|dance|assembly|pep rally|prom)"
        r"|first thing|when school (?:starts|ends|gets out)|right after"
        r"|after the (?:assembly|game|dance)"
        r"|esta noche|manana|hoy|ahorita|(?:el |este |esta )?" + _DAYS_ES + r"|despues de (?:clases"
        r"|la escuela|la salida|educacion fisica)|a la salida|en el recreo|este fin de semana"
        r"|la proxima semana|en (?:una|unas|\d+|dos) (?:horas?|minutos?)|a las \d{1,2}"
        r"|en la fiesta|en el partido)\b"
    ),
    # a means at hand: a weapon or a way of self-harm that someone has, carries or is with
    "means": re.compile(
        r"\b(?:have|has|got|brought|bringing|bring|carrying|carry|carries|keeps|holding|with"
        r"|took|grabbed|pulled out|flashed|hiding|hidden|tengo|tiene|trae|traer|trajo|lleva|con"
        r"|saco|guarda|esconde|saw|see|vi|ver)\b(?: [\w']+){0,4}? "
        rf"{_MEANS}|{_MEANS}(?: [\w']+){{0,4}}? (?:in|en) (?:the|his|her|my|their|la|el|su|mi) "
        r"(?:backpack|bag|locker|car|pocket|waistband|hoodie|sleeve|jacket|mochila|manga|casillero"
        r"|carro|bolsa|bolsillo|chamarra|sudadera)\b"
    ),
    # a plan: preparation
    "plan": re.compile(
        r"\b(?:(?:a|my|the|his|her) plan|planned|planning|plans to"
        r"|(?:suicide|goodbye) (?:note|letter)"
        r"|wrote (?:a|my|his|her) note|(?:giving|gave|gives) away"
        r"|hit list|said goodbye|saying goodbye|goodbye messages?|everything is ready|its ready"
        r"|got it ready|last (?:time|day|night)|(?:dont|not) (?i:(?:to )?come to school)|goodbye"
        r"|(?:un|el|su|mi) plan|planea|planeando|carta de despedida|se despidio|despidiendose"
        r"|regalando sus cosas|mensajes de despedida|(?:la )?ultima vez|su ultimo dia"
        r"|no (?i:vengan|vengas|viniera|vayan))\b"
    ),
    # happening now
    "now": re.compile(
        r"\b(?:right now|as we speak|currently|at this moment|is happening|(?:is|are) outside"
        r"|just (?:took|swallowed|cut|overdosed|drank)|already took|overdosed|took (?:a bunch|a lot"
        r"|all)|bleeding|unconscious|passed out|drank bleach|lips are blue|swallowed"
        r"|(?:on|from|at) the (?:bridge|roof|edge|overpass|tracks)"
        r"|(?:not|isnt|wont|cant|doesnt) (?i:waking|wake|breathing|breathe|responding)"
        r"|ahora mismo|en este momento|acaba de|ya se tomo|se tomo (?:todas|un monton)"
        r"|sangrando|inconsciente|se desmayo|(?:en|desde) (?:el puente|la azotea|las vias)"
        r"|no (?i:despierta|responde|contesta|respira))\b"
    ),
}


@dataclass(frozen=True, slots=True)
class Cue:
    kind: str  # time, means, plan or now
    start: int  # in the normalised text
    end: int


_MEANS_WORD = re.compile(rf"\b{_MEANS}")


def find_cues(marked: str) -> list[Cue]:
    """Urgency cues in a marked text; cues that start inside a negated scope are skipped."""
    cues = []
    for kind, pattern in CUE_PATTERNS.items():
        if kind == "means" and not _MEANS_WORD.search(marked):
            continue  # the full pattern is slow, and most texts name no means
        for m in pattern.finditer(marked):
            if not negated(marked, m.start()):
                cues.append(Cue(kind, m.start(), m.end()))
    cues.sort(key=lambda c: (c.start, c.end))
    return cues


# --- violent speech -------------------------------------------------------------------------

# Calls for violence against people or groups, wishes that people die, and praise of attackers:
# warning signs a school team wants (``violence_threat``), even with no time or means; and
# figures of speech that use the same words for nothing ("this test is killing me"). Matched in
# the marked text; a match that starts in a negated scope is skipped. The model reads one feature
# per match (``@say:call`` ...), so what it learns from one wording carries to another.
_HARM_DONE = (
    r"(?:shot|hanged|hung|killed|executed|exterminated|annihilated|slaughtered|gassed|lynched"
    r"|burned|burnt|nuked|eliminated|eradicated|wiped out|put down|murdered|massacred|stabbed"
    r"|beheaded|castrated|tortured|destroyed|purged|removed|erased|dead)"
)
_HARM_DO = (
    r"(?:shoot|hang|kill|execute|exterminate|annihilate|slaughter|gas|lynch|burn|nuke|eliminate"
    r"|eradicate|wipe out|murder|massacre|stab|behead|purge|genocide|bomb)"
)
_HARM_DOING = (
    r"(?:shooting|hanging|killing|executing|exterminating|slaughtering|gassing|lynching|burning"
    r"|nuking|eliminating|murdering|stabbing|purging|bombing)"
)
_ES_HARM = (
    r"(?:matar|morir|colgar|ahorcar|fusilar|quemar|exterminar|eliminar|desaparecer|balacear"
    r"|linchar|acabar con|matarlos|matarlas|colgarlos|quemarlos|exterminarlos|eliminarlos)"
)
_ATTACKER = (
    r"(?:shooters?|gunman|gunmen|attackers?|bombers?|killers?|columbine|parkland|uvalde"
    r"|school shooting|mass shooting|tirador|atacante|asesino|el que disparo)"
)
_PRAISE = (
    r"(?:heroe?s?|legends?|legendary|kings?|icons?|gods?|saints?|based|goats?|idols?|inspiration"
    r"|inspiring|did nothing wrong|had the right idea|did (?:what|the right thing)|were right"
    r"|was right|high score|heroe|leyendas?|idolos?|tenia razon|hizo bien|un dios)"
)
SPEECH_PATTERNS: dict[str, re.Pattern[str]] = {
    # "they ought to be hung", "X must be annihilated", "kill all the ...", "death to ..."
    "call": re.compile(
        r"\b(?:should|must|ought to|oughta|needs? to|deserves? to|gotta|have to|has to|got to"
        rf"|need|needs)(?: all| just| really)? (?:be|get|got) (?:\w+ )?{_HARM_DONE}\b"
        rf"|\b{_HARM_DO} (?:all|every|them all|em all|all of them|every last|each and every)\b"
        rf"|\b(?:time to|lets|we need to|we should|we must|someone should|somebody should"
        rf"|someone needs to|start) (?:\w+ )?(?:{_HARM_DO}|{_HARM_DOING})\b"
        r"|\bdeath to\b|\bneeds? (?:a|the) (?:bullet|rope|noose)\b"
        r"|\b(?:string|line) (?:them|him|her|em) (?:all )?up\b|\bfiring squad\b"
        r"|\bgas chambers?\b|\bday of the rope\b"
        rf"|\b(?:hay que|deberian|deben|merecen|tienen que|habria que) (?:\w+ )?{_ES_HARM}\b"
        rf"|\b{_ES_HARM} a todos\b|\bmuerte a\b|\bque se mueran\b"
    ),
    # "I hope he dies", "she deserves to die": someone else's death, not the writer's own
    "wish": re.compile(
        r"\b(?:hope|hopes|hoping|wish|wishes|pray|praying)(?: that)? "
        r"(?!i\b|im\b|me\b|myself\b|to\b)(?:\w+ ){0,5}?"
        r"(?:dies|die|died|dead|gets? (?:killed|shot|hit by|run over|murdered)|drops? dead"
        r"|rots?|burns? in hell|never wakes? up)\b"
        r"|\b(?:deserves?|deserved) (?:to (?:die|be dead)|death)\b"
        r"|\b(?:you|he|she|they|everyone|everybody) should (?:just )?(?:die|drop dead|be dead)\b"
        r"|\bojala (?:que )?(?:se muera|se mueran|se muriera|lo maten|la maten|los maten)\b"
        r"|\b(?:merece|merecen) morir\b|\bque se muera\b"
    ),
    # figures of speech: "this test is killing me", "I could kill for a burrito", "killed it",
    # "dying to see", "me muero de risa"; read as a sign that the violent words are not meant
    "figure": re.compile(
        r"\b(?:is|are|was|were|s|re|its|keeps?|been) (?:literally |really |so )?"
        r"killing (?:me|us|my)\b"
        r"|\b(?:kill|kills|killed|killing|slay|slayed|slaying|murder|murdered|crush|crushed"
        r"|nail|nailed) (?:it|this|that)\b"
        r"|\bkill(?:ing)? for (?:a|an|some|the)\b|\b(?:dying|dyin) (?:to|for|of)\b"
        r"|\b(?:die|died|dying|dead) (?:of|from) (?:embarrassment|boredom|laughter|laughing|shame"
        r"|cringe|exhaustion)\b|\b(?:died|dying|dead) laughing\b|\bto death\b|\bdead tired\b"
        r"|\b(?:mom|dad|mother|father|parents|teacher|coach|test|exam|quiz|final|finals|homework"
        r"|sister|brother|class|essay|project|grades?)(?: \w+){0,4}? "
        r"(?:kill|murder|destroy)s? (?:me|us)\b"
        r"|\bshoot (?:my|your|her|his|their) shot\b|\bshoot(?:ing)? hoops\b|\bphoto ?shoot\b"
        r"|\b(?:is|its) the bomb\b|\bbombed (?:my|the|that|this)\b"
        r"|\b(?:morir(?:me)?|muero|muriendo|muerto|muerta) de (?:verguenza|risa|hambre|sueno|calor"
        r"|ganas|aburrimiento|frio|cansancio|miedo)\b"
        r"|\b(?:examen|tarea|clase|maestra|maestro|mama|papa|profe|entrenador)(?: \w+){0,4}? "
        r"(?:me|nos) (?:va a |van a |esta |estan )?(?:mata|matan|matar|matando)\b"
    ),
    # "the shooter is a hero", "Columbine was legendary", "respect the Parkland shooter"
    "praise": re.compile(
        rf"\b{_ATTACKER}\b(?: \w+){{0,5}}? {_PRAISE}\b"
        rf"|\b(?:respect|admire|praise|salute|worship|idolize|idolizes|honor|love|loves"
        rf"|respeta|admira|admiro) (?:\w+ ){{0,3}}?{_ATTACKER}\b"
        rf"|\b{_PRAISE} (?:\w+ ){{0,3}}?{_ATTACKER}\b"
        r"|\bfinish (?:what|the job) (?:he|they|she) started\b"
    ),
}
# A cheap test per kind: words one of its matches must contain (most texts name no harm, and the
# full patterns are slow).
_SPEECH_HINTS: dict[str, re.Pattern[str]] = {
    "call": re.compile(
        r"shot|hang|hung|kill|execut|exterminat|annihilat|slaughter|gas|lynch|burn|nuke|eliminat"
        r"|eradicat|wipe|put down|murder|massacr|stab|behead|castrat|tortur|destroy|purg|remov"
        r"|eras|dead|death|bullet|rope|noose|squad|bomb|genocid|matar|morir|colgar|ahorcar|fusilar"
        r"|quemar|exterminar|eliminar|desaparecer|balacear|linchar|acabar|muerte|mueran|string"
        r"|line"
    ),
    "wish": re.compile(r"hope|wish|pray|deserve|should|ojala|merece|muera"),
    "figure": re.compile(
        r"kill|slay|murder|destroy|crush|nail|dying|dyin|die|dead|death|shoot|bomb|mor|muer|mat"
    ),
    "praise": re.compile(
        r"shooter|gunm|attacker|bomber|killer|columbine|parkland|uvalde|shooting|tirador|atacante"
        r"|asesino|disparo|started"
    ),
}


def find_speech(marked: str) -> list[Cue]:
    """Calls for violence, death wishes, figures of speech and praise of attackers in a marked
    text (``kind``: ``call``, ``wish``, ``figure``, ``praise``); matches that start in a negated
    scope are skipped."""
    out = [
        Cue(kind, m.start(), m.end())
        for kind, pattern in SPEECH_PATTERNS.items()
        if _SPEECH_HINTS[kind].search(marked)
        for m in pattern.finditer(marked)
        if not negated(marked, m.start())
    ]
    out.sort(key=lambda c: (c.start, c.end))
    return out


# --- lexicon ------------------------------------------------------------------------------

# Words (beginnings of words) that are specific to one kind of harm, English and Spanish. The
# model reads them as one more feature per category ("@lex:weapon"), so a word it has seen in one
# wording also counts in another; words in a negated scope do not match (they are upper-cased).
LEXICON: dict[str, str] = {
    "self_harm": r"""suicid\w* kms selfharm autolesi\w* overdos\w* sobredosis wrists?
        munecas? bleed\w* sangr\w* razors? noose ahorc\w* colgarme matarme suicidarme
        quitarme morirme cortarme cortadas cutting slit goodbye despedida burden""",
    "violence_threat": r"""shoot\w* shooter stab\w* tiroteo balacera balear\w* dispar\w* apunal\w*
        murder\w* massacre threat\w* amenaz\w* hurt\w* lastimar\w* golpe\w* punch\w*
        fight\w* pelea\w* beat\w* attack\w* ataque hitlist bomb""",
    "weapon": r"""guns? pistols? pistolas? rifles? glocks? handguns? shotguns? knife knives
        kn1fe blades? machete switchblade firearms? bullets? ammo taser armas? cuchillos? navaj\w*
        escopetas? balas manoplas loaded cargad[oa]""",
    "bullying_harassment": r"""bull(?:y|ied|ies|ying) insult\w* burla\w* burlan mock\w* harass\w*
        acos\w* rumou?rs? chismes? excluy\w* loser freak ugly fat fe[oa] gord[oa] slut puta
        retard\w* perdedor kys matate roast\w* slurs? racist\w* trash basura""",
    "sexual_abuse_or_exploitation": r"""nudes? explicit inappropriate inapropiad\w* touch\w* toca\w*
        rap(?:e|ed|ing) viol\w* porn\w* sexual\w* sext\w* groom\w* manose\w* abus\w* blackmail\w*
        chantaj\w* extors\w* intimas? pics fotos""",
    "substance": r"""vap\w* weed mota marihuana drunk borrach\w* emborrach\w* alcohol edibles xanax
        percocet fentanyl fentanilo drugs? drog\w* coke cocaina molly tachas cristal thc adderall
        nicotine juul flask vodka beer cerveza smok\w* fuma\w* oxy high""",
    "other_concern": r"""bruis\w* moreton\w* hits pega eating weight peso anxiety ansiedad panic
        sad triste alone sol[oa] divorc\w* runaway escap\w* homeless hungry hambre food comida
        cry\w* llor\w* depress\w* stress\w* estresad\w* voices voces""",
}
_LEXICON = re.compile(
    "|".join(
        rf"(?P<{name.replace('_', '')}>{'|'.join(stems.split())})"
        for name, stems in LEXICON.items()
    )
)
_LEXICON_NAMES = {name.replace("_", ""): name for name in LEXICON}


@lru_cache(maxsize=65_536)
def lexicon_category(word: str) -> str | None:
    """The category of a lexicon word (a whole word of a marked text), else None."""
    m = _LEXICON.fullmatch(word)
    return _LEXICON_NAMES[m.lastgroup] if m and m.lastgroup else None


# --- everyday contexts ----------------------------------------------------------------------

# Words that put violent language in an everyday frame: games, sports, music and schoolwork ("we're
# going to kill them in the quarterfinal", "the chorus goes ...", "my essay on the Blitz"). The
# model reads one ``@ctx:kind`` feature per word (the rich feature set), so a frame it has learnt
# in one wording counts in another. Time words that are urgency cues ("at the game") are not here.
CONTEXT: dict[str, str] = {
    "game": r"""fortnite minecraft roblox warzone valorant overwatch apex halo gta zelda pokemon
        xbox playstation ps[45] nintendo server lobby respawn\w* noob gg paintball lasertag laser
        nerf airsoft videojuegos? freefire multiplayer gamer\w* gaming console controller boss
        raid\w* clan level""",
    "sport": r"""coach\w* teams? match(?:es)? tournaments? season playoffs? quarter halftime
        scrimmage varsity league pitcher lineup quarterback defense offense touchdowns? goles
        goals? partido equipo entrenador torneo soccer football basketball baseball volleyball
        hockey tennis wrestling swim\w* meet homecoming rivals? futbol""",
    "music": r"""songs? lyrics? chorus verses? rap\w* beats? album concert choir playlist spotify
        sing\w* sang cancion\w* letra coro cantar\w* concierto bars""",
    "study": r"""essays? reports? homework projects? presentations? quiz(?:zes)? exams? tests?
        finals? midterms? chapters? novel history civics wwii ww2 battles? war ensayo tarea examen
        proyecto presentacion historia batalla revolucion grades? gpa""",
}
_CONTEXT = re.compile(
    "|".join(rf"(?P<{name}>{'|'.join(words.split())})" for name, words in CONTEXT.items())
)


@lru_cache(maxsize=65_536)
def context_kind(word: str) -> str | None:
    """The everyday context a word (a whole word of a marked text) belongs to, else None."""
    m = _CONTEXT.fullmatch(word)
    return m.lastgroup if m else None


# --- model features -------------------------------------------------------------------------

_CHAR_MIN, _CHAR_MAX = 3, 5


@dataclass(frozen=True, slots=True)
class FeatureSet:
    """Which features beyond the basic ones a model reads: word triples (``trigrams``), one
    feature per violent-speech match (``speech``, :func:`find_speech`) and one per word of an
    everyday context (``context``, :data:`CONTEXT`); and a feature counted at most
    ``max_repeats`` times, so that a word repeated a thousand times ("la la la ...") cannot drown
    out one alarming sentence. A trained model records its own set."""

    trigrams: bool = False
    speech: bool = False
    context: bool = False
    max_repeats: int = 0  # a feature counts at most this often in a text (0: no limit)


BASIC = FeatureSet()
RICH = FeatureSet(trigrams=True, speech=True, context=True, max_repeats=4)


@dataclass(frozen=True, slots=True)
class Analysis:
    """The parts of a marked text that the model's features come from."""

    words: list[tuple[int, int]]  # (start, end) of each word in the text
    tokens: list[str]  # the words themselves
    lexicon: list[tuple[str, int]]  # (category, word index) of each lexicon hit
    cues: list[Cue]
    speech: list[Cue]  # violent-speech matches (only when the feature set reads them)
    context: list[tuple[str, int]]  # (kind, word index) of each everyday-context word (the same)


def analyze(marked: str, feature_set: FeatureSet = BASIC) -> Analysis:
    words = [m.span() for m in _WORD.finditer(marked)]
    tokens = [marked[a:b] for a, b in words]
    lexicon = [(c, i) for i, t in enumerate(tokens) if (c := lexicon_category(t)) is not None]
    speech = find_speech(marked) if feature_set.speech else []
    context = (
        [(k, i) for i, t in enumerate(tokens) if (k := context_kind(t)) is not None]
        if feature_set.context
        else []
    )
    return Analysis(words, tokens, lexicon, find_cues(marked), speech, context)


@lru_cache(maxsize=65_536)
def word_features(token: str) -> tuple[str, ...]:
    """The features of one word: the word, and its character 3-5-grams with a space on each side
    (``#`` + gram)."""
    padded = f" {token} "
    size = len(padded)
    grams = (
        "#" + padded[k : k + n]
        for n in range(_CHAR_MIN, min(_CHAR_MAX, size) + 1)
        for k in range(size - n + 1)
    )
    return (token, *grams)


def pair_feature(first: str, second: str) -> str:
    return f"{first} {second}"


def triple_feature(first: str, second: str, third: str) -> str:
    return f"{first} {second} {third}"


def lexicon_feature(category: str) -> str:
    return f"@lex:{category}"


def cue_features(cues: list[Cue]) -> list[str]:
    return [f"@{kind}" for kind in sorted({c.kind for c in cues})]


def speech_feature(kind: str) -> str:
    return f"@say:{kind}"


def context_feature(kind: str) -> str:
    return f"@ctx:{kind}"


def features(marked: str, feature_set: FeatureSet = BASIC) -> list[str]:
    """What the model reads (the vectoriser's analyzer): each word's :func:`word_features`, word
    pairs, lexicon hits (``@lex:category``) and urgency cue markers (``@time`` ...); with the
    :class:`FeatureSet`'s options, word triples, one ``@say:kind`` per violent-speech match and one
    ``@ctx:kind`` per everyday-context word."""
    analysis = analyze(marked, feature_set)
    tokens = analysis.tokens
    out: list[str] = []
    for token in tokens:
        out.extend(word_features(token))
    out.extend(lexicon_feature(category) for category, _ in analysis.lexicon)
    out.extend(pair_feature(a, b) for a, b in pairwise(tokens))
    if feature_set.trigrams:
        out.extend(triple_feature(*t) for t in zip(tokens, tokens[1:], tokens[2:], strict=False))
    out.extend(cue_features(analysis.cues))
    out.extend(speech_feature(c.kind) for c in analysis.speech)
    out.extend(context_feature(kind) for kind, _ in analysis.context)
    if feature_set.max_repeats:
        seen: Counter[str] = Counter()
        kept = []
        for feature in out:
            seen[feature] += 1
            if seen[feature] <= feature_set.max_repeats:
                kept.append(feature)
        out = kept
    return out


def rich_features(marked: str) -> list[str]:
    """:func:`features` with every option (:data:`RICH`); a module-level function, so a
    vectoriser using it can be saved."""
    return features(marked, RICH)
