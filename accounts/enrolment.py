"""Enrolment rules: who may join Sammen, and what must be recorded when they do.

Policy (DESIGN.md section 2, DOMAIN.md table D):
- 15-25 sign up themselves and consent for themselves.
- 12-14 only with a clinic's referral code, and a custody holder's consent is recorded.
- Under 18: the staff's duty to notify social services (barnets lov § 133) is explained and the
  acknowledgement stored with the text's version.
- Under 12 or over 25: refused kindly, with the crisis lines.
Everything is written in one transaction: a refused sign-up leaves no half-made account and does
not use up a referral code.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.documents import document
from accounts.handles import canonical_handle, handle_problem
from accounts.models import (
    Acknowledgement,
    Avatar,
    ClinicMembership,
    CustodyConsent,
    Language,
    ReferralCode,
    Role,
    User,
)

MIN_AGE = 12
SELF_SIGNUP_AGE = 15  # sundhedsloven: consent to treatment is the young person's own from 15
ADULT_AGE = 18  # barnets lov § 133 applies below this age
MAX_AGE = 25


class EnrolmentError(Exception):
    """A sign-up that cannot go ahead. `field` names the form field the message belongs to."""

    def __init__(self, code: str, message: str | Promise, field: str | None = None) -> None:
        super().__init__(str(message))
        self.code = code
        self.message = message
        self.field = field


class OutsideAgeRange(EnrolmentError):
    """Too young or too old for Sammen: the view shows a kind page with other help."""


def age_in_years(*, birth_year: int, birth_month: int, today: dt.date) -> int:
    """Age from year and month only.

    Without a day, a birthday in the current month is not yet counted: the conservative choice,
    which can only make a youth younger (a referral code rather than self sign-up).
    """
    age = today.year - birth_year
    if today.month <= birth_month:
        age -= 1
    return age


def check_birth(*, birth_year: int | None, birth_month: int | None, today: dt.date) -> int:
    if birth_year is None or birth_month is None:
        raise EnrolmentError(
            "birth_missing", _("Skriv dit fødselsår og din fødselsmåned."), "birth_year"
        )
    if not 1 <= birth_month <= 12:
        raise EnrolmentError(
            "birth_invalid", _("Fødselsmåneden skal være mellem 1 og 12."), "birth_month"
        )
    if birth_year > today.year or (birth_year == today.year and birth_month > today.month):
        raise EnrolmentError("birth_future", _("Fødselsdatoen ligger i fremtiden."), "birth_year")
    if birth_year < today.year - 120:
        raise EnrolmentError("birth_invalid", _("Tjek dit fødselsår."), "birth_year")
    age = age_in_years(birth_year=birth_year, birth_month=birth_month, today=today)
    if age < MIN_AGE:
        raise OutsideAgeRange("too_young", _("Sammen er for unge mellem 12 og 25 år."))
    if age > MAX_AGE:
        raise OutsideAgeRange("too_old", _("Sammen er for unge mellem 12 og 25 år."))
    return age


@dataclass(frozen=True, slots=True)
class SignupRequest:
    handle: str
    password: str
    birth_year: int | None
    birth_month: int | None
    avatar: str = Avatar.FOX
    language: str = Language.DA
    email: str = ""
    referral_code: str = ""
    accepts_terms: bool = False
    self_consent: bool = False
    custody_holder_name: str = ""
    custody_holder_relation: str = ""
    custody_consent_confirmed: bool = False
    acknowledges_duty_to_notify: bool = False


def _check_handle(handle: str) -> str:
    problem = handle_problem(handle)
    if problem is not None:
        raise EnrolmentError(f"handle_{problem.code}", problem.message, "handle")
    clean = handle.strip()
    if User.objects.filter(username_canonical=canonical_handle(clean)).exists():
        raise EnrolmentError("handle_taken", _("Det brugernavn er taget. Prøv et andet."), "handle")
    return clean


def _claim_referral(code: str, *, now: dt.datetime) -> ReferralCode:
    """Lock and return a usable referral code, or explain exactly why it cannot be used."""
    normalised = code.strip().upper().replace(" ", "").replace("-", "")
    referral = ReferralCode.objects.select_for_update().filter(code=normalised).first()
    if referral is None:
        raise EnrolmentError(
            "referral_unknown",
            _("Vi kender ikke den henvisningskode. Tjek den igen."),
            "referral_code",
        )
    if referral.used_at is not None:
        raise EnrolmentError(
            "referral_used",
            _("Den henvisningskode er allerede brugt. Bed din behandler om en ny."),
            "referral_code",
        )
    if referral.expires_at <= now:
        raise EnrolmentError(
            "referral_expired",
            _("Den henvisningskode er udløbet. Bed din behandler om en ny."),
            "referral_code",
        )
    return referral


def youth_enrol(request: SignupRequest, *, now: dt.datetime | None = None) -> User:
    """Create a youth account with every record its age requires, or raise EnrolmentError.

    Locks the referral code row (if any) so two sign-ups cannot share one code.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    age = check_birth(birth_year=request.birth_year, birth_month=request.birth_month, today=today)
    handle = _check_handle(request.handle)
    if request.avatar not in Avatar.values:
        raise EnrolmentError("avatar_invalid", _("Vælg en af figurerne."), "avatar")
    language = request.language if request.language in Language.values else Language.DA
    if not request.accepts_terms:
        raise EnrolmentError(
            "terms_missing", _("Du skal acceptere vilkårene for at bruge Sammen."), "accepts_terms"
        )
    if age < SELF_SIGNUP_AGE:
        if not request.referral_code.strip():
            raise EnrolmentError(
                "referral_required",
                _(
                    "Når du er under 15, skal du have en henvisningskode fra en klinik "
                    "eller behandler."
                ),
                "referral_code",
            )
        if not (request.custody_holder_name.strip() and request.custody_holder_relation.strip()):
            raise EnrolmentError(
                "custody_missing",
                _(
                    "Skriv navnet på den forælder eller værge, der har givet samtykke, "
                    "og hvem de er for dig."
                ),
                "custody_holder_name",
            )
        if not request.custody_consent_confirmed:
            raise EnrolmentError(
                "custody_consent_missing",
                _("Din forælder eller værge skal have givet samtykke, før du kan bruge Sammen."),
                "custody_consent_confirmed",
            )
    elif not request.self_consent:
        raise EnrolmentError(
            "consent_missing", _("Du skal give dit samtykke for at bruge Sammen."), "self_consent"
        )
    if age < ADULT_AGE and not request.acknowledges_duty_to_notify:
        raise EnrolmentError(
            "duty_to_notify_missing",
            _("Læs og bekræft teksten om underretningspligt."),
            "acknowledges_duty_to_notify",
        )
    try:
        validate_password(request.password, User(username=handle))
    except ValidationError as exc:
        raise EnrolmentError("password_weak", " ".join(exc.messages), "password") from exc

    try:
        with transaction.atomic():
            referral = (
                _claim_referral(request.referral_code, now=now)
                if request.referral_code.strip()
                else None
            )
            user = User.objects.create_user(
                username=handle,
                password=request.password,
                email=request.email.strip(),
                role=Role.YOUTH,
                avatar=request.avatar,
                preferred_language=language,
                birth_year=request.birth_year,
                birth_month=request.birth_month,
            )
            if referral is not None:
                referral.used_by = user
                referral.used_at = now
                referral.save(update_fields=["used_by", "used_at"])
                ClinicMembership.objects.create(clinic=referral.clinic, user=user, joined_at=now)
            documents = ["terms", "privacy"]
            if age < SELF_SIGNUP_AGE:
                CustodyConsent.objects.create(
                    youth=user,
                    holder_name=request.custody_holder_name.strip(),
                    relation=request.custody_holder_relation.strip(),
                    recorded_at=now,
                )
            else:
                documents.append("self_consent")
            if age < ADULT_AGE:
                documents.append("duty_to_notify")
            Acknowledgement.objects.bulk_create(
                Acknowledgement(
                    user=user,
                    document=key,
                    version=document(key).version,
                    language=language,
                    acknowledged_at=now,
                )
                for key in documents
            )
    except IntegrityError as exc:  # a concurrent sign-up took the handle between check and insert
        raise EnrolmentError(
            "handle_taken", _("Det brugernavn er taget. Prøv et andet."), "handle"
        ) from exc
    return user


def referral_code_create(*, clinician: User, clinic_id: int, valid_days: int = 14) -> ReferralCode:
    """Make a single-use referral code for a clinic the clinician works at."""
    if clinician.role not in {Role.CLINICIAN, Role.CLINIC_ADMIN}:
        raise PermissionError("only clinicians make referral codes")
    membership = ClinicMembership.objects.filter(user=clinician, clinic_id=clinic_id).first()
    if membership is None:
        raise PermissionError("clinician does not work at this clinic")
    now = timezone.now()
    return ReferralCode.objects.create(
        clinic_id=clinic_id,
        created_by=clinician,
        created_at=now,
        expires_at=now + dt.timedelta(days=valid_days),
    )
