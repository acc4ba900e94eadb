"""Enrolment rules: age bands, referral codes, consent records, and no half-made accounts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.utils import timezone

from accounts.documents import document
from accounts.enrolment import (
    EnrolmentError,
    OutsideAgeRange,
    SignupRequest,
    age_in_years,
    youth_enrol,
)
from accounts.models import (
    Acknowledgement,
    ClinicMembership,
    CustodyConsent,
    ReferralCode,
    Role,
    User,
)

pytestmark = pytest.mark.django_db
MakeRequest = Callable[..., SignupRequest]


def _no_account_made() -> None:
    assert not User.objects.filter(role=Role.YOUTH).exists()
    assert not Acknowledgement.objects.exists()
    assert not CustodyConsent.objects.exists()


@pytest.mark.parametrize(
    ("birth", "today", "expected"),
    [
        ((2010, 5), dt.date(2026, 6, 1), 16),
        ((2010, 6), dt.date(2026, 6, 30), 15),  # birthday month not counted until it has passed
        ((2010, 7), dt.date(2026, 6, 1), 15),
        ((2001, 12), dt.date(2026, 12, 31), 24),
    ],
)
def test_age_counts_only_completed_birthday_months(
    birth: tuple[int, int], today: dt.date, expected: int
) -> None:
    assert age_in_years(birth_year=birth[0], birth_month=birth[1], today=today) == expected


def test_youth_of_17_signs_up_alone_with_consent_and_duty_to_notify_recorded(
    signup_request: MakeRequest,
) -> None:
    user = youth_enrol(signup_request(17))
    assert user.role == Role.YOUTH
    docs = dict(user.acknowledgements.values_list("document", "version"))
    assert docs == {
        "terms": document("terms").version,
        "privacy": document("privacy").version,
        "self_consent": document("self_consent").version,
        "duty_to_notify": document("duty_to_notify").version,
    }
    assert not CustodyConsent.objects.filter(youth=user).exists()


def test_adult_youth_is_not_asked_about_duty_to_notify(signup_request: MakeRequest) -> None:
    user = youth_enrol(signup_request(20, acknowledges_duty_to_notify=False))
    assert not user.acknowledgements.filter(document="duty_to_notify").exists()


def test_minor_without_duty_to_notify_acknowledgement_is_refused(
    signup_request: MakeRequest,
) -> None:
    with pytest.raises(EnrolmentError) as exc:
        youth_enrol(signup_request(16, acknowledges_duty_to_notify=False))
    assert exc.value.code == "duty_to_notify_missing"
    _no_account_made()


def test_missing_self_consent_is_refused(signup_request: MakeRequest) -> None:
    with pytest.raises(EnrolmentError) as exc:
        youth_enrol(signup_request(19, self_consent=False))
    assert exc.value.code == "consent_missing"
    _no_account_made()


def test_missing_terms_is_refused(signup_request: MakeRequest) -> None:
    with pytest.raises(EnrolmentError) as exc:
        youth_enrol(signup_request(19, accepts_terms=False))
    assert exc.value.code == "terms_missing"


@pytest.mark.parametrize(("age", "code"), [(11, "too_young"), (26, "too_old"), (40, "too_old")])
def test_outside_12_to_25_is_refused_kindly(
    signup_request: MakeRequest, age: int, code: str
) -> None:
    with pytest.raises(OutsideAgeRange) as exc:
        youth_enrol(signup_request(age))
    assert exc.value.code == code
    _no_account_made()


@pytest.mark.parametrize(
    ("year", "month", "code"),
    [
        (2099, 1, "birth_future"),
        (1800, 1, "birth_invalid"),
        (2010, 13, "birth_invalid"),
        (None, 5, "birth_missing"),
    ],
)
def test_out_of_range_birth_dates_get_specific_messages(
    signup_request: MakeRequest, year: int | None, month: int, code: str
) -> None:
    with pytest.raises(EnrolmentError) as exc:
        youth_enrol(signup_request(17, birth_year=year, birth_month=month))
    assert exc.value.code == code
    _no_account_made()


def test_13_year_old_needs_a_referral_code(signup_request: MakeRequest) -> None:
    with pytest.raises(EnrolmentError) as exc:
        youth_enrol(
            signup_request(
                13,
                custody_holder_name="Lone",
                custody_holder_relation="mor",
                custody_consent_confirmed=True,
            )
        )
    assert exc.value.code == "referral_required"
    _no_account_made()


def test_13_year_old_with_referral_and_custody_consent_joins_the_clinic(
    signup_request: MakeRequest, referral: ReferralCode
) -> None:
    user = youth_enrol(
        signup_request(
            13,
            referral_code=referral.code.lower(),
            custody_holder_name="Lone Berg",
            custody_holder_relation="mor",
            custody_consent_confirmed=True,
        )
    )
    referral.refresh_from_db()
    assert referral.used_by == user and referral.used_at is not None
    assert ClinicMembership.objects.filter(user=user, clinic=referral.clinic).exists()
    consent = CustodyConsent.objects.get(youth=user)
    assert (consent.holder_name, consent.relation) == ("Lone Berg", "mor")
    assert "Lone" not in user.username
    docs = set(user.acknowledgements.values_list("document", flat=True))
    assert docs == {"terms", "privacy", "duty_to_notify"}  # no self-consent under 15


def test_under_15_without_custody_holder_is_refused_and_the_code_stays_unused(
    signup_request: MakeRequest, referral: ReferralCode
) -> None:
    with pytest.raises(EnrolmentError) as exc:
        youth_enrol(signup_request(14, referral_code=referral.code))
    assert exc.value.code == "custody_missing"
    referral.refresh_from_db()
    assert referral.used_at is None
    _no_account_made()


def test_under_15_without_confirmed_custody_consent_is_refused(
    signup_request: MakeRequest, referral: ReferralCode
) -> None:
    with pytest.raises(EnrolmentError) as exc:
        youth_enrol(
            signup_request(
                14,
                referral_code=referral.code,
                custody_holder_name="Ole",
                custody_holder_relation="far",
            )
        )
    assert exc.value.code == "custody_consent_missing"


def _minor_with_code(
    signup_request: MakeRequest, code: str, handle: str = "lille_ugle"
) -> SignupRequest:
    return signup_request(
        13,
        handle=handle,
        referral_code=code,
        custody_holder_name="Ole",
        custody_holder_relation="far",
        custody_consent_confirmed=True,
    )


def test_unknown_referral_code_is_refused(signup_request: MakeRequest) -> None:
    with pytest.raises(EnrolmentError) as exc:
        youth_enrol(_minor_with_code(signup_request, "NOPE123456"))
    assert exc.value.code == "referral_unknown"
    _no_account_made()


def test_expired_referral_code_is_refused(
    signup_request: MakeRequest, referral: ReferralCode
) -> None:
    referral.expires_at = timezone.now() - dt.timedelta(minutes=1)
    referral.save()
    with pytest.raises(EnrolmentError) as exc:
        youth_enrol(_minor_with_code(signup_request, referral.code))
    assert exc.value.code == "referral_expired"
    _no_account_made()


def test_referral_code_is_single_use(signup_request: MakeRequest, referral: ReferralCode) -> None:
    youth_enrol(_minor_with_code(signup_request, referral.code, handle="første_ugle"))
    with pytest.raises(EnrolmentError) as exc:
        youth_enrol(_minor_with_code(signup_request, referral.code, handle="anden_ugle"))
    assert exc.value.code == "referral_used"
    assert not User.objects.filter(username="anden_ugle").exists()


def test_duplicate_handles_are_refused_case_insensitively(signup_request: MakeRequest) -> None:
    youth_enrol(signup_request(17, handle="Stille_Sol"))
    for variant in ("stille_sol", "STILLE_SOL", "\uff53tille_sol"):
        with pytest.raises(EnrolmentError) as exc:
            youth_enrol(signup_request(17, handle=variant))
        assert exc.value.code in {"handle_taken", "handle_lookalike"}
    assert User.objects.filter(role=Role.YOUTH).count() == 1


def test_handle_with_zero_width_character_is_refused(signup_request: MakeRequest) -> None:
    with pytest.raises(EnrolmentError) as exc:
        youth_enrol(signup_request(17, handle="stille\u200d_sol"))
    assert exc.value.code == "handle_invisible"
    _no_account_made()


def test_real_name_handle_is_refused_with_the_reason(signup_request: MakeRequest) -> None:
    with pytest.raises(EnrolmentError) as exc:
        youth_enrol(signup_request(17, handle="Sofie Jensen"))
    assert exc.value.code == "handle_real_name"
    assert "navn" in str(exc.value.message)


def test_weak_password_is_refused(signup_request: MakeRequest) -> None:
    with pytest.raises(EnrolmentError) as exc:
        youth_enrol(signup_request(17, password="12345678"))
    assert exc.value.code == "password_weak"
    _no_account_made()
