"""WHO-5 Well-Being Index: items, scoring, interpretation and when it is due.

Scoring follows the WHO-5 manual (Psykiatrisk Center Nordsjælland, Topp et al. 2015): five items
answered 0-5, raw score 0-25, percentage = raw x 4. Interpretation uses the standard cut-offs.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from toolkit.models import Who5Timepoint

# The five standard items in the official Danish and English wording ("in the last two weeks").
ITEMS: tuple[dict[str, str], ...] = (
    {"da": "Jeg har været glad og i godt humør", "en": "I have felt cheerful and in good spirits"},
    {"da": "Jeg har følt mig rolig og afslappet", "en": "I have felt calm and relaxed"},
    {"da": "Jeg har følt mig aktiv og energisk", "en": "I have felt active and vigorous"},
    {"da": "Jeg er vågnet frisk og udhvilet", "en": "I woke up feeling fresh and rested"},
    {
        "da": "Min dagligdag har været fyldt med ting, der interesserer mig",
        "en": "My daily life has been filled with things that interest me",
    },
)
STEM = {"da": "I de sidste 2 uger ...", "en": "Over the last two weeks ..."}

# Answer scale, highest first as on the paper form.
ANSWERS: tuple[tuple[int, dict[str, str]], ...] = (
    (5, {"da": "Hele tiden", "en": "All of the time"}),
    (4, {"da": "Det meste af tiden", "en": "Most of the time"}),
    (3, {"da": "Lidt mere end halvdelen af tiden", "en": "More than half of the time"}),
    (2, {"da": "Lidt mindre end halvdelen af tiden", "en": "Less than half of the time"}),
    (1, {"da": "Lidt af tiden", "en": "Some of the time"}),
    (0, {"da": "På intet tidspunkt", "en": "At no time"}),
)

# Clinical policy (WHO-5 manual): raw <= 7 (percentage <= 28) is very low wellbeing and calls for
# a conversation with a professional; raw < 13 (percentage < 50) is low wellbeing.
VERY_LOW_MAX_RAW = 7
LOW_BELOW_RAW = 13

# When WHO-5 is asked, counted from the youth's sign-up (issue 6: at sign-up, 6 and 12 weeks).
SCHEDULE: tuple[tuple[str, dt.timedelta], ...] = (
    (Who5Timepoint.BASELINE, dt.timedelta(0)),
    (Who5Timepoint.WEEK_6, dt.timedelta(weeks=6)),
    (Who5Timepoint.WEEK_12, dt.timedelta(weeks=12)),
)


class Band(enum.StrEnum):
    VERY_LOW = "very_low"
    LOW = "low"
    OK = "ok"


@dataclass(frozen=True, slots=True)
class Who5Score:
    raw: int
    percentage: int
    band: Band


class InvalidAnswers(ValueError):
    """The answers are not five integers from 0 to 5."""


def who5_score(answers: Sequence[int]) -> Who5Score:
    """Score five answers (0-5 each). Raises InvalidAnswers for anything else."""
    if len(answers) != len(ITEMS):
        raise InvalidAnswers("WHO-5 needs exactly five answers")
    if any(isinstance(a, bool) or not isinstance(a, int) or not 0 <= a <= 5 for a in answers):
        raise InvalidAnswers("each WHO-5 answer is an integer from 0 to 5")
    raw = sum(answers)
    if raw <= VERY_LOW_MAX_RAW:
        band = Band.VERY_LOW
    elif raw < LOW_BELOW_RAW:
        band = Band.LOW
    else:
        band = Band.OK
    return Who5Score(raw=raw, percentage=raw * 4, band=band)


def who5_due_dates(joined: dt.datetime) -> dict[str, dt.datetime]:
    """The moment each timepoint falls due, from the youth's sign-up."""
    return {timepoint: joined + offset for timepoint, offset in SCHEDULE}


def who5_timepoint_due(*, joined: dt.datetime, done: set[str], now: dt.datetime) -> str | None:
    """The timepoint to ask now, or None.

    Only the latest timepoint that has fallen due is asked: a youth who skipped the sign-up
    questionnaire and returns in week 7 answers the 6-week one, not both.
    """
    due: str | None = None
    for timepoint, at in who5_due_dates(joined).items():
        if at <= now:
            due = timepoint
    if due is None or due in done:
        return None
    return due


BAND_MESSAGES = {
    Band.VERY_LOW: _(
        "Det lyder som om, du har haft det rigtig svært de sidste par uger. Du behøver ikke stå "
        "med det alene. Tal med en, du stoler på, eller en behandler, og ring gerne til en af "
        "linjerne her, hvis det hele føles for meget."
    ),
    Band.LOW: _(
        "Det lyder som om, de sidste par uger har været tunge. Det kan hjælpe at tale med nogen "
        "om det, og at bruge noget fra din værktøjskasse."
    ),
    Band.OK: _("Tak fordi du svarede. Du kan følge, hvordan det går, over tid her."),
}
