"""Moderation pages: parse, one permission check, one service or selector call, render.

Every page works without JavaScript (plain forms); `static/js/moderation.js` upgrades the
dashboard with the live socket, SLA countdowns and resync.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access_audit import access_log_record
from accounts.models import AccessLog, Role, User
from moderation import events, kpis, permissions, selectors
from moderation.models import Appeal, Flag, PrivateMessage, Sanction
from moderation.permissions import Action
from moderation.services import escalation, sanctions
from moderation.services import flags as flag_services

# --- Access audit (added by the care app, issue 7 item 6) ----------------------------------------
# Why a moderator saw a youth's data, stored on each access-log row (data, so not translated).
_WHY_QUEUE = "Moderering: køen"
_WHY_FLAG = "Moderering: sagen"
_WHY_HISTORY = "Moderering: sagens historik"
_WHY_LIVE = "Moderering: kort i den levende kø"


def _access_flag_audited(request: HttpRequest, flag_id: int, *, why: str, ref: str = "") -> Flag:
    """`permissions.access_flag`, plus one access-log row when the flag is about a youth.

    Every moderation view of a flag shows what a youth wrote, so it is a staff view of their
    data: the youth sees it on "Hvem har set mine data". A refused request leaves a refused row.
    """
    ref = ref or f"flag:{flag_id}"
    try:
        flag = permissions.access_flag(request.user, flag_id)
    except Http404:
        author_id = Flag.objects.filter(pk=flag_id).values_list("author_id", flat=True).first()
        _audit_youths(request, [author_id], ref=ref, why=why, granted=False)
        raise
    _audit_youths(request, [flag.author_id], ref=ref, why=why, granted=True)
    return flag


def _audit_youths(
    request: HttpRequest,
    author_ids: Iterable[int | None],
    *,
    ref: str,
    why: str,
    granted: bool = True,
) -> None:
    """Exactly one access-log row per youth whose data this response shows (staff are skipped)."""
    if not request.user.is_authenticated:
        return
    wanted = {a for a in author_ids if a is not None}
    if not wanted:
        return
    youths = User.objects.filter(pk__in=wanted, role=Role.YOUTH).values_list("pk", flat=True)
    for youth_id in sorted(youths):
        access_log_record(
            staff=request.user.pk,
            youth=youth_id,
            what=AccessLog.What.FLAGS,
            object_ref=ref,
            reason=why,
            granted=granted,
        )


def _require_moderator(request: HttpRequest) -> None:
    if not permissions.is_moderator(request.user):
        raise PermissionDenied


def _queues_for(user: Any) -> list[str]:
    audience = permissions.audience_for(user)
    clinic_ids = [None, *permissions.clinic_ids_for_moderator(user)]
    return [events.queue_name(c, audience) for c in clinic_ids]


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    _require_moderator(request)
    user = request.user
    cards = [selectors.flag_card(f, viewer=user) for f in selectors.flag_queue_for(user)]
    clinic_ids = permissions.clinic_ids_for_moderator(user)
    queues = _queues_for(user)
    appeals = list(selectors.open_appeals_for(user)[:20])
    _audit_youths(
        request,
        [c.flag.author_id for c in cards] + [a.sanction.user_id for a in appeals],
        ref="moderation:dashboard",
        why=_WHY_QUEUE,
    )
    return render(
        request,
        "moderation/dashboard.html",
        {
            "cards": cards,
            "watch": selectors.watch_list_for(user),
            "degraded": selectors.model_degraded(),
            "staffed": any(escalation.clinic_is_staffed(c) for c in clinic_ids),
            "queue_seqs": {q: events.queue_last_seq(q) for q in queues},
            "appeals": appeals,
        },
    )


@login_required
def flag_detail(request: HttpRequest, flag_id: int) -> HttpResponse:
    flag = _access_flag_audited(request, flag_id, why=_WHY_FLAG)
    card = selectors.flag_card(flag, viewer=request.user)
    return render(
        request,
        "moderation/flag_detail.html",
        {
            "card": card,
            "history": selectors.flag_history(flag, viewer=request.user),
            "sanction_kinds": Sanction.Kind.choices,
            "can_clinical_note": permissions.can_act(request.user, flag, Action.CLINICAL_NOTE),
        },
    )


@login_required
def flag_history(request: HttpRequest, flag_id: int) -> HttpResponse:
    flag = _access_flag_audited(request, flag_id, why=_WHY_HISTORY, ref=f"flag:{flag_id}:historik")
    return render(
        request,
        "moderation/flag_history.html",
        {"flag": flag, "history": selectors.flag_history(flag, viewer=request.user)},
    )


@login_required
def flag_card_json(request: HttpRequest, flag_id: int) -> JsonResponse:
    flag = _access_flag_audited(request, flag_id, why=_WHY_LIVE, ref=f"flag:{flag_id}:json")
    return JsonResponse(selectors.flag_card(flag, viewer=request.user).as_json())


@login_required
def queue_events(request: HttpRequest) -> JsonResponse:
    """Resync: the stored frames of one of the viewer's queues after `after_seq`."""
    _require_moderator(request)
    queue = request.GET.get("queue", "")
    if queue not in _queues_for(request.user):
        raise PermissionDenied
    try:
        after_seq = max(0, int(request.GET.get("after_seq", "0")))
    except ValueError:
        after_seq = 0
    frames = events.queue_events_after(queue, after_seq)
    return JsonResponse(
        {"queue": queue, "events": frames, "last_seq": events.queue_last_seq(queue)}
    )


