"""The clinician's pages. Each data view leaves exactly one audit row (or one refused row)."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.access_audit import access_log_record_many
from accounts.models import AccessLog, CareLink, User
from accounts.web import content_language
from care import permissions, selectors, services
from care.audit import audit_view
from care.forms import (
    BreakGlassForm,
    HomeworkForm,
    InviteForm,
    MessageForm,
    PeriodForm,
    SessionForm,
)
from care.summary import summary_build, summary_plain_text
from care.views.common import (
    CASELOAD_PAGE_SIZE,
    SECTIONS,
    _link_or_404,
    _scope_access,
    clinician_required,
)
from community import selectors as community_selectors
from journeys import selectors as journey_selectors
from moderation import selectors as moderation_selectors
from toolkit import selectors as toolkit_selectors

logger = logging.getLogger(__name__)


@clinician_required
def caseload(request: HttpRequest) -> HttpResponse:
    """Linked youths, most in need first; each row shown is one audit row."""
    clinician = cast(User, request.user)
    query = request.GET.get("q", "").strip()[:24]
    tier = request.GET.get("tier", "")
    if tier not in {"crisis", "elevated", "unscored", "review", "report"}:
        tier = ""
    attention = request.GET.get("attention") == "1"
    rows = selectors.caseload_for_clinician(
        clinician=clinician, query=query, tier=tier, attention_only=attention
    )
    page = Paginator(rows, CASELOAD_PAGE_SIZE).get_page(request.GET.get("side"))
    _audit_caseload_rows(clinician=clinician, youth_ids=[row.youth_id for row in page])
    return render(
        request,
        "care/caseload.html",
        {
            "page": page,
            "query": query,
            "tier": tier,
            "attention": attention,
            "total": len(rows),
            "unread": selectors.unread_count_for_clinician(clinician=clinician),
        },
    )


def _audit_caseload_rows(*, clinician: User, youth_ids: list[int]) -> None:
    access_log_record_many(staff=clinician, youth_ids=youth_ids, what=AccessLog.What.CASELOAD_ROW)


@clinician_required
@require_http_methods(["GET", "POST"])
def invitations(request: HttpRequest) -> HttpResponse:
    clinician = cast(User, request.user)
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        youth = selectors.youth_in_clinic_by_handle(
            clinician=clinician, handle=form.cleaned_data["handle"]
        )
        if youth is None:
            form.add_error("handle", _("Ingen ung med det brugernavn i din klinik."))
        else:
            try:
                services.invitation_create(
                    clinician=clinician, youth=youth, note=form.cleaned_data["note"]
                )
            except (ValidationError, PermissionDenied) as error:
                form.add_error("handle", str(getattr(error, "message", "")) or _("Ikke muligt."))
            else:
                messages.success(request, _("Invitationen er sendt. Den unge bestemmer selv."))
                return redirect("care:invitations")
    return render(
        request,
        "care/invitations.html",
        {"form": form, "sent": selectors.invitations_sent_by(clinician=clinician)},
    )


@clinician_required
def youth_overview(request: HttpRequest, youth_id: int) -> HttpResponse:
    """One youth: what they share, homework and the next session, links to each section."""
    link = _link_or_404(request, youth_id, AccessLog.What.PROFILE)
    clinician = cast(User, request.user)
    shares = {
        s
        for s in permissions.SCOPES
        if permissions.scope_granted(clinician=clinician, link=link, scope=s)
    }
    language = content_language()
    homework = (
        journey_selectors.suggestions_with_status(clinician=clinician, youth=link.youth)
        if CareLink.Scope.JOURNEYS in shares
        else None
    )
    session = selectors.session_plan_for(link=link)
    homework_rows = []
    for item in homework or []:
        before = None
        if session is not None and item.done_at is not None:
            before = timezone.localdate(item.done_at) <= session.next_session_on
        homework_rows.append({"item": item, "done_before_session": before})
    journeys = journey_selectors.journeys_for_user(user=link.youth)
    audit_view(viewer=clinician, youth_id=youth_id, what=AccessLog.What.PROFILE)
    return render(
        request,
        "care/youth_overview.html",
        {
            "link": link,
            "youth": link.youth,
            "shares": shares,
            "scope_choices": CareLink.Scope.choices,
            "homework": homework_rows,
            "homework_hidden": homework is None,
            "session": session,
            "session_form": SessionForm(
                initial={"next_session_on": session.next_session_on if session else None}
            ),
            "homework_form": HomeworkForm(
                journeys=[(j.slug, j.title_in(language)) for j in journeys]
            ),
            "open_risk_flag": moderation_selectors.open_risk_flag_exists(youth_id=youth_id),
            "last_active": link.youth.last_login if CareLink.Scope.ACTIVITY in shares else None,
            "sections": SECTIONS,
        },
    )


@clinician_required
def youth_section(request: HttpRequest, youth_id: int, section: str) -> HttpResponse:
    """One consent-scoped part of a youth's data; outside the scope only under break-glass."""
    if section not in SECTIONS:
        raise Http404
    scope = SECTIONS[section]
    link = _link_or_404(request, youth_id, section)
    allowed, break_glass_reason = _scope_access(request, link, scope)
    if not allowed:
        audit_view(viewer=request.user, youth_id=youth_id, what=section, granted=False)
        raise Http404
    youth = link.youth
    language = content_language()
    context: dict[str, Any] = {
        "link": link,
        "youth": youth,
        "section": section,
        "break_glass_reason": break_glass_reason,
    }
    today = timezone.localdate()
    if section == "journeys":
        context["progress"] = sorted(
            journey_selectors.progress_for_youth(youth=youth).values(),
            key=lambda p: p.updated_at,
            reverse=True,
        )
        context["language"] = language
    elif section == "reflections":
        context["reflections"] = list(journey_selectors.reflections_for_youth(youth=youth)[:100])
    elif section == "checkins":
        context["checkins"] = toolkit_selectors.checkin_series(
            youth=youth, since=today - dt.timedelta(days=59), until=today
        )
        context["who5"] = toolkit_selectors.who5_series(youth=youth)
    elif section == "toolkit":
        now = timezone.now()
        context["uses"] = toolkit_selectors.strategy_use_summary(
            youth=youth, since=now - dt.timedelta(days=60), until=now, language=language
        )
    elif section == "posts":
        context["posts"] = [
            p
            for p in community_selectors.post_list_by_author(author_id=youth_id, limit=50)
            if p.status in {"published", "held"}
        ]
    audit_view(
        viewer=request.user,
        youth_id=youth_id,
        what=section,
        reason=break_glass_reason,
        break_glass=bool(break_glass_reason),
    )
    return render(request, "care/youth_section.html", context)


