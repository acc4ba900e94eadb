"""Lexicon-3: plans, decisions and time-bound intent in a death context (rule layer).

sammen-risk-4 scored two true crisis posts none/low ("... nu har jeg en plan og en dag",
"... jeg har besluttet at jeg ikke er her naar de kommer hjem"). Plan and decision phrases are
everyday words, so most of them only count beside a death anchor (``near`` in the rules file):
these tests pin both the hits and the harmless plans that must stay clear.
"""

from __future__ import annotations

import pytest

from ml.backends.lexicon import LexiconScorer, match_rules
from ml.types import RiskLevel

scorer = LexiconScorer()

INTENT_HITS = {
    "da": [
        "har tænkt på at dø hver dag i et år og nu har jeg en plan og en dag",
        "mine foraeldre er i sommerhus til paa soendag og jeg har besluttet at jeg ikke er her "
        "naar de kommer hjem",
        "jeg vil ikke leve mere. jeg har lagt en plan",
        "jeg har valgt datoen. selvmord er det eneste der giver mening",
        "i nat er natten. jeg vil bare dø",
        "har planlagt det hele, jeg vil dø på fredag",
        "jeg har bestemt mig. jeg vil ikke leve længere",
        "HAR EN PLAAAN og jeg vil døøø",
    ],
    "en": [
        "i want to die. i have a plan and i've picked a date",
        "I've decided I won't be here when they get back from the cabin",
        "tonight is the night. i'm going to end it all",
        "ive got a plan now, i don't want to live like this",
        "made up my mind. suicide is the only way out",
        "i've decided i won't be here much longer. i want to die",
        "I HAVE A PLAAAN to kill myself",
    ],
}

HARMLESS_PLANS = {
    "da": [
        "jeg har en plan for eksamen",
        "jeg har en plan for eksamen, jeg døde af grin over min egen læseplan",
        "min morfar døde i sidste uge og jeg har en plan for talen til begravelsen",
        "jeg har besluttet at jeg ikke skal være her i sommerferien, vi tager til Kreta",
        "har besluttet mig for at starte til håndbold",
        "i nat er natten hvor vi kan se stjerneskud",
        "min sidste dag i 9. klasse, det bliver så mærkeligt",
        "den eksamen slår mig ihjel, men jeg har en plan",
    ],
    "en": [
        "I have a plan for my exams",
        "tonight is the night!! prom finally",
        "i have a plan, i'm dying to see that movie",
        "i've decided to dye my hair, die hard fan of that band",
        "i've decided i won't be here for christmas this year, going to my dad's",
        "my last day at the job tomorrow, so sad to leave",
        "this exam is killing me but i have a plan",
    ],
}


@pytest.mark.parametrize(
    "text", [t for texts in INTENT_HITS.values() for t in texts], ids=lambda t: t[:40]
)
def test_plans_and_decisions_beside_death_words_are_crisis(text: str) -> None:
    # when
    score = scorer.score_one(text)
    # then
    assert score.level == RiskLevel.CRISIS
    assert "suicide" in score.categories
    assert score.evidence


@pytest.mark.parametrize(
    "text", [t for texts in HARMLESS_PLANS.values() for t in texts], ids=lambda t: t[:40]
)
def test_harmless_plans_and_decisions_raise_nothing_above_low(text: str) -> None:
    assert scorer.score_one(text).level <= RiskLevel.LOW


def test_plan_needs_its_anchor_within_twenty_words() -> None:
    # given: the same plan, once beside "dø" and once 25 words away from it
    filler = " ".join(["og så gik vi en tur"] * 5)
    near = "jeg vil dø og jeg har en plan"
    far = f"jeg vil dø. {filler} og jeg har en plan"
    # when / then
    assert any(h.phrase == "har en plan" for h in match_rules(near))
    assert not any(h.phrase == "har en plan" for h in match_rules(far))


def test_anchor_inside_an_idiom_does_not_count() -> None:
    hits = match_rules("jeg døde af grin, så nu har jeg en plan")
    assert not any(h.phrase == "har en plan" for h in hits)


def test_quoted_plan_is_lowered_but_not_cleared() -> None:
    # given
    text = '"jeg har en plan og jeg vil dø" sagde hun i filmen'
    # when
    plan = next(h for h in match_rules(text) if h.phrase == "har en plan")
    # then
    assert plan.lowered_by == "quote"
    assert plan.level == RiskLevel.ELEVATED


def test_plan_beside_a_helpline_is_lowered_but_still_reaches_a_human() -> None:
    score = scorer.score_one("har ringet til livslinien, men jeg vil stadig dø og jeg har en plan")
    assert score.level == RiskLevel.ELEVATED


@pytest.mark.model
@pytest.mark.parametrize("lang", ["da", "en"])
def test_production_scorer_calls_intent_posts_crisis(risk_scorer, lang: str) -> None:
    texts = INTENT_HITS[lang]
    scores = risk_scorer.score_batch(texts)
    missed = [t for t, s in zip(texts, scores, strict=True) if s.level != RiskLevel.CRISIS]
    assert not missed, missed
