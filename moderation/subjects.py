"""One adapter per screened subject type: the only place moderation touches another app's data.

Screening, flags and the dashboard speak in `Subject` snapshots and call the adapter for writes
(publish, hold, release, ...). Posts are the first type; journey reflections and clinician
messages are one more adapter each, registered in `ADAPTERS`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist


@dataclass(frozen=True, slots=True)
class Subject:
    """A snapshot of one screenable thing. `obj` is the adapter's own row, opaque to callers."""

    subject_type: str
    subject_id: int
    revision: int
    text: str
    author_id: int | None
    clinic_id: int | None
    status: str  # "pending", "published", "held", "removed"
    label: str = ""  # where it was written, for moderators ("Caféen")
    obj: Any = field(default=None, repr=False, compare=False)

    @property
    def pending(self) -> bool:
        return self.status == "pending"


class SubjectAdapter(Protocol):
    """Reads and writes for one subject type. Writes run inside the caller's transaction."""

    subject_type: str

    def get(self, subject_id: int) -> Subject | None: ...
    def pending_many(self, subject_ids: list[int]) -> list[Subject]: ...
    def lock(self, subject_id: int) -> Subject | None: ...
    def pending_ids(self, *, older_than_seconds: int, limit: int) -> list[int]: ...
    def publish(self, subject: Subject) -> None: ...
    def hold(self, subject: Subject) -> None: ...
    def release(self, subject: Subject, *, actor: Any) -> None: ...
    def hide(self, subject: Subject, *, actor: Any, reason: str) -> None: ...
    def remove(self, subject: Subject, *, actor: Any, reason: str) -> None: ...
    def reply(self, subject: Subject, *, author: Any, body: str) -> None: ...
    def recent_by_author(self, author_id: int, *, limit: int) -> list[Subject]: ...
    def open_reports(self) -> Iterable[tuple[int, int, str, str]]: ...
    def report_resolve(self, report_id: int, *, outcome: str, note: str, actor: Any) -> None: ...
    def published_revisions(self) -> Iterable[tuple[int, int]]: ...


def _author_clinic_id(author_id: int | None) -> int | None:
    if author_id is None:
        return None
    user = get_user_model().objects.filter(pk=author_id).first()
    if user is None:
        return None
    membership = user.clinic_memberships.order_by("joined_at", "id").first()
    return membership.clinic_id if membership else None


class PostAdapter:
    """Community posts and comments, through community's selector and service contract only."""

    subject_type = "post"

    def _snapshot(self, post: Any, *, author_clinic: int | None = None) -> Subject:
        space = getattr(post, "space", None)
        clinic_id = (
            getattr(space, "clinic_id", None) or author_clinic or _author_clinic_id(post.author_id)
        )
        return Subject(
            subject_type=self.subject_type,
            subject_id=post.pk,
            revision=post.revision,
            text=post.body,
            author_id=post.author_id,
            clinic_id=clinic_id,
            status=str(post.status),
            label=str(getattr(space, "name", "")),
            obj=post,
        )

    def get(self, subject_id: int) -> Subject | None:
        from community import selectors

        post = selectors.post_get_for_screening(post_id=subject_id)
        return self._snapshot(post) if post is not None else None

    def pending_many(self, subject_ids: list[int]) -> list[Subject]:
        """The still-PENDING ones of these posts, in one query (a screening batch)."""
        from community import selectors

        posts = (
            selectors.posts_pending_older_than(seconds=0)
            .filter(pk__in=subject_ids)
            .select_related("author", "space")
        )
        by_id = {p.pk: p for p in posts}
        clinics: dict[int | None, int | None] = {}
        subjects = []
        for subject_id in subject_ids:
            post = by_id.get(subject_id)
            if post is None:  # not pending, gone, or pending "in the future" (a test's clock)
                single = self.get(subject_id)
                if single is not None and single.pending:
                    subjects.append(single)
                continue
            if getattr(post.space, "clinic_id", None) is None and post.author_id not in clinics:
                clinics[post.author_id] = _author_clinic_id(post.author_id)
            subjects.append(self._snapshot(post, author_clinic=clinics.get(post.author_id)))
        return subjects

    def lock(self, subject_id: int) -> Subject | None:
        from community import selectors

        try:
            post = selectors.post_lock_for_screening(post_id=subject_id)
        except ObjectDoesNotExist:
            return None
        return self._snapshot(post)

    def pending_ids(self, *, older_than_seconds: int, limit: int) -> list[int]:
        from community import selectors

        pending = selectors.posts_pending_older_than(seconds=older_than_seconds)
        return list(pending.values_list("pk", flat=True)[:limit])

    def publish(self, subject: Subject) -> None:
        from community import services

        services.post_publish(post=subject.obj)

    def hold(self, subject: Subject) -> None:
        from community import services

        services.post_hold(post=subject.obj)

    def release(self, subject: Subject, *, actor: Any) -> None:
        from community import services

        services.post_release(post=subject.obj, actor=actor)

    def hide(self, subject: Subject, *, actor: Any, reason: str) -> None:
        from community import services

        # Community has no separate "hidden" state yet; hiding keeps the post held (unpublished).
        hide = getattr(services, "post_hide", None)
        if hide is not None:
            hide(post=subject.obj, actor=actor, reason=reason)
        elif subject.status == "published":
            services.post_hold(post=subject.obj)

    def remove(self, subject: Subject, *, actor: Any, reason: str) -> None:
        from community import services

        services.post_remove(post=subject.obj, actor=actor, reason=reason)

    def reply(self, subject: Subject, *, author: Any, body: str) -> None:
        from community import services

        services.staff_reply_create(post=subject.obj, author=author, body=body)

    def recent_by_author(self, author_id: int, *, limit: int) -> list[Subject]:
        from community import selectors

        return [
            self._snapshot(p)
            for p in selectors.post_list_by_author(author_id=author_id, limit=limit)
        ]

    def open_reports(self) -> Iterable[tuple[int, int, str, str]]:
        """(report id, post id, category, note) for each open report."""
        from community import selectors

        for report in selectors.report_list_open():
            yield report.pk, report.post_id, str(report.category), report.note

    def report_resolve(self, report_id: int, *, outcome: str, note: str, actor: Any) -> None:
        from community import selectors, services

        report = selectors.report_list_open().filter(pk=report_id).first()
        if report is not None:  # already resolved elsewhere: nothing to do
            services.report_resolve(report=report, outcome=outcome, note=note, actor=actor)

    def published_revisions(self) -> Iterable[tuple[int, int]]:
        """(post id, revision) of every published post that needed screening (for reconcile)."""
        from community import selectors

        return selectors.post_revisions_published()