@clinician_required
def youth_flags(request: HttpRequest, youth_id: int) -> HttpResponse:
    """The youth's flags: tier, status and dates; the text is opened in moderation (audited)."""
    link = _link_or_404(request, youth_id, AccessLog.What.FLAGS)
    flags = moderation_selectors.flags_for_youth(youth_id=youth_id)
    audit_view(viewer=request.user, youth_id=youth_id, what=AccessLog.What.FLAGS)
    return render(
        request, "care/youth_flags.html", {"link": link, "youth": link.youth, "flags": flags}
    )


@clinician_required
@require_http_methods(["GET", "POST"])
def clinician_messages(request: HttpRequest, youth_id: int) -> HttpResponse:
    link = _link_or_404(request, youth_id, AccessLog.What.MESSAGES)
    clinician = cast(User, request.user)
    form = MessageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.message_send(link=link, sender=clinician, body=form.cleaned_data["body"])
        except ValidationError as error:
            form.add_error("body", error)
        else:
            return redirect("care:clinician_messages", youth_id=youth_id)
    services.messages_mark_read(link=link, reader=clinician)
    audit_view(viewer=clinician, youth_id=youth_id, what=AccessLog.What.MESSAGES)
    return render(
        request,
        "care/messages.html",
        {
            "link": link,
            "youth": link.youth,
            "thread": selectors.thread_for(link=link, viewer=clinician),
            "form": form,
            "viewer_is_youth": False,
        },
    )


