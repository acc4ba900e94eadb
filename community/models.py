"""Spaces, posts (a comment is a post with a parent), reactions, reports and Talk it out.

Two records matter for the safety path (DESIGN.md section 3):
- `Post.status`: nothing but PUBLISHED text is ever shown to peers.
- `SpaceEvent`: the per-space, gap-free log of what peers may see, in commit order. Sockets push
  these rows; clients resync from them with `after_seq`.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import Clinic


class AgeBand(models.TextChoices):
    """Youths only meet their own band (DESIGN.md section 2)."""

    YOUNG = "12-14", _("12-14 år")
    MIDDLE = "15-17", _("15-17 år")
    OLDER = "18-25", _("18-25 år")


class ContentWarningTopic(models.TextChoices):
    """Topics a writer can warn about and a reader can hide from the feed (issue 4, item 6)."""

    LONELINESS = "loneliness", _("Ensomhed")
    FAMILY = "family", _("Familie")
    BULLYING = "bullying", _("Mobning")
    BODY = "body", _("Krop og mad")
    GRIEF = "grief", _("Sorg og tab")
    VIOLENCE = "violence", _("Vold")
    SUBSTANCES = "substances", _("Alkohol og stoffer")
    SADNESS = "sadness", _("Tristhed")


class Space(models.Model):
    """A room: the open Café of an age band, or a topic space of that band."""

    class Kind(models.TextChoices):
        CAFE = "cafe", _("Café")
        TOPIC = "topic", _("Emne")

    name = models.CharField(_("navn"), max_length=80)
    slug = models.SlugField(max_length=80, unique=True)
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.TOPIC)
    age_band = models.CharField(max_length=8, choices=AgeBand.choices)
    description = models.CharField(_("beskrivelse"), max_length=300, blank=True)
    clinic = models.ForeignKey(
        Clinic, on_delete=models.SET_NULL, null=True, blank=True, related_name="spaces"
    )
    # The last sequence number handed out; only changed under select_for_update on this row.
    last_seq = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar = ["age_band", "kind", "name"]
        permissions: ClassVar = [
            ("post_in_space", "Can write posts and comments in the space"),
            ("moderate_space", "Can moderate the space"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.age_band})"


class SpaceEvent(models.Model):
    """One change peers of a space can see. `seq` is gap-free per space, in commit order."""

    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="events")
    seq = models.PositiveBigIntegerField()
    type = models.CharField(max_length=40)
    # The post the event is about, so published text can be redacted when the post is withdrawn.
    post = models.ForeignKey(
        "Post", on_delete=models.SET_NULL, null=True, blank=True, related_name="events"
    )
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar = ["space", "seq"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["space", "seq"], name="community_event_seq_unique")
        ]

    def __str__(self) -> str:
        return f"{self.type} #{self.seq} in space {self.space_id}"


class Post(models.Model):
    """A post, or a comment when `parent` is set (one level deep).

    Lifecycle: PENDING -> PUBLISHED | HELD -> PUBLISHED (released) | REMOVED. An edit returns the
    post to PENDING so the new text is screened before peers see it.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Bliver tjekket")
        PUBLISHED = "published", _("Synligt")
        HELD = "held", _("Læses af en voksen")
        REMOVED = "removed", _("Fjernet")

    class Kind(models.TextChoices):
        POST = "post", pgettext_lazy("one post", "Opslag")
        TALK_IT_OUT = "talk_it_out", _("Snak det ud")

    TRANSITIONS: ClassVar[dict[str, set[str]]] = {
        Status.PENDING: {Status.PUBLISHED, Status.HELD, Status.REMOVED},
        Status.PUBLISHED: {Status.PENDING, Status.HELD, Status.REMOVED},
        Status.HELD: {Status.PUBLISHED, Status.PENDING, Status.REMOVED},
        Status.REMOVED: set(),
    }

    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="posts")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="community_posts"
    )
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="comments"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.POST)
    body = models.TextField(_("tekst"))
    # NULL means "no warning": the design fixes it as a nullable choice.
    content_warning_topic = models.CharField(  # noqa: DJ001
        _("indholdsadvarsel"),
        max_length=16,
        choices=ContentWarningTopic.choices,
        null=True,
        blank=True,
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    is_staff_reply = models.BooleanField(default=False)
    revision = models.PositiveIntegerField(default=1)
    seq = models.PositiveBigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    pending_since = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    released_at = models.DateTimeField(null=True, blank=True)
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="community_posts_removed",
    )
    removal_reason = models.CharField(max_length=300, blank=True)
    deleted_by_author = models.BooleanField(default=False)

    class Meta:
        ordering: ClassVar = ["created_at", "id"]
        indexes: ClassVar = [
            models.Index(fields=["space", "status", "parent"], name="community_post_feed"),
            models.Index(fields=["status", "pending_since"], name="community_post_pending"),
            models.Index(fields=["author", "created_at"], name="community_post_author"),
        ]

    def __str__(self) -> str:
        return f"post {self.pk} ({self.status})"

    @property
    def is_comment(self) -> bool:
        return self.parent_id is not None


