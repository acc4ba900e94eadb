"""Demo toolkit content for ung_ravn. Idempotent: running it twice changes nothing."""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from toolkit import services
from toolkit.models import (
    DailyCheckIn,
    SafetyPlanSection,
    Strategy,
    StrategyUse,
    Who5Response,
    Who5Timepoint,
)

logger = logging.getLogger(__name__)

DEMO_YOUTH = "ung_ravn"

OWN_STRATEGIES = [
    (
        "Musik og en gåtur",
        [
            "Tag høretelefoner på og vælg tre sange, du kan lide.",
            "Gå en tur rundt om blokken, mens du hører dem.",
            "Læg mærke til tre ting, du ser på vejen.",
        ],
        True,
    ),
    (
        "Skriv det ned",
        [
            "Find papir eller noterne på din telefon.",
            "Skriv alt det, der fylder, uden at rette noget.",
            "Læs det igen og sæt en stjerne ved det, du kan gøre noget ved i dag.",
        ],
        False,
    ),
]

SAFETY_PLAN = {
    SafetyPlanSection.WARNING_SIGNS: [
        "Jeg trækker mig fra mine venner",
        "Jeg sover dårligt flere nætter i træk",
    ],
    SafetyPlanSection.SELF_COPING: ["Gå en tur med musik", "Brug 5-4-3-2-1", "Tag et varmt bad"],
    SafetyPlanSection.DISTRACTIONS: [
        "Biblioteket",
        "Spille FIFA med Jonas",
        "Klubben om torsdagen",
    ],
    SafetyPlanSection.HELPERS: ["Mor", "Min klasselærer", "Jonas"],
    SafetyPlanSection.PROFESSIONALS: ["Min behandler i Sammen", "Min læge"],
    SafetyPlanSection.SAFE_SURROUNDINGS: ["Være sammen med andre, når det er svært"],
}

# (days ago, mood, word): two weeks of check-ins with an upward drift.
CHECKINS = [
    (13, 4, "træt"),
    (12, 5, ""),
    (11, 3, "trist"),
    (10, 4, ""),
    (9, 5, "okay"),
    (8, 6, ""),
    (7, 5, "stress"),
    (6, 6, ""),
    (5, 7, "bedre"),
    (4, 6, ""),
    (3, 7, "rolig"),
    (2, 6, ""),
    (1, 7, "glad"),
]


@transaction.atomic
def demo_content_create() -> None:
    youth = User.objects.filter(username=DEMO_YOUTH).first()
    if youth is None:
        logger.warning("toolkit.demo.youth_missing")
        return
    try:
        services.strategy_save_from_journey(
            youth=youth, journey_slug="her-og-nu", step_key="hverdags-mindfulness"
        )
    except (services.JourneyStrategyNotFound, LookupError):
        logger.info("toolkit.demo.journey_strategy_unavailable")
    if not Strategy.objects.filter(owner=youth, source=Strategy.Source.OWN).exists():
        for title, steps, favourite in OWN_STRATEGIES:
            strategy = services.strategy_create_own(
                youth=youth, title=title, steps=steps, language="da"
            )
            services.strategy_favourite_set(strategy=strategy, favourite=favourite)
            for before, after in ((3, 6), (4, 6), (5, 6)) if favourite else ((4, 5),):
                use = services.strategy_use_start(strategy=strategy, mood_before=before)
                services.strategy_use_finish(use=use, mood_after=after)
    if not StrategyUse.objects.filter(strategy__owner=youth).exists():  # pragma: no cover
        logger.info("toolkit.demo.no_uses")
    plan = services.safety_plan_get_or_create(youth=youth)
    if plan.version == 0:
        for section, items in SAFETY_PLAN.items():
            services.safety_plan_section_save(youth=youth, section=section, items=items)
    today = timezone.localdate()
    if not DailyCheckIn.objects.filter(owner=youth).exists():
        for days_ago, mood, word in CHECKINS:
            services.checkin_save(
                youth=youth, mood=mood, word=word, day=today - dt.timedelta(days=days_ago)
            )
    if not Who5Response.objects.filter(owner=youth).exists():
        services.who5_submit(youth=youth, timepoint=Who5Timepoint.BASELINE, answers=[2, 3, 2, 1, 3])
