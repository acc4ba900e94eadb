"""Strategies: the feed from journey try-it steps, own strategies, brug nu and what helped."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from accounts.models import User
from toolkit import selectors, services
from toolkit.models import STRATEGY_TITLE_MAX, Strategy, StrategyUse

pytestmark = pytest.mark.django_db


def _client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_save_from_journey_stores_both_languages_and_version(youth, fake_journey_strategy):
    # when
    strategy, created = services.strategy_save_from_journey(
        youth=youth, journey_slug="her-og-nu", step_key="hverdags-mindfulness"
    )
    # then
    assert created
    assert strategy.source == Strategy.Source.JOURNEY
    assert strategy.journey_version == 3
    assert strategy.title_in("en") == "5-4-3-2-1 grounding"
    assert strategy.steps_in("da") == ["Sæt fødderne i gulvet.", "5 ting, du kan se."]
    assert strategy.steps_in("en")[1] == "5 things you can see."


def test_save_from_journey_twice_keeps_one(youth, fake_journey_strategy):
    services.strategy_save_from_journey(
        youth=youth, journey_slug="her-og-nu", step_key="hverdags-mindfulness"
    )
    again, created = services.strategy_save_from_journey(
        youth=youth, journey_slug="her-og-nu", step_key="hverdags-mindfulness"
    )
    assert not created
    assert Strategy.objects.filter(owner=youth).count() == 1
    assert again.owner == youth


def test_save_from_journey_view_is_idempotent_and_feeds_the_toolkit(youth, fake_journey_strategy):
    client = _client_for(youth)
    url = reverse("toolkit:strategy_save_from_journey")
    data = {"journey_slug": "her-og-nu", "step_key": "hverdags-mindfulness"}
    first = client.post(url, data)
    second = client.post(url, data)
    assert first.status_code == second.status_code == 302
    assert Strategy.objects.filter(owner=youth).count() == 1
    page = client.get(reverse("toolkit:home"))
    assert "5-4-3-2-1 jordforbindelse" in page.content.decode()


def test_save_from_journey_unknown_step_is_404(youth, fake_journey_strategy):
    response = _client_for(youth).post(
        reverse("toolkit:strategy_save_from_journey"),
        {"journey_slug": "her-og-nu", "step_key": "findes-ikke"},
    )
    assert response.status_code == 404
    assert not Strategy.objects.exists()


def test_save_from_journey_ignores_an_offsite_next(youth, fake_journey_strategy):
    response = _client_for(youth).post(
        reverse("toolkit:strategy_save_from_journey"),
        {
            "journey_slug": "her-og-nu",
            "step_key": "hverdags-mindfulness",
            "next": "https://evil.example/",
        },
    )
    assert response["Location"] == reverse("toolkit:home")


def test_each_youth_gets_their_own_copy(youth, make_user, fake_journey_strategy):
    other = make_user("ung_anden")
    for owner in (youth, other):
        services.strategy_save_from_journey(
            youth=owner, journey_slug="her-og-nu", step_key="hverdags-mindfulness"
        )
    assert Strategy.objects.count() == 2


def test_own_strategy_title_max_length(youth):
    with pytest.raises(ValidationError):
        services.strategy_create_own(
            youth=youth, title="x" * (STRATEGY_TITLE_MAX + 1), steps=["a"], language="da"
        )
    response = _client_for(youth).post(
        reverse("toolkit:strategy_create"),
        {"title": "x" * (STRATEGY_TITLE_MAX + 1), "steps": "Trin et"},
    )
    assert response.status_code == 200
    assert not Strategy.objects.exists()


def test_own_strategy_too_many_steps_refused(youth):
    response = _client_for(youth).post(
        reverse("toolkit:strategy_create"),
        {"title": "Mange trin", "steps": "\n".join(f"trin {n}" for n in range(11))},
    )
    assert response.status_code == 200
    assert not Strategy.objects.exists()


def test_own_strategy_markup_is_escaped(youth):
    client = _client_for(youth)
    client.post(
        reverse("toolkit:strategy_create"),
        {"title": "<script>alert(1)</script>", "steps": "<b>fed</b>\n<img src=x onerror=y>"},
    )
    strategy = Strategy.objects.get(owner=youth)
    assert strategy.title_in("da") == "<script>alert(1)</script>"  # stored as written
    home = client.get(reverse("toolkit:home")).content.decode()
    assert "<script>alert(1)</script>" not in home
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in home
    use = services.strategy_use_start(strategy=strategy, mood_before=4)
    step = client.get(reverse("toolkit:strategy_use_step", args=[use.pk]) + "?trin=1")
    assert "<b>fed</b>" not in step.content.decode()
    assert "&lt;b&gt;fed&lt;/b&gt;" in step.content.decode()


def test_own_strategy_edit_and_delete(youth):
    client = _client_for(youth)
    strategy = services.strategy_create_own(
        youth=youth, title="Gammel", steps=["et"], language="da"
    )
    client.post(
        reverse("toolkit:strategy_edit", args=[strategy.pk]), {"title": "Ny", "steps": "to"}
    )
    strategy.refresh_from_db()
    assert strategy.title_in("da") == "Ny"
    client.post(reverse("toolkit:strategy_delete", args=[strategy.pk]))
    assert not Strategy.objects.exists()


def test_another_youths_strategy_is_404(youth, make_user):
    other = make_user("ung_anden")
    strategy = services.strategy_create_own(youth=other, title="Min", steps=["et"], language="da")
    client = _client_for(youth)
    for name in ("strategy_edit", "strategy_delete", "strategy_use_start"):
        assert client.get(reverse(f"toolkit:{name}", args=[strategy.pk])).status_code == 404
    assert client.post(reverse("toolkit:strategy_delete", args=[strategy.pk])).status_code == 404
    assert Strategy.objects.filter(pk=strategy.pk).exists()


def test_favourites_come_first(youth):
    first = services.strategy_create_own(youth=youth, title="A", steps=["a"], language="da")
    services.strategy_create_own(youth=youth, title="B", steps=["b"], language="da")
    _client_for(youth).post(
        reverse("toolkit:strategy_favourite", args=[first.pk]), {"favourite": "1"}
    )
    ordered = list(selectors.strategy_list_for_youth(youth=youth))
    assert ordered[0] == first
    assert ordered[0].is_favourite


def test_brug_nu_walks_step_by_step_without_js_and_logs_moods(youth, fake_journey_strategy):
    strategy, _ = services.strategy_save_from_journey(
        youth=youth, journey_slug="her-og-nu", step_key="hverdags-mindfulness"
    )
    client = _client_for(youth)
    start = client.get(reverse("toolkit:strategy_use_start", args=[strategy.pk]))
    assert 'name="mood_before"' in start.content.decode()
    response = client.post(
        reverse("toolkit:strategy_use_start", args=[strategy.pk]), {"mood_before": 3}
    )
    use = StrategyUse.objects.get()
    assert response["Location"].endswith("?trin=1")
    step_url = reverse("toolkit:strategy_use_step", args=[use.pk])
    step1 = client.get(step_url + "?trin=1").content.decode()
    assert "Sæt fødderne i gulvet." in step1 and "?trin=2" in step1
    step2 = client.get(step_url + "?trin=2").content.decode()
    assert "5 ting, du kan se." in step2
    done = client.get(step_url + "?trin=3").content.decode()
    assert 'name="mood_after"' in done
    client.post(step_url, {"mood_after": 7})
    use.refresh_from_db()
    assert (use.mood_before, use.mood_after) == (3, 7)
    assert use.finished_at is not None


@pytest.mark.parametrize("value", [-1, 11, "x"])
def test_brug_nu_refuses_moods_outside_0_to_10(youth, value):
    strategy = services.strategy_create_own(youth=youth, title="A", steps=["a"], language="da")
    response = _client_for(youth).post(
        reverse("toolkit:strategy_use_start", args=[strategy.pk]), {"mood_before": value}
    )
    assert response.status_code == 200
    assert not StrategyUse.objects.exists()


def test_what_helped_averages_mood_change_per_strategy(youth):
    walk = services.strategy_create_own(youth=youth, title="Gåtur", steps=["gå"], language="da")
    write = services.strategy_create_own(youth=youth, title="Skriv", steps=["skriv"], language="da")
    for before, after in ((2, 6), (4, 6)):  # +4, +2 -> +3.0
        use = services.strategy_use_start(strategy=walk, mood_before=before)
        services.strategy_use_finish(use=use, mood_after=after)
    use = services.strategy_use_start(strategy=write, mood_before=5)
    services.strategy_use_finish(use=use, mood_after=4)  # -1
    services.strategy_use_start(strategy=write, mood_before=1)  # unfinished: not counted

    rows = selectors.what_helped(youth=youth)

    assert [(r.strategy, r.uses, r.average_change) for r in rows] == [
        (walk, 2, 3.0),
        (write, 1, -1.0),
    ]
    page = _client_for(youth).get(reverse("toolkit:home")).content.decode()
    assert "+3,0" in page and "-1,0" in page  # Danish decimal comma


def test_toolkit_pages_are_for_youths_only(clinician, client):
    assert client.get(reverse("toolkit:home")).status_code == 302  # anonymous: to log-in
    client.force_login(clinician)
    assert client.get(reverse("toolkit:home")).status_code == 404


def test_another_youths_use_is_404_and_unchanged(youth, make_user):
    other = make_user("ung_anden")
    strategy = services.strategy_create_own(youth=other, title="Min", steps=["et"], language="da")
    use = services.strategy_use_start(strategy=strategy, mood_before=2)
    client = _client_for(youth)
    url = reverse("toolkit:strategy_use_step", args=[use.pk])
    assert client.get(url + "?trin=1").status_code == 404
    assert client.post(url, {"mood_after": 9}).status_code == 404
    use.refresh_from_db()
    assert use.mood_after is None
    fav = client.post(reverse("toolkit:strategy_favourite", args=[strategy.pk]), {"favourite": "1"})
    assert fav.status_code == 404
