"""Screening results, flags, the audit trail, sanctions and staffing (DESIGN.md section 3).

Screened things are addressed as (subject_type, subject_id) rather than by foreign key, so posts
now and journey reflections or clinician messages later share one pipeline; `moderation.subjects`
holds one adapter per type.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class SubjectType(models.TextChoices):
    POST = "post", pgettext_lazy("one post", "Opslag")
    REFLECTION = "reflection", _("Refleksion")
    MESSAGE = "message", _("Besked til behandler")


class RiskAssessment(models.Model):
    """One scoring of one revision of one subject. Unique per revision: the idempotency key."""

    subject_type = models.CharField(max_length=16, choices=SubjectType.choices)
    subject_id = models.BigIntegerField()
    revision = models.PositiveIntegerField()
    # The model's level, or the rule layer's floor when `scored` is False.
    level = models.PositiveSmallIntegerField()
    scored = models.BooleanField(default=True)  # False: model error, timeout or missing weights
    probability = models.FloatField(null=True, blank=True)
    categories = models.JSONField(default=list)
    evidence = models.JSONField(default=list)  # [[start, end, weight], ...] into the scored text
    # True while the model's occlusion spans are still being computed (`services.evidence`):
    # routing stores the rule spans at once, and the explain task adds the model's afterwards.
    evidence_pending = models.BooleanField(default=False)
    model_version = models.CharField(max_length=80)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    clinic = models.ForeignKey(
        "accounts.Clinic", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Fairness slices for the KPIs page, captured at scoring time.
    language = models.CharField(max_length=8, blank=True)
    age_band = models.CharField(max_length=8, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["subject_type", "subject_id", "revision"],
                name="moderation_assessment_one_per_revision",
            )
        ]
        indexes: ClassVar = [models.Index(fields=["subject_type", "subject_id"])]

    def __str__(self) -> str:
        return f"assessment {self.subject_type}:{self.subject_id}@{self.revision}"


class Tier(models.TextChoices):
    CRISIS = "crisis", _("Krise")
    ELEVATED = "elevated", _("Forhøjet")
    UNSCORED = "unscored", _("Ikke vurderet")
    REVIEW = "review", _("Forhåndsgodkendelse")
    REPORT = "report", _("Anmeldelse")


# Tiers only clinicians may act on (beyond escalating); policy in DESIGN.md section 1.
CLINICAL_TIERS = frozenset({Tier.CRISIS})
# Private writing (journey reflections, clinician messages) is read by clinicians only: its flags
# never reach a peer worker's queue, whatever the tier.
PRIVATE_SUBJECT_TYPES = frozenset({"reflection", "message"})


class Flag(models.Model):
    """A subject a human must look at. Every change goes through a service and a FlagEvent."""

    class Status(models.TextChoices):
        OPEN = "open", _("Åben")
        CLAIMED = "claimed", _("Taget")
        ESCALATED = "escalated", _("Eskaleret")
        RESOLVED = "resolved", _("Afsluttet")

    # The allow-list of status changes (Oscar's pipeline). A claim lapsing returns a flag to
    # OPEN or ESCALATED; escalation from the tick may happen in any unresolved state. A person
    # claims before resolving; only screening resolves an unclaimed flag, when a new revision
    # of its subject supersedes it (`flags.flags_supersede`).
    TRANSITIONS: ClassVar[dict[str, set[str]]] = {
        Status.OPEN: {Status.CLAIMED, Status.ESCALATED, Status.RESOLVED},
        Status.CLAIMED: {Status.OPEN, Status.ESCALATED, Status.RESOLVED},
        Status.ESCALATED: {Status.CLAIMED, Status.ESCALATED, Status.RESOLVED},
        Status.RESOLVED: set(),
    }

    class Resolution(models.TextChoices):
        RELEASED = "released", _("Frigivet")
        HIDDEN = "hidden", _("Skjult")
        REMOVED = "removed", _("Fjernet")
        DISMISSED = "dismissed", _("Afvist")
        SUPERSEDED = "superseded", _("Erstattet af en ny version")

    subject_type = models.CharField(max_length=16, choices=SubjectType.choices)
    subject_id = models.BigIntegerField()
    revision = models.PositiveIntegerField(default=0)
    tier = models.CharField(max_length=16, choices=Tier.choices)
    category = models.CharField(max_length=32, blank=True)
    assessment = models.OneToOneField(
        RiskAssessment, on_delete=models.PROTECT, null=True, blank=True, related_name="flag"
    )
    report_id = models.BigIntegerField(null=True, blank=True, unique=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    clinic = models.ForeignKey(
        "accounts.Clinic", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    escalation_level = models.PositiveSmallIntegerField(default=0)  # index into the LADDER
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="claimed_flags",
    )
    claimed_until = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField()
    first_looked_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.CharField(max_length=16, choices=Resolution.choices, blank=True)
    # Moderator feedback on the model: True agrees with the level, False disagrees, None unknown.
    model_agreed = models.BooleanField(null=True, blank=True)

    class Meta:
        indexes: ClassVar = [
            models.Index(fields=["status", "due_at"]),
            models.Index(fields=["subject_type", "subject_id"]),
        ]
        permissions: ClassVar = [("view_clinical_notes", "Can read clinical notes")]

    def __str__(self) -> str:
        return f"flag {self.pk} {self.tier} {self.status}"

    @property
    def is_open(self) -> bool:
        return self.status != self.Status.RESOLVED


class FlagEvent(models.Model):
    """Append-only audit row for every flag transition and moderation action (RealmAuditLog)."""

    class Kind(models.TextChoices):
        OPENED = "opened", _("Åbnet")
        CLAIMED = "claimed", _("Taget")
        UNCLAIMED = "unclaimed", _("Lagt tilbage")
        CLAIM_EXPIRED = "claim_expired", _("Tid løbet ud")
        ESCALATED = "escalated", _("Eskaleret")
        RELEASED = "released", _("Frigivet")
        HIDDEN = "hidden", _("Skjult")
        REMOVED = "removed", _("Fjernet")
        DISMISSED = "dismissed", _("Afvist")
        REPLIED = "replied", _("Svar offentligt")
        MESSAGED = "messaged", _("Privat besked")
        NOTE = "note", _("Note")
        RESTRICTED = "restricted", _("Begrænsning")
        FEEDBACK = "feedback", _("Enig/uenig med modellen")
        PAGED = "paged", _("Vagt tilkaldt")
        SUPERSEDED = "superseded", _("Erstattet af en ny version")
        REVISED = "revised", _("Rettet af forfatteren")

    flag = models.ForeignKey(Flag, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    reason = models.TextField(blank=True)
    before = models.JSONField(default=dict)
    after = models.JSONField(default=dict)
    clinical = models.BooleanField(default=False)  # clinical notes: never shown to peer workers

    class Meta:
        ordering = ("at", "id")

    def __str__(self) -> str:
        return f"{self.kind} on flag {self.flag_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("FlagEvent is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ValueError("FlagEvent is append-only")


class QueueCounter(models.Model):
    """The last sequence number handed out per live queue (a clinic x audience group)."""

    queue = models.CharField(max_length=80, primary_key=True)
    last_seq = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.queue}@{self.last_seq}"


class QueueEvent(models.Model):
    """A live-dashboard event, numbered per queue so clients detect gaps and resync (after_seq)."""

    queue = models.CharField(max_length=80)
    seq = models.PositiveBigIntegerField()
    flag = models.ForeignKey(Flag, on_delete=models.CASCADE, related_name="queue_events")
    kind = models.CharField(max_length=32)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["queue", "seq"], name="moderation_queue_seq_unique")
        ]

    def __str__(self) -> str:
        return f"{self.queue}#{self.seq} {self.kind}"


class PrivateMessage(models.Model):
    """A moderator's private message to an author (e.g. "we held your post, how are you?")."""

    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="moderation_sent"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="moderation_inbox"
    )
    flag = models.ForeignKey(Flag, on_delete=models.SET_NULL, null=True, blank=True)
    body = models.TextField(max_length=4000)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"message {self.pk} to {self.recipient_id}"


