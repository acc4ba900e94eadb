"""Live care messages in Chromium: the clinician's message and the youth's read receipt arrive
without a reload; a youth's message reaches the clinician's open page only once screening
publishes it; without JavaScript the form still posts and the page shows the message."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import CareLink, Clinic, ClinicMembership, Role, User
from care import services
from care.models import CareMessage, MessageStatus

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.redis]

PASSWORD = "a-long-browser-password-42"


def _pair() -> tuple[User, User, CareLink]:
    clinic = Clinic.objects.create(name="Klinik Nord", slug="klinik-nord")
    clinician = User.objects.create_user(
        username="kliniker_hval", password=PASSWORD, role=Role.CLINICIAN
    )
    youth = User.objects.create_user(
        username="rolig_ravn",
        password=PASSWORD,
        birth_year=timezone.localdate().year - 18,
        birth_month=1,
    )
    for user in (clinician, youth):
        ClinicMembership.objects.create(clinic=clinic, user=user)
    invitation = services.invitation_create(clinician=clinician, youth=youth)
    link = services.invitation_accept(invitation=invitation, youth=youth, scopes=[])
    return youth, clinician, link


def _publish(message_id: int) -> None:
    from django.db import connection

    try:
        message = CareMessage.objects.get(pk=message_id)
        services.message_status_set(message=message, status=MessageStatus.PUBLISHED)
    finally:
        connection.close()


def test_messages_and_receipts_arrive_live(
    redis_channel_layers: Any, daphne_live_server: Any, browser: Any, browser_log_in: Any
) -> None:
    youth, clinician, link = _pair()
    base = daphne_live_server.url
    pages = {}
    for user in (youth, clinician):
        context = browser.new_context(viewport={"width": 390, "height": 844}, locale="da-DK")
        page = context.new_page()
        page.set_default_timeout(15_000)
        browser_log_in(page, base, user.username, PASSWORD)
        pages[user.role] = page
    youth_page, clinician_page = pages[Role.YOUTH], pages[Role.CLINICIAN]
    youth_page.goto(f"{base}/behandling/min-behandler/{link.pk}/beskeder/")
    clinician_page.goto(f"{base}/behandling/ung/{youth.pk}/beskeder/")
    for page in (youth_page, clinician_page):
        page.wait_for_selector(".care-thread[data-care-live]", state="attached")

    # the clinician writes; the youth's open page shows it, and the clinician sees it read
    clinician_page.fill("#id_body", "Hvordan gik ugen?")
    clinician_page.click("button >> text=Send")
    youth_page.wait_for_selector(".care-message >> text=Hvordan gik ugen?")
    clinician_page.wait_for_selector(".care-message.mine .care-receipt >> text=/Læst/")
    assert clinician_page.locator("#id_body").input_value() == ""
    assert CareMessage.objects.get().read_at is not None

    # the youth writes: their page shows it waiting; the clinician's page shows nothing yet
    youth_page.fill("#id_body", "Det gik okay")
    youth_page.click("button >> text=Send")
    youth_page.wait_for_selector(".care-message.mine >> text=Det gik okay")
    assert "tjekket" in youth_page.locator(".care-message.mine").last.inner_text()
    message = CareMessage.objects.get(sender=youth)
    clinician_page.wait_for_timeout(700)
    assert "Det gik okay" not in clinician_page.locator(".care-thread").inner_text()
    # moderation releases it, from a thread of its own (Playwright's loop holds this one)
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(_publish, message.pk).result()
    clinician_page.wait_for_selector(".care-message >> text=Det gik okay")
    youth_page.wait_for_selector(".care-message.mine .care-receipt >> text=/Læst/")


def test_without_javascript_the_form_still_posts(
    redis_channel_layers: Any, daphne_live_server: Any, browser: Any, browser_log_in: Any
) -> None:
    youth, clinician, _link = _pair()
    base = daphne_live_server.url
    context = browser.new_context(java_script_enabled=False, locale="da-DK")
    page = context.new_page()
    page.set_default_timeout(15_000)
    browser_log_in(page, base, clinician.username, PASSWORD)
    page.goto(f"{base}/behandling/ung/{youth.pk}/beskeder/")
    page.fill("#id_body", "Ses på torsdag")
    page.click("button >> text=Send")
    page.wait_for_url(f"{base}/behandling/ung/{youth.pk}/beskeder/")
    assert "Ses på torsdag" in page.locator(".care-thread").inner_text()
    assert page.locator(".care-thread[data-care-live]").count() == 0