class TalkItOut(models.Model):
    """The extra state of a Talk it out post: framed by staff, closed with a summary."""

    class Status(models.TextChoices):
        OPEN = "open", _("Åben")
        CLOSED = "closed", _("Lukket")

    post = models.OneToOneField(Post, on_delete=models.CASCADE, related_name="talk")
    framing = models.TextField(_("rammesætning"), blank=True)
    framed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="talks_framed",
    )
    framed_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    summary = models.TextField(_("opsummering"), blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="talks_closed",
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"talk it out {self.pk} ({self.status})"

    @property
    def is_framed(self) -> bool:
        return bool(self.framing)


class Reaction(models.Model):
    """A support reaction: a fixed set, one of each kind per user per post."""

    class Kind(models.TextChoices):
        THINKING_OF_YOU = "thinking", _("tænker på dig")
        NOT_ALONE = "not_alone", _("du er ikke alene")
        WELL_DONE = "well_done", _("stærkt gået")
        THANKS = "thanks", _("tak fordi du delte")

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="community_reactions"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["post", "user", "kind"], name="community_reaction_once_per_kind"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} on post {self.post_id}"


class Report(models.Model):
    """A user's report of a post or comment; the reporter later sees the outcome."""

    class Category(models.TextChoices):
        WORRIED = "worried", _("Jeg er bekymret for personen")
        UNKIND = "unkind", _("Det er ubehageligt eller mobning")
        PERSONAL_INFO = "personal_info", _("Det deler personlige oplysninger")
        SPAM = "spam", _("Reklame eller spam")
        OTHER = "other", _("Noget andet")

    class Status(models.TextChoices):
        OPEN = "open", _("Afventer")
        RESOLVED = "resolved", _("Afgjort")

    class Outcome(models.TextChoices):
        KEPT = "kept", _("Vi har kigget på det, og opslaget må gerne blive")
        REMOVED = "removed", _("Opslaget er fjernet")
        AUTHOR_CONTACTED = "author_contacted", _("En voksen har taget kontakt til personen")

    TRANSITIONS: ClassVar[dict[str, set[str]]] = {
        Status.OPEN: {Status.RESOLVED},
        Status.RESOLVED: set(),
    }

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="community_reports"
    )
    category = models.CharField(_("hvad handler det om?"), max_length=16, choices=Category.choices)
    note = models.TextField(_("vil du fortælle mere?"), max_length=1000, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    # Staff-only: never shown to the reporter, who sees the outcome's label.
    resolution_note = models.TextField(blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="community_reports_resolved",
    )
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["-created_at"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["post", "reporter"],
                condition=models.Q(status="open"),
                name="community_report_one_open_per_reporter",
            )
        ]

    def __str__(self) -> str:
        return f"report {self.pk} on post {self.post_id} ({self.status})"


class ThemeFilter(models.Model):
    """Content-warning topics one user has chosen to hide from their feed."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="community_theme_filter"
    )
    hidden_topics = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"theme filter of user {self.user_id}"
