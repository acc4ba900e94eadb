"""Reads for accounts."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import Clinic, ReferralCode, User


def clinics_for_staff(*, user: User) -> QuerySet[Clinic]:
    return Clinic.objects.filter(memberships__user=user).order_by("name")


def referral_codes_for_clinician(*, user: User) -> QuerySet[ReferralCode]:
    return (
        ReferralCode.objects.filter(clinic__memberships__user=user)
        .select_related("clinic", "used_by")
        .order_by("-created_at")[:50]
    )