def _period(request: HttpRequest) -> tuple[PeriodForm, dt.date, dt.date]:
    today = timezone.localdate()
    default = {"fra": today - dt.timedelta(days=13), "til": today}
    form = PeriodForm(request.GET or None, initial=default)
    if request.GET and form.is_valid():
        since, until = form.cleaned_data["fra"], form.cleaned_data["til"]
        if since > until:
            since, until = until, since
        since = max(since, until - dt.timedelta(days=366))
        return form, since, until
    return PeriodForm(initial=default), default["fra"], default["til"]


@clinician_required
def youth_summary(request: HttpRequest, youth_id: int) -> HttpResponse:
    """The generated session-prep summary for a period, only from shared scopes."""
    link = _link_or_404(request, youth_id, AccessLog.What.SUMMARY)
    clinician = cast(User, request.user)
    form, since, until = _period(request)
    shares = {
        s
        for s in permissions.SCOPES
        if permissions.scope_granted(clinician=clinician, link=link, scope=s)
    }
    sentences = summary_build(
        youth=link.youth, since=since, until=until, scopes=shares, language=content_language()
    )
    audit_view(
        viewer=clinician,
        youth_id=youth_id,
        what=AccessLog.What.SUMMARY,
        object_ref=f"{since.isoformat()}..{until.isoformat()}",
    )
    return render(
        request,
        "care/youth_summary.html",
        {
            "link": link,
            "youth": link.youth,
            "form": form,
            "since": since,
            "until": until,
            "sentences": sentences,
            "plain": summary_plain_text(sentences, base_url=request.build_absolute_uri("/")[:-1]),
            "shares": shares,
        },
    )


@clinician_required
@require_POST
def homework_suggest(request: HttpRequest, youth_id: int) -> HttpResponse:
    link = _link_or_404(request, youth_id, AccessLog.What.HOMEWORK)
    journeys = journey_selectors.journeys_for_user(user=link.youth)
    form = HomeworkForm(request.POST, journeys=[(j.slug, j.slug) for j in journeys])
    if form.is_valid():
        try:
            services.homework_suggest(
                link=link,
                journey_slug=form.cleaned_data["journey"],
                step_key=form.cleaned_data["step_key"].strip(),
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Forslaget er sendt til den unge."))
    else:
        messages.error(request, _("Vælg en rejse."))
    return redirect("care:youth", youth_id=youth_id)


@clinician_required
@require_POST
def session_set(request: HttpRequest, youth_id: int) -> HttpResponse:
    link = _link_or_404(request, youth_id, AccessLog.What.SESSION)
    form = SessionForm(request.POST)
    if form.is_valid():
        services.session_plan_set(link=link, day=form.cleaned_data["next_session_on"])
        messages.success(request, _("Næste samtale er gemt."))
    else:
        messages.error(request, _("Vælg en dato."))
    return redirect("care:youth", youth_id=youth_id)


@clinician_required
@require_http_methods(["GET", "POST"])
def break_glass(request: HttpRequest, youth_id: int, section: str) -> HttpResponse:
    """Ask for one section outside the youth's consent, with a reason, while a risk flag is open.

    Opening the form shows no data; the section view under the grant leaves the highlighted
    break-glass row in the youth's audit.
    """
    if section not in SECTIONS:
        raise Http404
    link = _link_or_404(request, youth_id, section)
    if not moderation_selectors.open_risk_flag_exists(youth_id=youth_id):
        audit_view(viewer=request.user, youth_id=youth_id, what=section, granted=False)
        raise Http404
    form = BreakGlassForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.break_glass_open(
                link=link, scope=SECTIONS[section], reason=form.cleaned_data["reason"]
            )
        except (ValidationError, PermissionDenied):
            raise Http404 from None
        return redirect("care:youth_section", youth_id=youth_id, section=section)
    return render(
        request,
        "care/break_glass.html",
        {"link": link, "youth": link.youth, "section": section, "form": form},
    )
