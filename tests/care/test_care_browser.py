"""A clinician's morning in Chromium: caseload, a youth with a new flag, the summary, homework;
then the youth's "Hvem har set mine data" page shows each of those views."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import CareLink, Clinic, ClinicMembership, Role, User
from care import services
from journeys.models import JourneySuggestion
from moderation.models import Flag
from toolkit import services as toolkit_services

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PASSWORD = "a-long-browser-password-42"


def _serious_violations(page: Any) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']}: {v['help']}"
        for v in results.response["violations"]
        if v.get("impact") in {"serious", "critical"}
    ]


def _log_out(page: Any) -> None:
    page.locator("form[action$='/konto/log-ud/'] button").click()
    page.wait_for_load_state()


def test_clinicians_morning_and_the_youths_audit(
    daphne_live_server: Any, browser_page: Any, browser_log_in: Any
) -> None:
    # given a clinic, a clinician, a quiet youth and a youth with a crisis flag from the night
    call_command("load_journeys")
    clinic = Clinic.objects.create(name="Klinik Nord", slug="klinik-nord")
    clinician = User.objects.create_user(
        username="kliniker_hval", password=PASSWORD, role=Role.CLINICIAN
    )
    ClinicMembership.objects.create(clinic=clinic, user=clinician)
    handles = ("rolig_ravn", "natlig_ugle")
    youths = []
    for handle in handles:
        youth = User.objects.create_user(
            username=handle,
            password=PASSWORD,
            birth_year=timezone.localdate().year - 18,
            birth_month=1,
        )
        ClinicMembership.objects.create(clinic=clinic, user=youth)
        invitation = services.invitation_create(clinician=clinician, youth=youth)
        services.invitation_accept(
            invitation=invitation, youth=youth, scopes=[s.value for s in CareLink.Scope]
        )
        toolkit_services.checkin_save(youth=youth, mood=6)
        youths.append(youth)
    flagged = youths[1]
    now = timezone.now()
    Flag.objects.create(
        subject_type="post",
        subject_id=1,
        tier="crisis",
        author=flagged,
        clinic=clinic,
        opened_at=now - dt.timedelta(hours=6),
        due_at=now - dt.timedelta(hours=6, minutes=-5),
    )
    base = daphne_live_server.url
    page = browser_page
    page.set_default_timeout(30_000)

    # the caseload, youth with the open flag first
    browser_log_in(page, base, "kliniker_hval", PASSWORD)
    page.goto(base + "/behandling/")
    first_row = page.locator("table.care-caseload tbody tr").first
    assert "natlig_ugle" in first_row.inner_text()
    assert "åben markering" in first_row.inner_text()
    assert _serious_violations(page) == []

    # open the youth
    first_row.locator("a", has_text="natlig_ugle").click()
    page.wait_for_url(f"{base}/behandling/ung/{flagged.pk}/")
    assert "Der er en åben markering" in page.locator("main").inner_text()

    # read the summary
    page.locator(".care-tabs a", has_text="Forberedelse").click()
    page.wait_for_url(f"{base}/behandling/ung/{flagged.pk}/opsummering/")
    main = page.locator("main").inner_text()
    assert "Automatisk genereret" in main
    assert "kriseniveau" in main
    assert "kriseniveau" in page.locator("#care-summary-text").input_value()
    assert _serious_violations(page) == []

    # suggest a journey as homework
    page.locator(".care-tabs a", has_text="Overblik").click()
    page.wait_for_url(f"{base}/behandling/ung/{flagged.pk}/")
    page.select_option("#id_journey", index=0)
    page.fill("#id_note", "Prøv de første trin inden torsdag")
    page.click("button >> text=Foreslå som hjemmeopgave")
    page.wait_for_load_state()
    assert "Forslaget er sendt" in page.locator(".messages").inner_text()
    assert JourneySuggestion.objects.filter(youth=flagged, clinician=clinician).count() == 1
    _log_out(page)

    # the youth sees who has seen their data
    browser_log_in(page, base, "natlig_ugle", PASSWORD)
    page.goto(base + "/behandling/hvem-har-set-mine-data/")
    table = page.locator("table.care-table").inner_text()
    for what in ("Række i behandleroversigten", "Overblik", "Forberedelse til samtale"):
        assert what in table
    assert "kliniker_hval" in table
    assert _serious_violations(page) == []
    page.goto(base + "/behandling/min-behandler/")
    assert "kliniker_hval" in page.locator("main").inner_text()
    assert _serious_violations(page) == []
