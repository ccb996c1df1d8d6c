"""The normaliser: leetspeak, obfuscation, slang, accents, negation, reported speech, cues."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from haven.triage import text


def norm(value: str) -> str:
    return text.prepare(value).norm


def marked(value: str) -> str:
    return text.prepare(value).marked


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("k1ll", "kill"),
        ("$uicide", "suicide"),
        ("su1cide", "suicide"),
        ("sh00t", "shoot"),
        ("k!ll", "kill"),
        ("k*ll", "kill"),
        ("s.u.i.c.i.d.e", "suicide"),
        ("s-u-i-c-i-d-e", "suicide"),
        ("k i l l", "kill"),
        ("kms", "kill myself"),
        ("kys", "kill yourself"),
        ("unalive", "kill"),
        ("sewer slide", "suicide"),
        ("dieeeee", "die"),
        ("killllll", "kill"),
        ("pleeeease", "please"),
        ("tmrw", "tomorrow"),
        ("2nite", "tonight"),
        ("gonna", "going to"),
        ("Mañana", "manana"),
        ("SUICIDARME", "suicidarme"),
        ("xq", "porque"),
        ("k\u0456ll", "kill"),  # a Cyrillic i
        ("k\u200bill", "kill"),  # zero-width space
        ("\uff4b\uff49\uff4c\uff4c", "kill"),  # full-width letters
        ("don't", "dont"),
        ("\U0001f52b", " gun "),
    ],
)
def test_normalises_student_spelling(raw, expected):
    assert norm(raw) == expected


@pytest.mark.parametrize("raw", ["3pm", "7th", "ar15", "ak47", "10:30", "2024"])
def test_leaves_numbers_and_model_names_alone(raw):
    assert norm(raw) == raw


def test_counting_digits_spelt_out_are_not_joined():
    assert norm("5 4 3 2 1") == "5 4 3 2 1"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("I would never kill myself", "i would never KILL MYSELF"),
        ("I'm not going to hurt myself", "im not GOING TO HURT MYSELF"),
        ("no me voy a matar", "no ME VOY A MATAR"),
        ("nunca me haría daño", "nunca ME HARIA DANO"),
        ("I don't want to live anymore", "i dont WANT TO LIVE ANYMORE"),
    ],
)
def test_negated_words_are_upper_cased(raw, expected):
    assert marked(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # the scope ends at punctuation, a conjunction or a new subject
        ("he wont hurt anyone but he has a gun", "he wont HURT ANYONE but he has a gun"),
        ("no, he has a gun", "no, he has a gun"),
        # intensifiers are not negations
        ("I'm not joking, I will do it", "im not joking, i will do it"),
        ("no cap I will do it", "no cap i will do it"),
        ("no one cares about me", "no one cares about me"),
    ],
)
def test_negation_scope(raw, expected):
    assert marked(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "he said he'd shoot up the school",
        "my friend told me she wants to die",
        "me dijo que se va a matar",
    ],
)
def test_reported_speech_is_detected(raw):
    assert text.reported_spans(norm(raw))


@pytest.mark.parametrize("raw", ["I want to die", "I said I'm fine", "voy a la escuela"])
def test_first_person_is_not_reported_speech(raw):
    assert not text.reported_spans(norm(raw))


@pytest.mark.parametrize(
    ("raw", "kind", "cue"),
    [
        ("tonight I'm going to end it", "time", "tonight"),
        ("I have my dad's gun", "means", "have my dads gun"),
        ("he has a knife in his backpack", "means", "has a knife"),
        ("mi amigo tiene una pistola", "means", "tiene una pistola"),
        ("she just took a bunch of pills", "now", "just took"),
        ("he overdosed and isn't waking up", "now", "isnt waking"),
        ("he wrote a note and is giving away his stuff", "plan", "giving away"),
        ("me voy a matar mañana", "time", "manana"),
    ],
)
def test_urgency_cues(raw, kind, cue):
    prepared = text.prepare(raw)
    found = [(c.kind, prepared.norm[c.start : c.end]) for c in text.find_cues(prepared.marked)]
    assert (kind, cue) in found


@pytest.mark.parametrize(
    "raw",
    ["I won't do it tomorrow", "he doesn't have a gun", "yesterday was awful", "in 5th period"],
)
def test_no_cue_when_negated_or_past(raw):
    assert text.find_cues(marked(raw)) == []


def test_offsets_point_into_the_original():
    raw = "Voy a k1ll… MAÑANA 🔫 s.u.i.c.i.d.e"
    p = text.prepare(raw)
    for word in ("kill", "manana", "gun", "suicide"):
        i = p.norm.index(word)
        start, end = p.original_span(i, i + len(word))
        assert raw[start:end].strip() in {"k1ll", "MAÑANA", "🔫", "s.u.i.c.i.d.e"}


def test_features_of_a_text():
    m = marked("he has a gun tonight, I would never")
    features = text.features(m)
    assert {"he", "has", "gun", "#gun", "# gu", "#gun "} <= set(features)  # words, n-grams
    assert {"has a", "a gun"} <= set(features)  # word pairs
    assert {"@means", "@time", "@lex:weapon"} <= set(features)  # cues and lexicon
    analysis = text.analyze(m)
    assert analysis.tokens == ["he", "has", "a", "gun", "tonight", "i", "would", "never"]
    assert ("weapon", 3) in analysis.lexicon


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_prepare_keeps_offsets_consistent(raw):
    p = text.prepare(raw)
    assert len(p.norm) == len(p.marked) == len(p.starts) == len(p.ends)
    assert p.marked.lower() == p.norm.lower()
    previous = 0
    for start, end in zip(p.starts, p.ends, strict=True):
        assert 0 <= start < end <= len(raw)
        assert start >= previous
        previous = start


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from("kil1!$@*.-_ suicdeKMS3057|'aeou\u200b"), max_size=60))
def test_prepare_handles_obfuscation_alphabets(raw):
    p = text.prepare(raw)
    assert len(p.norm) == len(p.starts)
    analysis = text.analyze(p.marked)
    assert [p.marked[a:b] for a, b in analysis.words] == analysis.tokens
    assert all(0 <= i < len(analysis.tokens) for _, i in analysis.lexicon)
    assert len(text.features(p.marked)) >= len(analysis.tokens)


_SPEECH_WORDS = (
    "they he she you we all them em should must ought to be get need needs deserve deserves "
    "shot hanged hung killed kill killing exterminated gassed wiped out put down string line up "
    "death die dies dead hope wish pray that never i me the shooter shooters columbine parkland "
    "hero legend legends was is a respect finish what started test quiz mom dad is going "
    "destroy murder me us killing it for some dying of embarrassment laughing hoops shoot my "
    "photo bomb bombed hay que matarlos a todos ojala se muera merece morir muerte tirador heroe "
    "examen me va matar muero de risa verguenza"
).split()


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_SPEECH_WORDS), max_size=14))
def test_the_quick_tests_never_hide_a_violent_speech_match(words):
    """The cheap per-kind tests only skip patterns that cannot match."""
    marked = text.prepare(" ".join(words)).marked
    everything = [
        (kind, m.start(), m.end())
        for kind, pattern in text.SPEECH_PATTERNS.items()
        for m in pattern.finditer(marked)
        if not text.negated(marked, m.start())
    ]
    found = [(c.kind, c.start, c.end) for c in text.find_speech(marked)]
    assert sorted(found, key=lambda f: (f[1], f[2])) == sorted(
        everything, key=lambda f: (f[1], f[2])
    )


@pytest.mark.parametrize(
    ("kind", "example"),
    [
        *(
            ("call", t)
            for t in [
                "they should be shot", "kill them all", "time to start killing them",
                "death to them", "he needs a bullet", "string them up", "line them up",
                "bring the firing squad", "gas chambers", "day of the rope", "hay que matarlos",
                "quemar a todos", "muerte a los traidores", "que se mueran",
            ]
        ),
        *(
            ("wish", t)
            for t in [
                "i hope he dies", "i hope he gets hit by a bus", "she deserves to die",
                "he should just die", "ojala se muera", "merecen morir", "que se muera el profe",
            ]
        ),
        *(
            ("figure", t)
            for t in [
                "this is killing me", "killed it", "i would kill for a taco", "dying to go",
                "died laughing", "bored to death", "dead tired", "my dad is going to destroy me",
                "shoot your shot", "shooting hoops", "photo shoot", "its the bomb",
                "bombed my quiz", "muerto de risa", "el examen me va a matar",
            ]
        ),
        *(
            ("praise", t)
            for t in [
                "the shooter was a hero", "i respect the parkland shooter",
                "legends like the columbine shooters", "finish what he started",
            ]
        ),
    ],
)  # fmt: skip
def test_every_kind_of_violent_speech_is_found(kind, example):
    marked = text.prepare(example).marked
    assert kind in {c.kind for c in text.find_speech(marked)}