class Sanction(models.Model):
    """A graduated restriction of an author, with an end time and an appeal."""

    class Kind(models.TextChoices):
        PREMODERATION = "premoderation", _("Forhåndsgodkendelse")
        MUTE = "mute", _("Pause fra at skrive")
        SUSPEND = "suspend", _("Suspenderet")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sanctions"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    step = models.PositiveSmallIntegerField(default=1)  # 1 = first restriction of this author
    reason = models.TextField()
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="sanctions_issued"
    )
    flag = models.ForeignKey(Flag, on_delete=models.SET_NULL, null=True, blank=True)
    starts_at = models.DateTimeField(default=timezone.now)
    ends_at = models.DateTimeField()
    lifted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes: ClassVar = [models.Index(fields=["user", "ends_at"])]

    def __str__(self) -> str:
        return f"{self.kind} for {self.user_id} until {self.ends_at:%Y-%m-%d %H:%M}"


class Appeal(models.Model):
    """A youth's appeal of a sanction, answered by a moderator other than the one who issued it."""

    class Status(models.TextChoices):
        OPEN = "open", _("Venter")
        UPHELD = "upheld", _("Fastholdt")
        OVERTURNED = "overturned", _("Ophævet")

    sanction = models.OneToOneField(Sanction, on_delete=models.CASCADE, related_name="appeal")
    body = models.TextField(max_length=2000)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="appeals_decided",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    answer = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"appeal of sanction {self.sanction_id} ({self.status})"


