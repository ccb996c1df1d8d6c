"""The triage classifier: categories, urgency and evidence, in English and Spanish."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from haven.triage import classifier, training
from haven.triage.classifier import classify, classify_many
from haven.triage.text import MAX_CHARS

SH, VT, WP, BH = "self_harm", "violence_threat", "weapon", "bullying_harassment"
SX, SU, OC = "sexual_abuse_or_exploitation", "substance", "other_concern"


def top(text: str) -> str:
    scores = classify(text).scores
    return max(scores, key=scores.__getitem__)


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("I want to die", SH),
        ("I keep cutting myself and I can't stop", SH),
        ("me quiero morir", SH),
        ("he said he'd shoot everyone at school", VT),
        ("mi amigo dijo que va a disparar en la escuela mañana", VT),
        ("he has a gun in his backpack", WP),
        ("mi amigo tiene una pistola en la mochila", WP),
        ("kids keep calling him ugly and fat on snapchat", BH),
        ("se burlan de ella todos los días", BH),
        ("my stepdad touches me at night", SX),
        ("un señor le pide fotos íntimas a mi amiga", SX),
        ("kids are vaping in the bathroom", SU),
        ("venden mota en el baño", SU),
        ("my friend's dad hits her and she has bruises", OC),
    ],
)
def test_clear_cases_score_their_category(text, category):
    result = classify(text)
    assert result.scores[category] >= 0.5
    assert top(text) == category


@pytest.mark.parametrize(
    "text",
    [
        "this test is killing me",
        "I'm dying to see the game",
        "the bomb dot com",
        "shoot, I forgot my homework",
        "estoy muerto de risa",
        "me muero de risa",
        "in fortnite i killed everyone lol",
        "can we get more vegetarian options in the cafeteria?",
        "El baño del segundo piso no tiene jabón",
    ],
)
def test_hard_negatives_are_no_concern(text):
    result = classify(text)
    assert max(result.scores.values()) < 0.5
    assert result.urgency == "none"
    assert result.evidence == ()


@pytest.mark.parametrize(
    ("negated", "plain", "category"),
    [
        ("I would never kill myself", "I want to kill myself", SH),
        ("I'm not going to hurt myself", "I'm going to hurt myself", SH),
        ("nunca me haría daño", "me voy a hacer daño", SH),
        ("no me voy a matar", "me voy a matar", SH),
        ("he would never hurt anyone", "he wants to hurt everyone", VT),
    ],
)
def test_negation_lowers_the_score(negated, plain, category):
    low, high = classify(negated).scores[category], classify(plain).scores[category]
    assert low < 0.3 <= high
    assert classify(negated).urgency == "none"


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("he said he'd shoot up the school", VT),
        ("my friend told me she wants to kill herself", SH),
        ("mi amiga me dijo que se quiere matar", SH),
    ],
)
def test_reported_speech_is_still_a_concern(text, category):
    result = classify(text)
    assert result.reported
    assert result.scores[category] >= 0.5
    assert result.urgency in {"high", "imminent"}


@pytest.mark.parametrize(
    "text",
    [
        "i want to kms",
        "im gonna k1ll myself",
        "thinking about s.u.i.c.i.d.e",
        "s u i c i d e",
        "I'm going to unalive myself",
        "$uicide is all I think about",
        "sewer slide",
        "i want to dieeeee",
    ],
)
def test_leetspeak_and_obfuscation(text):
    assert classify(text).scores[SH] >= 0.5


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("tonight I'm going to end it", "imminent"),
        ("I'm going to kill myself tomorrow", "imminent"),
        ("I have my dad's gun", "imminent"),
        ("he's bringing a gun to school tomorrow", "imminent"),
        ("there's a kid with a knife in the bathroom right now", "imminent"),
        ("my friend overdosed and isn't waking up", "imminent"),
        ("me voy a matar esta noche", "imminent"),
        ("I want to die", "high"),
        ("my stepdad touches me at night", "high"),
        ("kids are vaping in the bathroom", "routine"),
        ("se burlan de ella todos los días", "routine"),
        ("can we get more vegetarian options?", "none"),
        ("we're gonna destroy them at the game friday", "none"),
    ],
)
def test_urgency_levels(text, level):
    assert classify(text).urgency == level


@pytest.mark.parametrize(
    ("text", "category", "trigger"),
    [
        ("I want to die", SH, "die"),
        ("everyone says he brought a gun to school", WP, "gun"),
        ("kids keep calling him ugly and fat", BH, "ugly"),
        ("Mi amigo vende mota detrás del gimnasio", SU, "mota"),
        ("thinking about s.u.i.c.i.d.e", SH, "s.u.i.c.i.d.e"),
        ("I'm going to k1ll myself 2nite", SH, "myself"),
    ],
)
def test_evidence_points_at_the_words(text, category, trigger):
    spans = [text[e.start : e.end] for e in classify(text).evidence if e.category == category]
    assert any(trigger in span for span in spans), spans


def test_imminent_evidence_includes_the_cues():
    text = "My friend said tonight she is going to take all of her mom's pills"
    result = classify(text)
    assert result.urgency == "imminent"
    cues = [text[e.start : e.end] for e in result.evidence if e.category == "urgency"]
    assert "tonight" in cues


def test_no_evidence_for_a_category_below_the_threshold():
    result = classify("I would never kill myself")
    assert all(e.category != SH for e in result.evidence)


def test_json_shape():
    data = json.loads(json.dumps(classify("he has a gun").as_dict()))
    assert [c["name"] for c in data["categories"]] == list(training.CATEGORIES)
    assert all(0 <= c["score"] <= 1 for c in data["categories"])
    assert data["urgency"] in classifier.URGENCIES
    assert {"start", "end", "category"} <= set(data["evidence"][0])
    assert data["truncated"] is False


@pytest.mark.parametrize(
    "value",
    ["", "   ", None, b"", b"\xff\xfe\x00\x00garbage\x80\x81", bytes(range(256)), "\x00" * 50],
)
def test_empty_and_junk_input_never_raise(value):
    result = classify(value)
    assert result.urgency in classifier.URGENCIES
    assert not result.truncated


def test_wrong_encoding_is_decoded_as_windows_1252():
    result = classify("me quiero morir mañana".encode("cp1252"))
    assert result.scores[SH] >= 0.5


def test_megabytes_are_truncated_and_say_so():
    text = "kill myself tonight " * 200_000  # 4 MB
    result = classify(text)
    assert result.truncated
    assert all(e.end <= MAX_CHARS for e in result.evidence)
    assert classify("x" * MAX_CHARS).truncated is False
    assert classify("x" * (MAX_CHARS + 1)).truncated is True


def test_scores_equal_scikit_learns_own():
    texts = [e.text for e in training.load_examples("test") if e.source == "corpus"][:200]
    texts += training.PROBE
    m = classifier.model()
    ours = np.array([m.outputs_for(t) for t in texts])
    assert np.abs(ours - training.probe_scores(m.bundle, texts)).max() < 1e-9


def test_a_batch_gives_the_same_results_as_one_by_one():
    texts = [e.text for e in training.load_examples("test") if e.source == "corpus"][:150]
    texts += ["", "I would never kill myself", b"\xff\xfe junk", "x" * (MAX_CHARS + 5)]
    batch = classify_many(texts)
    for text, result in zip(texts, batch, strict=True):
        single = classify(text)
        assert result.urgency == single.urgency
        assert result.evidence == single.evidence
        assert result.truncated == single.truncated
        for category in training.CATEGORIES:
            assert result.scores[category] == pytest.approx(single.scores[category], abs=1e-9)


def test_the_model_is_loaded_once():
    assert classifier.model() is classifier.model()


@settings(max_examples=150, deadline=None)
@given(st.one_of(st.text(max_size=400), st.binary(max_size=200)))
def test_classify_never_raises_and_spans_are_in_bounds(value):
    result = classify(value)
    length = len(classifier.as_text(value))
    assert set(result.scores) == set(training.CATEGORIES)
    assert all(0.0 <= s <= 1.0 for s in result.scores.values())
    for e in result.evidence:
        assert 0 <= e.start < e.end <= length


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "kill",
                "myself",
                "k1ll",
                "s.u.i.c.i.d.e",
                "gun",
                "tonight",
                "never",
                "not",
                "no",
                "he",
                "said",
                "mañana",
                "💀",
                "\u200b",
                "I'm",
                "pistola",
                "...",
                "!!!",
                "kms",
            ]
        ),
        max_size=30,
    )
)
def test_evidence_spans_cover_words_of_the_text(words):
    text = " ".join(words)
    for e in classify(text).evidence:
        assert text[e.start : e.end].strip()


@pytest.mark.parametrize(
    "text",
    [
        # calls for violence against a group, as real posts and students word them
        "They ought to be hung",
        "all of them must be exterminated",
        "he keeps saying the immigrants at our school should all be shot",
        "she posted that it's time to start killing the gay kids",
        "mi compañero dice que a los migrantes hay que matarlos a todos",
        # praise of attackers
        "the Parkland shooter is a hero",
        "he says the Columbine shooters were legends and he respects them",
        "mi amigo dice que el tirador de esa escuela es un héroe",
    ],
)
def test_calls_for_violence_and_praise_of_attackers_are_violence(text):
    result = classify(text)
    assert top(text) == VT
    assert result.scores[VT] >= 0.5
    assert result.urgency in {"high", "imminent"}
    assert any(e.category == VT for e in result.evidence)


@pytest.mark.parametrize(
    "text",
    ["I hope he dies", "I hope Mr. Lee gets hit by a bus", "ojalá que se muera el profe"],
)
def test_wishing_someone_dead_is_violence(text):
    assert top(text) == VT
    assert classify(text).scores[VT] >= 0.5


@pytest.mark.parametrize(
    "text",
    [
        "kids in the group chat keep telling her to kill herself",
        "they keep commenting kys on all his posts",
        "en el grupo le dicen que se mate",
    ],
)
def test_kill_yourself_aimed_at_a_peer_is_harassment_with_a_risk(text):
    """Harassment, and being told to die is a risk to the one told: high, not routine."""
    result = classify(text)
    assert top(text) == BH
    assert result.scores[BH] >= 0.5
    assert result.urgency in {"high", "imminent"}


@pytest.mark.parametrize(
    ("text", "speech"),
    [
        ("they ought to be hung", "call"),
        ("we must exterminate them", "call"),
        ("hay que matarlos a todos", "call"),
        ("I hope he dies", "wish"),
        ("she deserves to die", "wish"),
        ("the parkland shooter is a hero", "praise"),
        ("this test is killing me", "figure"),
        ("me muero de risa", "figure"),
    ],
)
def test_violent_speech_is_found_and_is_evidence(text, speech):
    from haven.triage import text as triage_text

    marked = triage_text.prepare(text).marked
    assert [c.kind for c in triage_text.find_speech(marked)] == [speech]


@pytest.mark.parametrize(
    "text",
    [
        "I hope I die",  # the writer's own death is self-harm, not a wish against someone
        "I wish I was dead",
        "I hope my phone doesn't die",
        "they would never be hung",  # negated
        "the plants died over break",
    ],
)
def test_no_violent_speech_where_there_is_none(text):
    from haven.triage import text as triage_text

    marked = triage_text.prepare(text).marked
    assert [c.kind for c in triage_text.find_speech(marked) if c.kind != "figure"] == []
