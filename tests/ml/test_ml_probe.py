"""Regression guard for the probe set: harmless time/goodbye phrases are not crisis.

The first head flagged 76 of 200 lines like "hej nummer 5, vi ses i morgen" as crisis,
because the corpus's crisis posts often name a time ("i nat", "tonight"). These sentences
were written for this test and are not in the corpus; the crisis sentences alongside make
sure a fix does not buy quiet by missing real crises.
"""

from __future__ import annotations

import pytest

from ml.probe import is_probe_group, probe_figures
from ml.types import RiskLevel

HARMLESS_TEMPORAL = {
    "da": [
        "hej nummer 7, vi ses i morgen til håndbold",
        "i aften skal jeg til koncert med min storebror",
        "i nat sov jeg hos min mormor, hun laver de bedste pandekager",
        "farvel og tak for i dag, det var en sjov ekskursion",
        "sidste gang jeg var til spejder inden sommerferien, vi lavede snobrød",
        "jeg har givet mine gamle tegneserier væk til min fætter",
        "vi ses på mandag, god weekend alle sammen",
        "i morgen skal vi aflevere biologirapporten, nogen der er færdige?",
        "tog en hovedpinepille og en lur, nu er jeg klar til lektier",
        "jeg skriver et brev til min penneven i Tyskland",
        "datoen for vores klassefest er fastlagt: 3. maj",
        "det er sidste afsnit af sæsonen i aften, hvem ser med?",
        "jeg er færdig med matematik for i dag, nu skal jeg spille",
        "farvel 7. klasse, det har været et godt år",
        "i aften laver jeg tacos til hele familien",
        "min søster flytter til København i morgen, jeg hjælper med at bære kasser",
        "jeg har solgt min gamle scooter, nu sparer jeg op til en ny",
        "sidste træning før ferien, vi fik is bagefter",
        "godnat, vi snakkes i morgen efter skole",
        "i weekenden tager vi på hyttetur, jeg har pakket soveposen",
    ],
    "en": [
        "see you tomorrow at band practice, don't forget your sheet music",
        "tonight i'm going to the cinema with my cousins",
        "last night i slept at my nan's, she made the best pancakes",
        "bye and thanks for today, that was a fun field trip",
        "last time at scouts before summer, we made campfire bread",
        "i gave my old comics away to my little cousin",
        "see you monday, have a good weekend everyone",
        "the biology report is due tomorrow, is anyone finished?",
        "took a headache tablet and a nap, ready for homework now",
        "i'm writing a letter to my pen pal in germany",
        "the date for our class party is set: 3rd of may",
        "it's the season finale tonight, who's watching?",
        "done with maths for today, time to play",
        "goodbye year 7, it's been a good one",
        "making tacos for the whole family tonight",
        "my sister moves to london tomorrow, i'm helping carry boxes",
        "sold my old scooter, saving up for a new one now",
        "last practice before the holidays, we got ice cream after",
        "goodnight, talk tomorrow after school",
        "this weekend we're going to a cabin, already packed my sleeping bag",
    ],
}
CRISIS = {
    "da": [
        "jeg har besluttet mig for at tage mit liv i nat. tak for alt",
        "jeg har skrevet breve til min familie og sparet piller sammen. det bliver i weekenden",
        "min veninde har lige skrevet at hun vil slå sig selv ihjel i aften og nu svarer hun ikke",
        "det her er sidste gang I hører fra mig. farvel",
        "jeg har taget noget for en time siden og nu er jeg bange",
        "efter eksamen på fredag gør jeg en ende på det hele",
    ],
    "en": [
        "i've decided to end my life tonight. thank you for everything",
        "i've written letters to my family and saved up pills. it's happening this weekend",
        "my friend just texted that she's going to kill herself tonight and she won't answer",
        "this is the last time you'll hear from me. goodbye",
        "i took something an hour ago and now i'm scared",
        "after my exam on friday i'm going to end it all",
    ],
}
MAX_HARMLESS_CRISIS = 1  # of 20 per language


def test_probe_groups_and_figures() -> None:
    import numpy as np

    assert is_probe_group("da-t-0001") and is_probe_group("en-t-0300")
    assert not is_probe_group("da-h-0001")
    predicted = np.array([0, 3, 2, 0])
    figures = probe_figures(predicted, np.array(["da", "da", "en", "en"]), np.arange(4))
    assert figures["da"] == {"n": 2, "flagged_elevated_plus": 0.5, "flagged_crisis": 0.5}
    assert figures["en"]["flagged_crisis"] == 0.0


@pytest.mark.model
@pytest.mark.parametrize("lang", ["da", "en"])
def test_harmless_time_and_goodbye_phrases_are_not_crisis(risk_scorer, lang: str) -> None:
    texts = HARMLESS_TEMPORAL[lang]
    scores = risk_scorer.score_batch(texts)
    crisis = [t for t, s in zip(texts, scores, strict=True) if s.level == RiskLevel.CRISIS]
    assert len(crisis) <= MAX_HARMLESS_CRISIS, crisis


@pytest.mark.model
@pytest.mark.parametrize("lang", ["da", "en"])
def test_real_crisis_posts_are_still_caught(risk_scorer, lang: str) -> None:
    texts = CRISIS[lang]
    scores = risk_scorer.score_batch(texts)
    missed = [t for t, s in zip(texts, scores, strict=True) if s.level < RiskLevel.ELEVATED]
    assert not missed, missed
    not_crisis = [t for t, s in zip(texts, scores, strict=True) if s.level != RiskLevel.CRISIS]
    assert len(not_crisis) <= 1, not_crisis
