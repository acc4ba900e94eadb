import pytest

from accounts.handles import canonical_handle, handle_problem


@pytest.mark.parametrize(
    "handle",
    ["stille_sol", "Ravn-2009", "blå.bølge", "MørkeSky", "gamer_1234", "Nattergal", "emilie_fan"],
)
def test_pseudonymous_handles_are_accepted(handle: str) -> None:
    assert handle_problem(handle) is None


@pytest.mark.parametrize(
    ("handle", "code"),
    [
        ("Mette Hansen", "real_name"),
        ("jonas_berg", "real_name"),
        ("annasmith", "real_name"),
        ("Peter.Nielsen", "real_name"),
        ("lille_jensen", "real_name"),
        ("+45 28 41 93 07", "phone"),
        ("ring28419307", "phone"),
        ("maja@example.com", "email"),
        ("@maja_dk", "social"),
        ("snap:majadk", "social"),
        ("www.maja.dk", "url"),
        ("https://x.y", "url"),
        ("maja.dk", "url"),
        ("ma\u200bja", "invisible"),
        ("maja\u202e", "invisible"),
        ("\uff4d\uff41\uff4a\uff41", "lookalike"),  # full-width letters
        ("m\u0430ja", "lookalike"),  # Cyrillic a
        ("ab", "length"),
        ("x" * 25, "length"),
        ("sol skin", "charset"),
        ("sol!", "charset"),
        ("12345", "charset"),
    ],
)
def test_identifying_or_deceptive_handles_are_refused_with_a_reason(handle: str, code: str) -> None:
    problem = handle_problem(handle)
    assert problem is not None
    assert problem.code == code
    assert str(problem.message)


def test_canonical_handle_folds_case_and_width() -> None:
    assert (
        canonical_handle("MAJA") == canonical_handle("maja") == canonical_handle("\uff2d\uff21JA")
    )
