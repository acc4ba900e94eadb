"""Routing without occlusion, then `explain_batch`: the same evidence, in Danish and English.

Real encoder and head (marked `model`) except where the lexicon alone is under test.
"""

from __future__ import annotations

import pytest

from ml import EvidenceExplainer, load_scorer
from ml.backends.lexicon import LexiconScorer
from ml.types import RiskLevel

HELD_TEXTS = [
    ("da", "jeg har skrevet et brev til min mor og gemt pillerne. i nat er det slut"),
    ("da", "min ven skriver han vil tage sit liv i nat og nu svarer han ikke"),
    ("da", "jeg skærer i mig selv igen"),
    ("en", "my friend just texted me that she is going to kill herself tonight"),
    ("en", "this is my last post. thank you all, goodbye"),
    ("en", "I started cutting again. Nobody knows. It helps for a while"),
]
PUBLISHED_TEXTS = [
    ("da", "den eksamen slår mig ihjel, har læst hele weekenden"),
    ("en", "we won the football match today, best day ever"),
]
TEXTS = [t for _, t in HELD_TEXTS + PUBLISHED_TEXTS]


@pytest.mark.model
def test_explain_batch_returns_exactly_the_evidence_score_batch_returns(risk_scorer) -> None:
    full = risk_scorer.score_batch(TEXTS)
    assert [s.level >= RiskLevel.ELEVATED for s in full] == [True] * 6 + [False] * 2
    assert risk_scorer.explain_batch(TEXTS) == [s.evidence for s in full]
    # the held texts alone, as moderation asks for them later, and one by one
    held = TEXTS[:6]
    assert risk_scorer.explain_batch(held) == [s.evidence for s in full[:6]]
    assert [risk_scorer.explain_batch([t])[0] for t in held] == [s.evidence for s in full[:6]]


@pytest.mark.model
def test_scoring_without_occlusion_routes_the_same_with_rule_evidence_only(risk_scorer) -> None:
    from ml.backends.lexicon import hit_evidence, match_rules

    full = risk_scorer.score_batch(TEXTS)
    fast = risk_scorer.score_batch(TEXTS, occlusion=False)
    for text, with_occlusion, without in zip(TEXTS, full, fast, strict=True):
        assert without.level == with_occlusion.level
        assert without.probability == with_occlusion.probability
        assert without.categories == with_occlusion.categories
        assert without.model_version == with_occlusion.model_version
        assert without.evidence == tuple(hit_evidence(match_rules(text)))
    # occlusion adds model spans to held texts in both languages; rules alone miss some
    more = [len(f.evidence) > len(w.evidence) for f, w in zip(full, fast, strict=True)]
    assert more[0] and more[3]  # Danish and English crisis posts
    assert fast[0].evidence == ()  # no rule hit: only occlusion can show the moderator why


@pytest.mark.model
def test_the_constructor_default_still_computes_occlusion(risk_scorer) -> None:
    """score_batch(texts) is unchanged: the CLI and every caller get occlusion evidence."""
    assert risk_scorer.with_evidence
    assert risk_scorer.score_batch(TEXTS[:1])[0].evidence != ()
    assert risk_scorer.score_batch(TEXTS[:1], occlusion=True) == risk_scorer.score_batch(TEXTS[:1])


@pytest.mark.model
def test_the_transformer_scorer_meets_the_explainer_contract(risk_scorer) -> None:
    explainer: EvidenceExplainer = risk_scorer  # checked by mypy as well
    assert isinstance(explainer, EvidenceExplainer)
    assert explainer.explain_batch([]) == []


def test_the_lexicon_explains_with_its_rule_spans() -> None:
    scorer = load_scorer("lexicon")
    assert isinstance(scorer, EvidenceExplainer)
    lexicon = LexiconScorer()
    texts = ["jeg vil tage mit eget liv i nat", "i want to kill myself", "hej med dig"]
    scores = lexicon.score_batch(texts)
    assert lexicon.explain_batch(texts) == [s.evidence for s in scores]
    assert lexicon.score_batch(texts, occlusion=False) == scores
    assert scores[0].evidence and scores[1].evidence and not scores[2].evidence
