"""The web shell: sign-up form, log-in lockout, password reset, language, crisis lines."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import Role, User
from tests.accounts.conftest import STRONG_PASSWORD, birth_for_age

pytestmark = pytest.mark.django_db


def _signup_form(age: int = 17, **overrides: Any) -> dict[str, Any]:
    year, month = birth_for_age(age)
    data: dict[str, Any] = {
        "handle": "stille_sol",
        "password": STRONG_PASSWORD,
        "birth_year": year,
        "birth_month": month,
        "avatar": "owl",
        "language": "da",
        "accepts_terms": "on",
        "self_consent": "on",
        "acknowledges_duty_to_notify": "on",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.mark.parametrize(
    "url_name",
    ["home", "help", "terms", "privacy", "duty_to_notify", "accounts:signup", "accounts:login"],
)
def test_every_public_page_has_the_crisis_button_and_lines(client: Client, url_name: str) -> None:
    response = client.get(reverse(url_name))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Brug for hjælp nu?" in body
    for number in ("70 201 201", "116 111", "112"):
        assert number in body


def test_signup_creates_the_youth_and_logs_them_in(client: Client) -> None:
    response = client.post(reverse("accounts:signup"), _signup_form())
    assert response.status_code == 302
    user = User.objects.get(username="stille_sol")
    assert user.role == Role.YOUTH and user.avatar == "owl"
    assert client.get(reverse("accounts:profile")).status_code == 200


def test_signup_error_keeps_the_form_and_says_why(client: Client) -> None:
    response = client.post(reverse("accounts:signup"), _signup_form(handle="maja@example.com"))
    assert response.status_code == 400
    body = response.content.decode()
    assert "e-mailadresse" in body
    assert 'value="maja@example.com"' in body  # nothing typed is lost
    assert not User.objects.exists()


def test_too_young_gets_a_kind_page_with_the_crisis_lines(client: Client) -> None:
    response = client.post(reverse("accounts:signup"), _signup_form(age=10))
    body = response.content.decode()
    assert "Børnetelefonen" in body and "116 111" in body
    assert "fra 12 år" in body
    assert not User.objects.exists()


def test_signup_without_csrf_token_is_rejected() -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("accounts:signup"), _signup_form())
    assert response.status_code == 403
    assert not User.objects.exists()


def test_html_in_the_handle_is_refused_and_escaped(client: Client) -> None:
    response = client.post(reverse("accounts:signup"), _signup_form(handle="<script>x</script>"))
    body = response.content.decode()
    assert "<script>x</script>" not in body
    assert "&lt;script&gt;" in body
    assert not User.objects.exists()


def _make_user(**extra: Any) -> User:
    return User.objects.create_user(username="stille_sol", password=STRONG_PASSWORD, **extra)


def test_login_locks_out_after_repeated_failures(client: Client, settings: Any) -> None:
    _make_user()
    url = reverse("accounts:login")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(url, {"username": "stille_sol", "password": "wrong-password"})
    response = client.post(url, {"username": "stille_sol", "password": STRONG_PASSWORD})
    assert response.status_code == 429
    assert "spærret" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_and_logout(client: Client) -> None:
    _make_user()
    response = client.post(
        reverse("accounts:login"), {"username": "stille_sol", "password": STRONG_PASSWORD}
    )
    assert response.status_code == 302
    assert "_auth_user_id" in client.session
    client.post(reverse("accounts:logout"))
    assert "_auth_user_id" not in client.session


def test_profile_requires_login(client: Client) -> None:
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_expired_session_is_sent_to_login(client: Client) -> None:
    user = _make_user()
    client.force_login(user)
    assert client.get(reverse("accounts:profile")).status_code == 200
    session = client.session
    session.set_expiry(-1)  # expired in the past
    session.save()
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_password_reset_mails_only_users_with_an_email(client: Client) -> None:
    _make_user(email="sol@example.org")
    User.objects.create_user(username="uden_mail", password=STRONG_PASSWORD)
    client.post(reverse("accounts:password_reset"), {"email": "sol@example.org"})
    client.post(reverse("accounts:password_reset"), {"email": "nobody@example.org"})
    assert len(mail.outbox) == 1
    assert "/konto/adgangskode/ny/" in mail.outbox[0].body


def test_language_switch_saves_the_choice_and_translates_the_shell(client: Client) -> None:
    user = _make_user()
    client.force_login(user)
    client.post(reverse("accounts:language"), {"language": "en", "next": "/"})
    user.refresh_from_db()
    assert user.preferred_language == "en"
    body = client.get(reverse("home")).content.decode()
    assert '<html lang="en">' in body
    assert "Need help now?" in body


def test_language_switch_refuses_foreign_redirects(client: Client) -> None:
    response = client.post(
        reverse("accounts:language"), {"language": "en", "next": "https://evil.example"}
    )
    assert response["Location"] == "/"


@pytest.mark.parametrize(
    ("language", "phrase"), [("da", "Hvad vi gemmer"), ("en", "What we store")]
)
def test_privacy_page_in_both_languages(client: Client, language: str, phrase: str) -> None:
    client.cookies["django_language"] = language
    assert phrase in client.get(reverse("privacy")).content.decode()


def test_only_clinical_staff_make_referral_codes(client: Client, clinician: User) -> None:
    youth = _make_user()
    client.force_login(youth)
    assert client.get(reverse("accounts:referral_codes")).status_code == 403
    client.force_login(clinician)
    clinic_id = clinician.clinic_memberships.get().clinic_id
    response = client.post(
        reverse("accounts:referral_codes"), {"clinic": clinic_id, "valid_days": 7}
    )
    assert response.status_code == 302
    assert clinician.referral_codes_made.count() == 1


def test_clinician_cannot_make_codes_for_another_clinic(client: Client, clinician: User) -> None:
    from accounts.models import Clinic

    other = Clinic.objects.create(name="Anden klinik", slug="anden")
    client.force_login(clinician)
    response = client.post(
        reverse("accounts:referral_codes"), {"clinic": other.id, "valid_days": 7}
    )
    assert response.status_code == 200  # the form refuses the choice
    assert clinician.referral_codes_made.count() == 0