class ClinicQueue(models.Model):
    """A clinic's moderation queue; guardian grants `moderate_queue` on it per staff member."""

    clinic = models.OneToOneField(
        "accounts.Clinic", on_delete=models.CASCADE, related_name="moderation_queue"
    )

    class Meta:
        permissions: ClassVar = [("moderate_queue", "Can work this clinic's moderation queue")]

    def __str__(self) -> str:
        return f"queue of {self.clinic}"


class StaffedHours(models.Model):
    """When a clinic has people at the dashboard; outside, crisis flags page on-call."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Mandag")
        TUESDAY = 1, _("Tirsdag")
        WEDNESDAY = 2, _("Onsdag")
        THURSDAY = 3, _("Torsdag")
        FRIDAY = 4, _("Fredag")
        SATURDAY = 5, _("Lørdag")
        SUNDAY = 6, _("Søndag")

    clinic = models.ForeignKey(
        "accounts.Clinic", on_delete=models.CASCADE, related_name="staffed_hours"
    )
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    opens_at = models.TimeField()
    closes_at = models.TimeField()

    class Meta:
        ordering = ("clinic", "weekday", "opens_at")
        verbose_name_plural = "staffed hours"

    def __str__(self) -> str:
        return f"{self.clinic} {self.get_weekday_display()} {self.opens_at}-{self.closes_at}"


class RotaShift(models.Model):
    """Who is duty clinician or on-call clinician when: the escalation ladder's rungs 1 and 2."""

    class Duty(models.TextChoices):
        DUTY = "duty", _("Vagthavende kliniker")
        ON_CALL = "on_call", _("Bagvagt")

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.CASCADE, related_name="rota")
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="rota_shifts"
    )
    duty = models.CharField(max_length=16, choices=Duty.choices)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    contact_email = models.EmailField(blank=True)

    class Meta:
        ordering = ("starts_at",)
        indexes: ClassVar = [models.Index(fields=["clinic", "duty", "starts_at"])]

    def __str__(self) -> str:
        return f"{self.duty} {self.clinician} {self.starts_at:%Y-%m-%d %H:%M}"
