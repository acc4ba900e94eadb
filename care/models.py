"""The clinician workspace: consent grants, invitations, sessions, messages, break-glass access.

The care link itself (`accounts.CareLink`) lives in accounts so every app can check it; this app
owns what is built around it. Consent scopes are enforced through django-guardian permissions on
the youth's `CareFile`, granted only by `care.permissions` from the link's scopes.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import UserObjectPermissionBase

from accounts.models import CareLink

# One guardian permission per consent scope: codename "see_<scope>" on the youth's CareFile.
SCOPE_PERMISSIONS: dict[str, str] = {scope.value: f"see_{scope.value}" for scope in CareLink.Scope}


class CareFile(models.Model):
    """One per youth: the object clinicians are granted scope permissions on."""

    youth = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="care_file"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        default_permissions = ()
        permissions: ClassVar = [
            (codename, f"Can see the youth's {scope}")
            for scope, codename in SCOPE_PERMISSIONS.items()
        ]

    def __str__(self) -> str:
        return f"care file of user {self.youth_id}"


class CareFileUserObjectPermission(UserObjectPermissionBase):
    """Guardian's direct foreign key: a grant dies with the care file (and the account)."""

    content_object = models.ForeignKey(CareFile, on_delete=models.CASCADE, related_name="grants")

    class Meta(UserObjectPermissionBase.Meta):
        abstract = False


class CareInvitation(models.Model):
    """A clinician's offer to link; nothing is shared until the youth accepts and picks scopes."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Venter")
        ACCEPTED = "accepted", _("Accepteret")
        DECLINED = "declined", _("Afvist")
        WITHDRAWN = "withdrawn", _("Trukket tilbage")

    class Origin(models.TextChoices):
        INVITED = "invited", _("Invitation")
        REFERRAL = "referral", _("Henvisningskode")

    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="care_invitations_sent"
    )
    youth = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="care_invitations"
    )
    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.CASCADE, related_name="+")
    origin = models.CharField(max_length=10, choices=Origin.choices, default=Origin.INVITED)
    note = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    responded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["clinician", "youth"],
                condition=models.Q(status="pending"),
                name="care_one_pending_invitation",
            )
        ]

    def __str__(self) -> str:
        return f"invitation {self.clinician_id} -> {self.youth_id} ({self.status})"


class SessionPlan(models.Model):
    """The next session date a clinician sets, so homework can be checked against it."""

    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    youth = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    next_session_on = models.DateField()
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["clinician", "youth"], name="care_one_session_plan")
        ]

    def __str__(self) -> str:
        return f"session {self.next_session_on} for {self.youth_id}"


class MessageStatus(models.TextChoices):
    PENDING = "pending", _("Venter på screening")
    PUBLISHED = "published", _("Sendt")
    HELD = "held", _("Holdt til en person har læst den")
    REMOVED = "removed", _("Fjernet")


class CareMessage(models.Model):
    """A private message between a youth and their linked clinician.

    A youth's message is saved PENDING and screened on commit (care.screening), like a post;
    the clinician sees it once screened. A clinician's message is published at once, as staff
    replies in community are. `read_at` is the read receipt the sender sees.
    """

    link = models.ForeignKey(CareLink, on_delete=models.CASCADE, related_name="messages")
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    body = models.TextField(max_length=4000)
    revision = models.PositiveIntegerField(default=1)
    status = models.CharField(
        max_length=10, choices=MessageStatus.choices, default=MessageStatus.PENDING
    )
    created_at = models.DateTimeField(default=timezone.now)
    pending_since = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes: ClassVar = [
            models.Index(fields=["link", "created_at"]),
            models.Index(fields=["status", "pending_since"]),
        ]

    def __str__(self) -> str:
        return f"care message {self.pk} on link {self.link_id}"


class BreakGlassGrant(models.Model):
    """Time-limited access outside the youth's scopes, with a reason, while a flag is open."""

    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    youth = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    scope = models.CharField(max_length=16, choices=CareLink.Scope.choices)
    reason = models.TextField()
    granted_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    class Meta:
        indexes: ClassVar = [models.Index(fields=["clinician", "youth", "expires_at"])]

    def __str__(self) -> str:
        return f"break-glass {self.scope} for {self.youth_id} by {self.clinician_id}"
