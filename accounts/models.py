"""Users, clinics and the records enrolment must keep.

Identity is kept apart from the pseudonym: a youth's user row holds the handle and what the
product needs to apply age rules (birth year and month, never a full date or CPR number). A custody
holder's name lives in `CustodyConsent`, readable only by staff who need it.
"""

from __future__ import annotations

import secrets
from typing import ClassVar

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.handles import canonical_handle


class Role(models.TextChoices):
    YOUTH = "youth", _("Ung")
    PEER_WORKER = "peer_worker", _("Peermedarbejder")
    CLINICIAN = "clinician", _("Kliniker")
    CLINIC_ADMIN = "clinic_admin", _("Klinikadministrator")


class Avatar(models.TextChoices):
    """A fixed set, so no youth uploads a photo of themselves."""

    FOX = "fox", _("Ræv")
    OWL = "owl", _("Ugle")
    WHALE = "whale", _("Hval")
    HEDGEHOG = "hedgehog", _("Pindsvin")
    OTTER = "otter", _("Odder")
    CAT = "cat", _("Kat")
    BEAR = "bear", _("Bjørn")
    BIRD = "bird", _("Fugl")


class Language(models.TextChoices):
    DA = "da", "Dansk"
    EN = "en", "English"


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, username: str, password: str | None = None, **extra: object) -> User:
        user = self.model(username=username, **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, username: str, password: str | None = None, **extra: object) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        extra.setdefault("role", Role.CLINIC_ADMIN)
        return self.create_user(username, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """Everyone who logs in. `username` is the pseudonymous handle peers see."""

    username = models.CharField(_("brugernavn"), max_length=24, unique=True)
    # NFKC + casefold: "Maja", "MAJA" and a full-width "maja" are one handle on any database.
    username_canonical = models.CharField(max_length=24, unique=True, editable=False)
    email = models.EmailField(_("e-mail"), blank=True)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.YOUTH)
    avatar = models.CharField(max_length=16, choices=Avatar.choices, default=Avatar.FOX)
    preferred_language = models.CharField(
        max_length=2, choices=Language.choices, default=Language.DA
    )
    birth_year = models.PositiveSmallIntegerField(null=True, blank=True)
    birth_month = models.PositiveSmallIntegerField(null=True, blank=True)
    is_staff = models.BooleanField(default=False)  # Django admin access only
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "username"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=models.Q(birth_month__isnull=True)
                | models.Q(birth_month__gte=1, birth_month__lte=12),
                name="accounts_user_birth_month_range",
            ),
        ]

    def __str__(self) -> str:
        return self.username

    def save(self, *args: object, **kwargs: object) -> None:
        self.username_canonical = canonical_handle(self.username)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "username" in update_fields:  # type: ignore[operator]
            kwargs["update_fields"] = {*update_fields, "username_canonical"}  # type: ignore[misc]
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @property
    def is_youth(self) -> bool:
        return self.role == Role.YOUTH

    @property
    def is_clinical_staff(self) -> bool:
        return self.role in {Role.CLINICIAN, Role.CLINIC_ADMIN}


class Clinic(models.Model):
    """An organisation: a municipality's low-threshold offer or a child and adolescent clinic."""

    name = models.CharField(max_length=120)
    slug = models.SlugField(unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name


class ClinicMembership(models.Model):
    """Staff working at a clinic, and youths enrolled through it."""

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="clinic_memberships"
    )
    joined_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["clinic", "user"], name="accounts_membership_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.clinic}"


def _new_referral_code() -> str:
    # Ten characters from an alphabet without look-alikes (no 0/O, 1/I/L): easy to read aloud.
    alphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(10))


class ReferralCode(models.Model):
    """A single-use code a clinician gives a young person; required for sign-up at 12-14."""

    code = models.CharField(max_length=16, unique=True, default=_new_referral_code)
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="referral_codes")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="referral_codes_made"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_by = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="referral_code_used",
    )
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.code} ({self.clinic})"


