"""Demo data: the journey content, and some progress for the demo youth ung_ravn (idempotent)."""

from __future__ import annotations

import logging

from accounts.models import User
from journeys import selectors, services

logger = logging.getLogger(__name__)

DEMO_YOUTH = "ung_ravn"
IN_PROGRESS = ("her-og-nu", 3)  # journey slug, steps done: "fortsæt hvor du slap" shows it
COMPLETED = "venlig-mod-dig-selv"


def demo_content_create() -> None:
    """Load journeys/content, then give ung_ravn one journey in progress and one completed.

    No reflections are written: they would be screened, and demo data should not create
    moderation work.
    """
    services.journeys_load()
    youth = User.objects.filter(username=DEMO_YOUTH).first()
    if youth is None:
        logger.info("journeys.demo.no_youth", extra={"username": DEMO_YOUTH})
        return
    slug, done = IN_PROGRESS
    journey = selectors.journey_get_published(slug=slug)
    if journey is not None:
        for step in selectors.steps_active(journey=journey)[:done]:
            services.step_complete(youth=youth, step=step)
    finished = selectors.journey_get_published(slug=COMPLETED)
    if finished is not None:
        for step in selectors.steps_active(journey=finished):
            services.step_complete(youth=youth, step=step)  # the reflection step is skipped
