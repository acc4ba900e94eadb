"""Demo spaces and content for a first run. Idempotent: running it twice adds nothing.

Demo posts by the demo youths are created PENDING through `services.post_create`, exactly like a
real post, and published only by the normal screening (moderation's requester, then its worker).
There is no screening-free path for youth text, not even for demo text. Staff replies are
published at once, as every staff reply is. Youth comments need a published post to answer, so
they are added by the first run after screening has published their post (`seed_demo` twice).
If no screening requester is registered yet, the posts stay PENDING for the sweep to pick up.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.utils import timezone

from accounts.models import Clinic, ClinicMembership, Role, User
from community import permissions, screening, services
from community.models import AgeBand, Post, Space

logger = logging.getLogger(__name__)

SPACES = [
    ("cafe", Space.Kind.CAFE, "Café", "Det åbne rum: skriv om det, der fylder, stort og småt."),
    ("skole", Space.Kind.TOPIC, "Skole og fritid", "Lektier, eksamen, fritid og det hele."),
    ("familie", Space.Kind.TOPIC, "Familie og venner", "Dem tæt på dig, på godt og ondt."),
    ("tanker", Space.Kind.TOPIC, "Når tankerne fylder", "Bekymringer, tristhed og søvn."),
]

POSTS = [  # (author, space key, kind, body)
    (
        "ung_ravn",
        "cafe",
        Post.Kind.POST,
        "Har nogen gode idéer til at falde til ro om aftenen? Jeg ligger tit og tænker "
        "på skole, når jeg skal sove.",
    ),
    (
        "ung_ugle",
        "cafe",
        Post.Kind.POST,
        "I dag gik jeg en lang tur med min hund, og det hjalp faktisk på humøret.",
    ),
    (
        "ung_ugle",
        "familie",
        Post.Kind.TALK_IT_OUT,
        "Min lillebror og jeg skændes hele tiden om småting. Hvordan får man det til at stoppe?",
    ),
]

COMMENTS = [  # (author, body of the post answered, body)
    ("ung_ugle", POSTS[0][3], "Jeg hører en rolig podcast, det virker for mig."),
    ("ung_ravn", POSTS[1][3], "Hvor godt! Gåture hjælper også mig."),
]
STAFF_REPLY = (
    "Tak fordi du deler. Flere har det sådan. Prøv evt. at skrive tankerne ned før sengetid."
)


def _spaces(clinic: Clinic | None) -> dict[tuple[str, str], Space]:
    spaces = {}
    for band in AgeBand.values:
        for key, kind, name, description in SPACES:
            slug = f"{key}-{band}"
            space = Space.objects.filter(slug=slug).first() or services.space_create(
                name=name,
                slug=slug,
                kind=kind,
                age_band=band,
                description=description,
                clinic=clinic,
            )
            spaces[(key, band)] = space
    return spaces


def demo_content_create() -> None:
    clinic = Clinic.objects.filter(slug="demo-klinik").first()
    with transaction.atomic():
        spaces = _spaces(clinic)
        if clinic is not None:
            staff = User.objects.filter(
                clinic_memberships__clinic=clinic,
                role__in=[Role.PEER_WORKER, Role.CLINICIAN],
            )
            for user in staff:
                for space in spaces.values():
                    permissions.space_staff_assign(space=space, user=user)
            member_ids = ClinicMembership.objects.filter(clinic=clinic).values_list("user_id")
            for youth in User.objects.filter(role=Role.YOUTH, pk__in=member_ids):
                permissions.space_membership_sync(user=youth)

    if screening._requester is None:
        logger.warning("community.demo.no_screening_requester")
        return
    users = {u.username: u for u in User.objects.filter(username__in=["ung_ravn", "ung_ugle"])}
    peer = User.objects.filter(username="peer_odder").first()
    start = timezone.now() - dt.timedelta(days=2)
    for index, (handle, key, kind, body) in enumerate(POSTS):
        author = users.get(handle)
        if author is None:
            continue
        band = permissions.age_band_for(author)
        if band is None:
            continue
        space = spaces[(key, band)]
        if Post.objects.filter(author=author, space=space, body=body).exists():
            continue
        services.post_create(
            author=author,
            space=space,
            body=body,
            kind=kind,
            now=start + dt.timedelta(minutes=10 * index),
        )
    for index, (handle, parent_body, body) in enumerate(COMMENTS):
        author = users.get(handle)
        parent = Post.objects.filter(body=parent_body, status=Post.Status.PUBLISHED).first()
        if author is None or parent is None or parent.comments.filter(body=body).exists():
            continue
        services.comment_create(
            author=author,
            parent=parent,
            body=body,
            now=start + dt.timedelta(hours=1, minutes=index),
        )
    first = Post.objects.filter(body=POSTS[0][3]).first()
    if (
        peer is not None
        and first is not None
        and not first.comments.filter(body=STAFF_REPLY).exists()
        and permissions.can_moderate_space(peer, first.space)
    ):
        services.staff_reply_create(post=first, author=peer, body=STAFF_REPLY)