class ReflectionAdapter:
    """Private journey reflections, through journeys' selector and service contract only.

    A reflection is never shown to peers, so there is nothing to publish, hide or remove:
    "publish" and "hold" both record that it was screened, and a crisis-level result makes the
    youth's open page show the crisis lines. Its flags are for clinicians only
    (`PRIVATE_SUBJECT_TYPES`); the youth's private text is never put in a peer queue.
    """

    subject_type = "reflection"

    def _snapshot(self, reflection: Any) -> Subject:
        from journeys.models import ScreeningStatus

        step = getattr(reflection, "step", None)
        journey = getattr(step, "journey", None)
        title = journey.title_in("da") if journey is not None else ""
        return Subject(
            subject_type=self.subject_type,
            subject_id=reflection.pk,
            revision=reflection.revision,
            text=reflection.body,
            author_id=reflection.youth_id,
            clinic_id=_author_clinic_id(reflection.youth_id),
            status="pending"
            if reflection.screening_status == ScreeningStatus.PENDING
            else "published",
            label=f"Refleksion: {title}" if title else "Refleksion",
            obj=reflection,
        )

    def pending_many(self, subject_ids: list[int]) -> list[Subject]:
        subjects = (self.get(i) for i in subject_ids)
        return [s for s in subjects if s is not None and s.pending]

    def get(self, subject_id: int) -> Subject | None:
        from journeys import selectors

        reflection = selectors.reflection_get_for_screening(reflection_id=subject_id)
        return self._snapshot(reflection) if reflection is not None else None

    def lock(self, subject_id: int) -> Subject | None:
        from journeys import selectors

        try:
            reflection = selectors.reflection_lock_for_screening(reflection_id=subject_id)
        except ObjectDoesNotExist:
            return None
        return self._snapshot(reflection)

    def pending_ids(self, *, older_than_seconds: int, limit: int) -> list[int]:
        from journeys import selectors

        pending = selectors.reflections_pending_older_than(seconds=older_than_seconds)
        return list(pending.values_list("pk", flat=True)[:limit])

    def publish(self, subject: Subject) -> None:
        from journeys import services

        services.reflection_mark_screened(reflection=subject.obj, crisis=False)

    def hold(self, subject: Subject) -> None:
        """Held = flagged for a clinician; at crisis level the youth sees the crisis lines now."""
        from journeys import services
        from moderation.models import RiskAssessment
        from moderation.risk import RiskLevel

        assessment = (
            RiskAssessment.objects.filter(
                subject_type=self.subject_type,
                subject_id=subject.subject_id,
                revision=subject.revision,
            )
            .order_by("-id")
            .first()
        )
        crisis = assessment is not None and assessment.level >= RiskLevel.CRISIS
        services.reflection_mark_screened(reflection=subject.obj, crisis=crisis)

    def release(self, subject: Subject, *, actor: Any) -> None:
        return None  # private text: nothing was withheld from anyone

    def hide(self, subject: Subject, *, actor: Any, reason: str) -> None:
        return None  # never shown to peers in the first place

    def remove(self, subject: Subject, *, actor: Any, reason: str) -> None:
        return None  # the youth's own private notes are theirs to delete

    def reply(self, subject: Subject, *, author: Any, body: str) -> None:
        raise ValueError("a private reflection has no public thread; message the author instead")

    def recent_by_author(self, author_id: int, *, limit: int) -> list[Subject]:
        from journeys import selectors

        youth = get_user_model().objects.filter(pk=author_id).first()
        if youth is None:
            return []
        return [self._snapshot(r) for r in selectors.reflections_for_youth(youth=youth)[:limit]]

    def open_reports(self) -> Iterable[tuple[int, int, str, str]]:
        return ()  # nobody else can see, so nobody can report, a private reflection

    def report_resolve(self, report_id: int, *, outcome: str, note: str, actor: Any) -> None:
        return None

    def published_revisions(self) -> Iterable[tuple[int, int]]:
        """(reflection id, revision) of every screened reflection (for reconcile)."""
        from journeys import selectors

        return selectors.reflection_revisions_screened()


