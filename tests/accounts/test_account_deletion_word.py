"""Account deletion asks for the confirmation word of the youth's own language, and says which."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Role, User
from tests.accounts.conftest import STRONG_PASSWORD

pytestmark = pytest.mark.django_db


def _youth(language: str) -> User:
    return User.objects.create_user(
        username="stille_sol",
        password=STRONG_PASSWORD,
        role=Role.YOUTH,
        birth_year=2008,
        birth_month=1,
        preferred_language=language,
    )


@pytest.mark.parametrize(
    ("language", "word", "other_word"), [("da", "SLET", "DELETE"), ("en", "DELETE", "SLET")]
)
def test_deletion_takes_the_word_of_the_active_language(
    client: Client, language: str, word: str, other_word: str
) -> None:
    youth = _youth(language)
    client.force_login(youth)
    page = client.get(reverse("care:my_data")).content.decode()
    assert word in page
    refused = client.post(
        reverse("care:account_delete"), {"password": STRONG_PASSWORD, "confirm": other_word}
    )
    assert refused.status_code == 400
    refused_page = refused.content.decode()
    error_start = refused_page.index('class="field-errors"', refused_page.index('name="confirm"'))
    assert word in refused_page[error_start : error_start + 300]  # the error names the word
    youth.refresh_from_db()
    assert youth.is_active
    accepted = client.post(
        reverse("care:account_delete"),
        {"password": STRONG_PASSWORD, "confirm": f"  {word.lower()} "},
    )
    assert accepted.status_code == 200
    youth.refresh_from_db()
    assert not youth.is_active and youth.username.startswith("slettet-")


def test_the_word_is_in_the_fields_help_text(client: Client) -> None:
    client.force_login(_youth("en"))
    page = client.get(reverse("care:my_data")).content.decode()
    help_start = page.index('id="id_confirm_help"')
    assert "DELETE" in page[help_start : help_start + 200]
    assert 'aria-describedby="id_confirm_help"' in page
