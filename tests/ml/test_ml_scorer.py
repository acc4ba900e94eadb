"""The real encoder and committed head on real sentences, in Danish and English."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from ml.types import RiskLevel, RiskScore

pytestmark = pytest.mark.model

CRISIS_TEXTS = [
    ("da", "jeg har skrevet et brev til min mor og gemt pillerne. i nat er det slut"),
    ("da", "min ven skriver han vil tage sit liv i nat og nu svarer han ikke"),
    ("da", "farvel alle sammen. tak for alt, I hører ikke fra mig igen"),
    ("en", "i have the pills in my drawer and tonight i'm finally going to do it"),
    ("en", "my friend just texted me that she is going to kill herself tonight"),
    ("en", "this is my last post. thank you all, goodbye"),
]
HARMLESS_TEXTS = [
    ("da", "jeg døde af grin da min lillebror faldt i søen 😂"),
    ("da", "den eksamen slår mig ihjel, har læst hele weekenden"),
    ("da", "hvis du har det svært, så ring til Livslinien på 70 201 201. du er ikke alene"),
    ("en", "lmao i literally died laughing at that video"),
    ("en", "this chemistry homework is killing me, anyone good at moles?"),
    ("en", "we won the football match today, best day ever"),
]


@pytest.mark.parametrize(("lang", "text"), CRISIS_TEXTS)
def test_crisis_posts_reach_a_human(risk_scorer, lang: str, text: str) -> None:
    score = risk_scorer.score_batch([text])[0]
    assert score.level >= RiskLevel.ELEVATED, (lang, score)
    assert score.evidence
    assert "suicide" in score.categories


@pytest.mark.parametrize(("lang", "text"), HARMLESS_TEXTS)
def test_idioms_and_support_are_not_held(risk_scorer, lang: str, text: str) -> None:
    score = risk_scorer.score_batch([text])[0]
    assert score.level <= RiskLevel.LOW, (lang, score)


def test_scores_are_deterministic_and_independent_of_batching(risk_scorer) -> None:
    texts = [t for _, t in CRISIS_TEXTS + HARMLESS_TEXTS]
    first = risk_scorer.score_batch(texts)
    second = risk_scorer.score_batch(texts)
    single = [risk_scorer.score_batch([t])[0] for t in texts]
    assert first == second
    for batched, alone in zip(first, single, strict=True):
        assert batched.level == alone.level
        assert batched.probability == pytest.approx(alone.probability, abs=1e-3)


def test_every_score_carries_the_model_version(risk_scorer) -> None:
    score = risk_scorer.score_batch(["hej"])[0]
    assert score.model_version == risk_scorer.model_version
    assert score.model_version.startswith("sammen-risk-")
    assert score.model_version.endswith("+lexicon-4")


def test_rule_floor_raises_what_the_model_misses(risk_scorer, monkeypatch) -> None:
    # given a head whose thresholds can never be reached, so the model alone says none
    unreachable = {lang: dict.fromkeys(("low", "elevated", "crisis"), 2.0) for lang in ("da", "en")}
    monkeypatch.setattr(
        risk_scorer, "head", dataclasses.replace(risk_scorer.head, thresholds=unreachable)
    )
    # when
    text = "jeg vil tage mit eget liv"
    score = risk_scorer.score_batch([text])[0]
    # then the rule layer alone lifts it, with the phrase as evidence
    assert score.level == RiskLevel.CRISIS
    assert any(text[e.start : e.end] == "tage mit eget liv" for e in score.evidence)
    assert risk_scorer.score_batch(["vi ses til fodbold"])[0].level == RiskLevel.NONE


def test_one_alarming_sentence_in_a_long_post_is_not_diluted(risk_scorer) -> None:
    # given a long, harmless post with one crisis sentence in the middle (no rule phrase)
    filler = "I went to school, had lunch with my friends and played some football after. "
    alarm = "Tonight I am going to swallow every pill in the cabinet so it finally stops. "
    text = filler * 40 + alarm + filler * 40
    # when
    score = risk_scorer.score_batch([text])[0]
    # then the window holding the sentence decides, and the evidence points at it
    assert score.level >= RiskLevel.ELEVATED
    start = text.index(alarm)
    assert any(e.start < start + len(alarm) and e.end > start for e in score.evidence)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "🙂🙂🙂😂😂",
        "\x00\x01\x02 hej \x1b[31m",
        "jeg er så træt af school, i just want to sleep forever og aldrig vågne",
        "a" * 5000,
    ],
)
def test_awkward_inputs_yield_valid_scores(risk_scorer, text: str) -> None:
    score = risk_scorer.score_batch([text])[0]
    assert isinstance(score, RiskScore)
    assert 0.0 <= score.probability <= 1.0
    assert all(0 <= e.start <= e.end <= len(text) for e in score.evidence)


def test_hundred_kilobyte_post_is_scored(risk_scorer) -> None:
    text = ("Det var en helt almindelig dag i skolen, og vi spiste frokost i kantinen. " * 1400)[
        :100_000
    ]
    score = risk_scorer.score_batch([text])[0]
    assert score.level <= RiskLevel.LOW
    assert all(0 <= e.start <= e.end <= len(text) for e in score.evidence)


def test_self_harm_gets_its_category(risk_scorer) -> None:
    score = risk_scorer.score_batch(["jeg har skåret i mine arme igen i aften, det bløder"])[0]
    assert score.level >= RiskLevel.ELEVATED
    assert "self_harm" in score.categories


def test_embed_texts_gives_unit_vectors_that_match_across_languages() -> None:
    import numpy as np

    from ml import embed_texts

    vectors = embed_texts(
        [
            "Min hund løb væk i går.",
            "My dog ran away yesterday.",
            "Aktiemarkedet steg kraftigt.",
        ]
    )
    assert vectors.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]


REPEATED_HARMLESS = [
    ("da", "Jeg tog bussen hjem fra træning og lavede lektier bagefter. " * 20),
    ("en", "I took the bus home from practice and did my homework after. " * 20),
    ("en", "It was a normal day at school and we had lunch in the canteen. " * 20),
    ("da", "haha " * 300),
    ("en", "a" * 2000),
]


@pytest.mark.parametrize(("lang", "text"), REPEATED_HARMLESS)
def test_a_harmless_sentence_repeated_is_not_held(risk_scorer, lang: str, text: str) -> None:
    # sammen-risk-6 called the first two crisis before the model read repeats once.
    score = risk_scorer.score_batch([text])[0]
    assert score.level <= RiskLevel.LOW, (lang, score)


def test_a_risk_sentence_among_repeats_is_held_with_evidence_in_the_original(
    risk_scorer,
) -> None:
    risk = "jeg har gemt pillerne og i nat tager jeg dem alle sammen."
    text = "Jeg har det fint. " * 15 + risk + " Jeg har det fint." * 5
    score = risk_scorer.score_batch([text])[0]
    assert score.level >= RiskLevel.ELEVATED
    start = text.index(risk)
    assert any(e.start <= start + 20 and e.end >= start + 20 for e in score.evidence)
    assert all(0 <= e.start < e.end <= len(text) for e in score.evidence)


# Posts that are not prose must not page a human. sammen-risk-10 to -14 called a list of
# numbers and keyboard mash elevated or crisis; the non-prose writer set of section 17 fixed it
# (ml/model/EXPERIMENTS.md sections 13, 16 and 17).
NON_PROSE_TEXTS = [
    "https://www.dr.dk/nyheder/indland/ny-skoleaftale-for-gymnasierne?utm_source=app",
    "for i in range(10):\n    print(i * i)\n# virker det her?",
    "12/03/2025, 19/04/2025, 02/06/2025, 15/08/2025",
    " ".join(str(i) for i in range(31)),
    " ".join(str(i) for i in range(600)),
    "asdfghjkl qwertyuiop zxcvbnm",
]


@pytest.mark.parametrize("text", NON_PROSE_TEXTS)
def test_non_prose_posts_are_not_held(risk_scorer, text: str) -> None:
    score = risk_scorer.score_batch([text])[0]
    assert score.level <= RiskLevel.LOW, (text[:40], score)


def test_long_posts_get_the_level_their_thresholds_were_chosen_for(risk_scorer) -> None:
    """Production judges a multi-window post as ``ml.train`` did when it chose the thresholds.

    Training takes each level's highest score over a post's windows; production once took the
    single best window instead, and two long posts of blind set 10 came out elevated in
    production but crisis on the path the thresholds' recall was measured on.
    """
    from ml.backends.lexicon import match_rules, rule_floor
    from ml.evaluation import read_labelled_tsv
    from ml.language import detect_language
    from ml.modelview import model_view
    from ml.train import CORPUS_DIR, predict_levels, text_scores

    encoder, head = risk_scorer.encoder, risk_scorer.head
    texts = [
        row.text
        for row in read_labelled_tsv(CORPUS_DIR / "en_blind10.tsv")
        if len(encoder.windows([model_view(row.text).text])) > 1
    ]
    assert len(texts) >= 30
    views = [model_view(text).text for text in texts]
    vectors, windows = encoder.embed_windows(views, batch_size=risk_scorer.batch_size)
    per_text: list[list] = [[] for _ in texts]
    for vector, window in zip(vectors, windows, strict=True):
        per_text[window.text_index].append(vector)
    _, trained = predict_levels(
        head,
        text_scores(head, [np.stack(rows) for rows in per_text]),
        [detect_language(view) for view in views],
    )
    floors = [int(rule_floor(match_rules(text))) for text in texts]
    expected = [max(int(level), floor) for level, floor in zip(trained, floors, strict=True)]
    produced = [int(score.level) for score in risk_scorer.score_batch(texts, occlusion=False)]
    assert produced == expected