_RESOLVING = {Action.RELEASE, Action.DISMISS, Action.HIDE, Action.REMOVE}
_RESTRICT = {
    Action.RESTRICT_PREMODERATION: Sanction.Kind.PREMODERATION,
    Action.RESTRICT_MUTE: Sanction.Kind.MUTE,
    Action.RESTRICT_SUSPEND: Sanction.Kind.SUSPEND,
}


@login_required
@require_POST
def flag_action(request: HttpRequest, flag_id: int) -> HttpResponse:
    """One form endpoint for every action; the service checks the matrix again."""
    flag = permissions.access_flag(request.user, flag_id)
    try:
        action = Action(request.POST.get("action", ""))
    except ValueError:
        return HttpResponse(status=400)
    text = request.POST.get("reason", "")
    user = request.user
    try:
        if action == Action.CLAIM:
            flag_services.flag_claim(flag=flag, actor=user)
        elif action == Action.UNCLAIM:
            flag_services.flag_unclaim(flag=flag, actor=user)
        elif action in _RESOLVING:
            flag_services.flag_resolve(flag=flag, actor=user, action=action, reason=text)
        elif action == Action.REPLY:
            flag_services.flag_reply(flag=flag, actor=user, body=text)
        elif action == Action.MESSAGE:
            flag_services.flag_message_author(flag=flag, actor=user, body=text)
        elif action == Action.ESCALATE:
            flag_services.flag_escalate(flag=flag, actor=user, reason=text)
        elif action in (Action.NOTE, Action.CLINICAL_NOTE):
            flag_services.flag_note(
                flag=flag, actor=user, body=text, clinical=action == Action.CLINICAL_NOTE
            )
        elif action in _RESTRICT:
            sanctions.author_restrict(flag=flag, actor=user, kind=_RESTRICT[action], reason=text)
        elif action == Action.FEEDBACK:
            agrees = request.POST.get("agrees") == "yes"
            flag_services.flag_feedback(flag=flag, actor=user, agrees=agrees, reason=text)
        else:
            return HttpResponse(status=400)
    except PermissionDenied:
        messages.error(request, _("Det må du ikke gøre med den her sag."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except flag_services.FlagConflict:
        messages.error(request, _("Sagen er ændret af en anden imens. Se den igen."))
    else:
        messages.success(request, _("Gemt."))
    if request.headers.get("Accept") == "application/json":
        flag.refresh_from_db()
        return JsonResponse(selectors.flag_card(flag, viewer=user).as_json())
    return redirect("moderation:flag", flag_id=flag.pk)


@login_required
def kpis_page(request: HttpRequest) -> HttpResponse:
    _require_moderator(request)
    return render(request, "moderation/kpis.html", {"kpis": kpis.kpis_compute()})


@login_required
def appeal_decide(request: HttpRequest, appeal_id: int) -> HttpResponse:
    _require_moderator(request)
    appeal = get_object_or_404(Appeal.objects.select_related("sanction"), pk=appeal_id)
    if request.method == "POST":
        try:
            sanctions.appeal_decide(
                appeal=appeal,
                actor=request.user,
                overturn=request.POST.get("decision") == "overturn",
                answer=request.POST.get("answer", ""),
            )
        except PermissionDenied:
            messages.error(request, _("En anden moderator skal svare på klagen."))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Klagen er besvaret."))
            return redirect("moderation:dashboard")
    return render(request, "moderation/appeal_decide.html", {"appeal": appeal})


# --- For youths: their own restrictions, appeals and messages ----------------------------------
@login_required
def my_moderation(request: HttpRequest) -> HttpResponse:
    """A youth's own messages from moderators and restrictions, with an appeal form."""
    if request.method == "POST":
        sanction = get_object_or_404(Sanction, pk=request.POST.get("sanction"), user=request.user)
        try:
            sanctions.appeal_file(
                sanction=sanction, user=request.user, body=request.POST.get("body", "")
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Din klage er sendt. En anden voksen kigger på den."))
        return redirect("moderation:mine")
    user = request.user
    assert user.is_authenticated  # login_required
    inbox = PrivateMessage.objects.filter(recipient=user).select_related("sender")[:50]
    PrivateMessage.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    return render(
        request,
        "moderation/mine.html",
        {
            "inbox": inbox,
            "sanctions": Sanction.objects.filter(user=user)
            .select_related("appeal")
            .order_by("-starts_at"),
        },
    )


def staffed_status(request: HttpRequest) -> JsonResponse:
    """Whether a person is at the desk now, for the youth-facing "held post" notice."""
    clinic_ids: list[int] = []
    if request.user.is_authenticated:
        clinic_ids = list(request.user.clinic_memberships.values_list("clinic_id", flat=True))
    staffed = any(escalation.clinic_is_staffed(c) for c in clinic_ids)
    return JsonResponse({"staffed": staffed})
