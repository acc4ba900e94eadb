"""Daily check-ins, WHO-5 scoring against worked examples, due dates and the trend page."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from toolkit import selectors, services
from toolkit.models import DailyCheckIn, Who5Response, Who5Timepoint
from toolkit.who5 import Band, InvalidAnswers, who5_score, who5_timepoint_due

pytestmark = pytest.mark.django_db

JOINED = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)


def _client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- WHO-5 scoring: worked examples ------------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "raw", "percentage", "band"),
    [
        ([3, 3, 3, 3, 3], 15, 60, Band.OK),
        ([1, 1, 1, 2, 2], 7, 28, Band.VERY_LOW),  # the very-low cut-off itself
        ([2, 2, 2, 1, 1], 8, 32, Band.LOW),  # just above very low
        ([3, 3, 2, 2, 2], 12, 48, Band.LOW),  # just below 50 %
        ([3, 3, 3, 2, 2], 13, 52, Band.OK),  # 13 is not low
        ([0, 0, 0, 0, 0], 0, 0, Band.VERY_LOW),
        ([5, 5, 5, 5, 5], 25, 100, Band.OK),
    ],
)
def test_who5_score_worked_examples(answers, raw, percentage, band):
    score = who5_score(answers)
    assert (score.raw, score.percentage, score.band) == (raw, percentage, band)


@pytest.mark.parametrize("answers", [[3, 3, 3, 3], [3, 3, 3, 3, 6], [3, 3, 3, 3, -1], [1.5] * 5])
def test_who5_refuses_bad_answers(answers):
    with pytest.raises(InvalidAnswers):
        who5_score(answers)


# --- Due dates from sign-up --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("offset", "done", "expected"),
    [
        (dt.timedelta(0), set(), Who5Timepoint.BASELINE),
        (dt.timedelta(days=41), {"baseline"}, None),
        (dt.timedelta(weeks=6), {"baseline"}, Who5Timepoint.WEEK_6),
        (dt.timedelta(weeks=7), set(), Who5Timepoint.WEEK_6),  # missed baseline: ask week 6 only
        (dt.timedelta(weeks=11), {"baseline", "week_6"}, None),
        (dt.timedelta(weeks=12), {"baseline", "week_6"}, Who5Timepoint.WEEK_12),
        (dt.timedelta(weeks=30), {"baseline", "week_6", "week_12"}, None),
    ],
)
def test_who5_due_timepoints(offset, done, expected):
    assert who5_timepoint_due(joined=JOINED, done=done, now=JOINED + offset) == expected


def test_who5_due_with_a_controllable_clock(youth):
    youth.date_joined = JOINED
    youth.save()
    with time_machine.travel(JOINED + dt.timedelta(hours=1), tick=False):
        assert selectors.who5_due_for(youth=youth) == Who5Timepoint.BASELINE
        page = _client_for(youth).get(reverse("toolkit:home")).content.decode()
        assert reverse("toolkit:who5") in page  # the prompt on the toolkit page
        services.who5_submit(youth=youth, timepoint="baseline", answers=[3, 3, 3, 3, 3])
        assert selectors.who5_due_for(youth=youth) is None
    with time_machine.travel(JOINED + dt.timedelta(weeks=6, hours=1), tick=False):
        assert selectors.who5_due_for(youth=youth) == Who5Timepoint.WEEK_6
        services.who5_submit(youth=youth, timepoint="week_6", answers=[3, 3, 3, 3, 3])
    with time_machine.travel(JOINED + dt.timedelta(weeks=12, hours=1), tick=False):
        assert selectors.who5_due_for(youth=youth) == Who5Timepoint.WEEK_12
        page = _client_for(youth).get(reverse("toolkit:home")).content.decode()
        assert reverse("toolkit:who5") in page
    with time_machine.travel(JOINED + dt.timedelta(weeks=8), tick=False):
        page = _client_for(youth).get(reverse("toolkit:home")).content.decode()
        assert reverse("toolkit:who5") not in page


def _who5_post(answers):
    return {f"item_{i + 1}": str(a) for i, a in enumerate(answers)}


def test_who5_very_low_shows_gentle_prompt_and_crisis_lines(youth, settings):
    client = _client_for(youth)
    form = client.get(reverse("toolkit:who5")).content.decode()
    assert "Jeg har været glad og i godt humør" in form
    response = client.post(reverse("toolkit:who5"), _who5_post([1, 1, 1, 2, 2]), follow=True)
    page = response.content.decode()
    stored = Who5Response.objects.get(owner=youth)
    assert (stored.raw_score, stored.percentage, stored.timepoint) == (7, 28, "baseline")
    for line in settings.CRISIS_LINES:
        assert f"tel:{line['tel']}" in page.split("</details>", 1)[1]  # in the page body itself
    for word in ("depression", "deprimeret", "angst", "diagnose"):
        assert word not in page.lower()


def test_who5_low_shows_a_note_without_crisis_section(youth):
    client = _client_for(youth)
    page = client.post(reverse("toolkit:who5"), _who5_post([2, 2, 2, 2, 2]), follow=True)
    body = page.content.decode().split("</details>", 1)[1]
    assert "who5-low" in body
    assert "tel:" not in body


def test_who5_not_due_redirects(youth):
    services.who5_submit(youth=youth, timepoint="baseline", answers=[3, 3, 3, 3, 3])
    response = _client_for(youth).get(reverse("toolkit:who5"))
    assert response.status_code == 302


def test_who5_result_of_another_youth_is_404(youth, make_user):
    other = make_user("ung_anden")
    response = services.who5_submit(youth=other, timepoint="baseline", answers=[3, 3, 3, 3, 3])
    url = reverse("toolkit:who5_result", args=[response.pk])
    assert _client_for(youth).get(url).status_code == 404


# --- Daily check-in ----------------------------------------------------------------------------


def test_one_checkin_per_day_editable_the_same_day(youth):
    client = _client_for(youth)
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False):
        client.post(reverse("toolkit:checkin"), {"mood": 4, "word": "træt"})
        client.post(reverse("toolkit:checkin"), {"mood": 6, "word": "bedre", "note": "gik en tur"})
        assert DailyCheckIn.objects.filter(owner=youth).count() == 1
        checkin = DailyCheckIn.objects.get(owner=youth)
        assert (checkin.mood, checkin.word, checkin.note) == (6, "bedre", "gik en tur")
    with time_machine.travel(dt.datetime(2026, 3, 3, 9, 0, tzinfo=dt.UTC), tick=False):
        client.post(reverse("toolkit:checkin"), {"mood": 7})
    assert DailyCheckIn.objects.filter(owner=youth).count() == 2


@pytest.mark.parametrize("mood", [-1, 11, ""])
def test_checkin_refuses_moods_outside_0_to_10(youth, mood):
    response = _client_for(youth).post(reverse("toolkit:checkin"), {"mood": mood})
    assert response.status_code == 200
    assert not DailyCheckIn.objects.exists()


def test_trend_page_has_svg_chart_and_table(youth):
    for days_ago, mood in ((2, 3), (1, 5), (0, 8)):
        services.checkin_save(
            youth=youth, mood=mood, day=timezone.localdate() - dt.timedelta(days=days_ago)
        )
    services.who5_submit(youth=youth, timepoint="baseline", answers=[3, 3, 3, 3, 3])
    page = _client_for(youth).get(reverse("toolkit:trend")).content.decode()
    assert page.count("<svg") == 2
    assert 'role="img"' in page and "<title" in page
    assert "<table" in page and "<td>8</td>" in page and "<td>60</td>" in page


def test_mood_field_works_without_js_and_is_marked_for_the_slider(youth):
    page = _client_for(youth).get(reverse("toolkit:checkin")).content.decode()
    assert 'type="number"' in page and 'min="0"' in page and 'max="10"' in page
    assert "data-mood-slider" in page and "<output" in page


def test_who5_prompt_include_works_on_any_page_through_the_context_processor(youth, rf):
    from django.template import Context, RequestContext, Template

    from toolkit.context_processors import crisis_extra_links

    request = rf.get("/")
    request.user = youth
    template = Template(
        '{% include "toolkit/includes/who5_prompt.html" with who5_due=TOOLKIT_WHO5_DUE %}'
    )
    context = crisis_extra_links(request)
    assert reverse("toolkit:who5") in template.render(RequestContext(request, context))
    services.who5_submit(youth=youth, timepoint="baseline", answers=[3, 3, 3, 3, 3])
    assert reverse("toolkit:who5") not in template.render(Context(crisis_extra_links(request)))


def test_svg_coordinates_use_dots_not_the_danish_decimal_comma(youth):
    services.checkin_save(youth=youth, mood=3, day=timezone.localdate() - dt.timedelta(days=1))
    services.checkin_save(youth=youth, mood=7)
    page = _client_for(youth).get(reverse("toolkit:trend")).content.decode()
    svg = page.split("<svg", 1)[1].split("</svg>", 1)[0]
    circles = [part.split("/>", 1)[0] for part in svg.split("<circle")[1:]]
    assert len(circles) == 2
    assert all("," not in circle for circle in circles), circles
    assert 'cx="12.0"' in circles[0]