class CustodyConsent(models.Model):
    """Under 15 the custody holder consents (sundhedsloven). Kept apart from the pseudonym."""

    youth = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="custody_consent"
    )
    holder_name = models.CharField(max_length=120)
    relation = models.CharField(max_length=40)
    recorded_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"custody consent for user {self.youth_id}"


class Acknowledgement(models.Model):
    """A user's acceptance of one version of one text (terms, privacy, consent, § 133 notice)."""

    class Document(models.TextChoices):
        TERMS = "terms", _("Vilkår")
        PRIVACY = "privacy", _("Hvad vi gemmer")
        SELF_CONSENT = "self_consent", _("Eget samtykke")
        DUTY_TO_NOTIFY = "duty_to_notify", _("Underretningspligt")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="acknowledgements"
    )
    document = models.CharField(max_length=20, choices=Document.choices)
    version = models.CharField(max_length=20)
    language = models.CharField(max_length=2, choices=Language.choices)
    acknowledged_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["user", "document", "version"], name="accounts_ack_once_per_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.document} {self.version} by user {self.user_id}"


class CareLink(models.Model):
    """A youth on a clinician's caseload, with the consent scopes the youth controls.

    Each scope is off until the youth turns it on; the youth can end the link at any time.
    Apps enforce scopes with django-guardian object permissions granted from these flags.
    """

    class Scope(models.TextChoices):
        ACTIVITY = "activity", _("Aktivitetsoversigt")
        JOURNEYS = "journeys", _("Fremskridt i rejser")
        REFLECTIONS = "reflections", _("Refleksioner")
        TOOLKIT = "toolkit", _("Værktøjskasse og sikkerhedsplan")
        CHECKINS = "checkins", _("Check-ins")
        POSTS = "posts", _("Indlæg")

    youth = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="care_links"
    )
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="caseload_links"
    )
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="care_links")
    scopes = models.JSONField(default=list, blank=True)  # list of Scope values the youth allows
    started_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["youth", "clinician"],
                condition=models.Q(ended_at__isnull=True),
                name="accounts_carelink_one_active",
            )
        ]

    def __str__(self) -> str:
        return f"care link {self.youth_id} -> {self.clinician_id}"

    @property
    def is_active(self) -> bool:
        return self.ended_at is None

    def allows(self, scope: str) -> bool:
        return self.is_active and scope in self.scopes


class AccessLog(models.Model):
    """One staff look at one youth's data: who, what, when, why (issue 7, item 6).

    Append-only: written by `accounts.access_audit.access_log_record` and never edited. Kept
    when a youth deletes their account (the staff side of the record is the clinic's duty to
    keep); the youth's own rows stay readable to them on "Hvem har set mine data" until then.
    `granted=False` rows are refused attempts (a 404 was served, no data shown).
    """

    class What(models.TextChoices):
        CASELOAD_ROW = "caseload_row", _("Række i behandleroversigten")
        PROFILE = "profile", _("Overblik")
        JOURNEYS = "journeys", _("Fremskridt i rejser")
        REFLECTIONS = "reflections", _("Refleksioner")
        CHECKINS = "checkins", _("Check-ins")
        TOOLKIT = "toolkit", _("Værktøjskasse")
        SAFETY_PLAN = "safety_plan", _("Sikkerhedsplan")
        POSTS = "posts", _("Indlæg")
        MESSAGES = "messages", _("Beskeder")
        FLAGS = "flags", _("Bekymringsmarkeringer")
        SUMMARY = "summary", _("Forberedelse til samtale")
        HOMEWORK = "homework", _("Hjemmeopgave")
        SESSION = "session", _("Næste samtale")

    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    youth = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    what = models.CharField(max_length=24, choices=What.choices)
    object_ref = models.CharField(max_length=80, blank=True)
    reason = models.TextField(blank=True)
    break_glass = models.BooleanField(default=False)
    granted = models.BooleanField(default=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes: ClassVar = [models.Index(fields=["youth", "-at"])]

    def __str__(self) -> str:
        return f"access {self.what} by {self.staff_id} of {self.youth_id}"