ADAPTERS: dict[str, SubjectAdapter] = {"post": PostAdapter(), "reflection": ReflectionAdapter()}


def adapter_for(subject_type: str) -> SubjectAdapter:
    try:
        return ADAPTERS[subject_type]
    except KeyError:
        raise ValueError(f"no screening adapter for subject type {subject_type!r}") from None


# --- Care messages (added by the care app, issue 7 item 4) --------------------------------------
# A youth's private message to their linked clinician is screened like a post. Only care's
# selectors and services are used; care decides who sees which state (a held message reaches the
# linked clinician only once a moderator releases it; until then its flag routes it to a clinician).
class MessageAdapter:
    """Youth -> clinician messages in the clinician workspace (care.models.CareMessage)."""

    subject_type = "message"

    def _snapshot(self, message: Any) -> Subject:
        return Subject(
            subject_type=self.subject_type,
            subject_id=message.pk,
            revision=message.revision,
            text=message.body,
            author_id=message.sender_id,
            clinic_id=message.link.clinic_id,
            status=str(message.status),
            label="Besked til behandler",
            obj=message,
        )

    def pending_many(self, subject_ids: list[int]) -> list[Subject]:
        subjects = (self.get(i) for i in subject_ids)
        return [s for s in subjects if s is not None and s.pending]

    def get(self, subject_id: int) -> Subject | None:
        from care import selectors

        message = selectors.message_get_for_screening(message_id=subject_id)
        return self._snapshot(message) if message is not None else None

    def lock(self, subject_id: int) -> Subject | None:
        from care import selectors

        try:
            message = selectors.message_lock_for_screening(message_id=subject_id)
        except ObjectDoesNotExist:
            return None
        return self._snapshot(message)

    def pending_ids(self, *, older_than_seconds: int, limit: int) -> list[int]:
        from care import selectors

        pending = selectors.messages_pending_older_than(seconds=older_than_seconds)
        return list(pending.values_list("pk", flat=True)[:limit])

    def _set(self, subject: Subject, status: str) -> None:
        from care import services

        services.message_status_set(message=subject.obj, status=status)

    def publish(self, subject: Subject) -> None:
        self._set(subject, "published")

    def hold(self, subject: Subject) -> None:
        self._set(subject, "held")

    def release(self, subject: Subject, *, actor: Any) -> None:
        self._set(subject, "published")

    def hide(self, subject: Subject, *, actor: Any, reason: str) -> None:
        self._set(subject, "held")

    def remove(self, subject: Subject, *, actor: Any, reason: str) -> None:
        self._set(subject, "removed")

    def reply(self, subject: Subject, *, author: Any, body: str) -> None:
        """Only the linked clinician writes in a private conversation; others message the author
        through moderation's own private messages."""
        from django.core.exceptions import PermissionDenied

        from care import services

        link = subject.obj.link
        if getattr(author, "pk", None) != link.clinician_id:
            raise PermissionDenied("only the linked clinician replies in a care conversation")
        services.message_send(link=link, sender=author, body=body)

    def recent_by_author(self, author_id: int, *, limit: int) -> list[Subject]:
        from care import selectors

        return [
            self._snapshot(m)
            for m in selectors.messages_recent_by_author(author_id=author_id, limit=limit)
        ]

    def open_reports(self) -> Iterable[tuple[int, int, str, str]]:
        return ()  # private messages cannot be reported by peers

    def report_resolve(self, report_id: int, *, outcome: str, note: str, actor: Any) -> None:
        return None

    def published_revisions(self) -> Iterable[tuple[int, int]]:
        from care import selectors

        return selectors.message_revisions_published()


ADAPTERS["message"] = MessageAdapter()
