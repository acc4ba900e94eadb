"""The rule layer on its own: normalisation, context lowering, evidence, no torch."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from ml import load_scorer
from ml.backends.lexicon import LexiconScorer, match_rules, rule_floor
from ml.textnorm import normalise_with_offsets, tokenize
from ml.types import RiskLevel

scorer = LexiconScorer()


@pytest.mark.parametrize(
    "text",
    [
        "jeg vil tage mit eget liv",
        "JEG VIL TAGE MIT EGET LIIIIV",
        "jeg vil ta\u200bge mit eget liv",
        "jeg vil draebe mig selv",
        "jeg vil dræææbe mig selv",
        "jeg vil d r æ b e mig selv",
        "jeg vil slå mig selv ihjel",
        "i want to kill myself",
        "i want to k i l l myself",
        "I'm going to KILL MYSELFFFF",
        "i will end my whole life tonight",
    ],
)
def test_crisis_phrases_survive_obfuscation(text: str) -> None:
    # when
    score = scorer.score_one(text)
    # then
    assert score.level == RiskLevel.CRISIS
    assert score.categories[0] == "suicide"
    assert score.evidence


@pytest.mark.parametrize(
    "text",
    [
        "jeg døde af grin",
        "den eksamen slår mig ihjel",
        "min mor slår mig ihjel hvis jeg kommer for sent",
        "this exam is killing me",
        "I'll kill him if he eats my fries again",
        "i literally died laughing",
        "kys og kram til jer alle",
    ],
)
def test_idioms_are_never_elevated(text: str) -> None:
    assert scorer.score_one(text).level <= RiskLevel.LOW


def test_helpline_context_lowers_but_never_clears_a_hit() -> None:
    # given a supportive reply naming Livslinien and the word suicide
    text = "Ring til Livslinien på 70 201 201 hvis du tænker på selvmord"
    # when
    score = scorer.score_one(text)
    hits = match_rules(text)
    # then the hit is kept at LOW with its span
    assert score.level == RiskLevel.LOW
    assert {h.lowered_by for h in hits} == {"helpline"}
    assert any(text[e.start : e.end] == "tænker på selvmord" for e in score.evidence)


def test_crisis_post_naming_a_helpline_still_reaches_a_human() -> None:
    score = scorer.score_one("jeg tager mit liv i nat, gider ikke ringe til livslinien")
    assert score.level == RiskLevel.ELEVATED


def test_quoted_phrase_is_lowered_one_level() -> None:
    text = 'min lærer sagde "jeg vil dræbe mig selv" var en dårlig sangtekst'
    hits = match_rules(text)
    assert [h.lowered_by for h in hits] == ["quote"]
    assert scorer.score_one(text).level == RiskLevel.ELEVATED


def test_evidence_offsets_point_into_the_original_text() -> None:
    # given zero-width characters and repeated letters before the phrase
    text = "\u200b\u200bhej. Jeg vil taaaage mit ejet liv... nej, tage mit eget liv"
    # when
    score = scorer.score_one(text)
    # then
    spans = [text[e.start : e.end] for e in score.evidence]
    assert "tage mit eget liv" in spans


def test_normalisation_folds_danish_letters_and_keeps_offsets() -> None:
    normalised, index = normalise_with_offsets("Dø på ÅEN")
    assert normalised == "doe pa aen"
    assert len(index) == len(normalised)
    assert tokenize("s e l v m o r d er ikke ok")[0].text == "selvmord"


@pytest.mark.parametrize("text", ["", "   ", "🙂🙂🙂", "\x00\x01\x02", "a" * 10])
def test_bad_input_yields_a_score(text: str) -> None:
    assert scorer.score_one(text).level == RiskLevel.NONE


def test_hundred_kilobytes_score_in_well_under_a_second_per_100kb() -> None:
    text = "jeg har haft en okay dag i skolen. " * 3000 + "jeg vil tage mit eget liv"
    started = time.perf_counter()
    score = scorer.score_one(text)
    assert time.perf_counter() - started < 5
    assert score.level == RiskLevel.CRISIS
    assert text[score.evidence[-1].start : score.evidence[-1].end] == "tage mit eget liv"


def test_lexicon_runs_without_torch() -> None:
    # The fail-safe must work where torch cannot be imported: block it and score.
    code = (
        "import sys; sys.modules['torch'] = None\n"
        "import ml\n"
        "s = ml.load_scorer('lexicon').score_batch(['jeg vil tage mit eget liv'])[0]\n"
        "assert s.level == ml.RiskLevel.CRISIS, s\n"
        "print(s.model_version)\n"
    )
    result = subprocess.run(  # noqa: S603 - fixed argv, no shell
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "lexicon-4"


def test_load_scorer_rejects_unknown_names() -> None:
    with pytest.raises(ValueError, match="unknown risk scorer"):
        load_scorer("magic")


@pytest.mark.parametrize(
    "text",
    [
        "min lillesøster har drukket sig så fuld at hun ligger og ryster og svarer ikke",
        "jeg kan ikke vække ham, han har taget alle pillerne",
        "har blødt igennem to håndklæder nu og det stopper ikke",
        "my friend took something at the party and now she's unresponsive",
        "he drank a whole bottle and he won't wake up",
        "it's bleeding through the towel",
    ],
)
def test_a_medical_emergency_after_taking_something_or_bleeding_pages(text: str) -> None:
    # Lexicon 4: blind posts like these were scored none by the model (EXPERIMENTS.md 14).
    assert rule_floor(match_rules(text)) == RiskLevel.CRISIS


@pytest.mark.parametrize(
    "text",
    [
        "bled through my jeans in maths, so embarrassing",
        "har blødt igennem mine bukser i skolen",
        "han har drukket lidt til festen og svarer ikke på snap",
        "I drank way too much last night, I won't wake up before noon lol",
        "my nose is bleeding and my brother won't stop laughing",
        "my lips are blue from the cold lol",
    ],
)
def test_periods_hangovers_and_nosebleeds_raise_nothing(text: str) -> None:
    assert rule_floor(match_rules(text)) == RiskLevel.NONE
