"""The youth's care pages: Min behandler, consent, messages, their audit and their data."""

from __future__ import annotations

import json
import logging
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth import logout
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import CareLink, User
from accounts.web import youth_required
from care import gdpr, selectors, services
from care.forms import (
    SCOPE_HELP,
    DeleteAccountForm,
    MessageForm,
    ScopesForm,
)
from moderation import selectors as moderation_selectors

logger = logging.getLogger(__name__)


@youth_required
def my_care(request: HttpRequest) -> HttpResponse:
    """ "Min behandler": invitations, links, consent per scope, and the way out."""
    youth = cast(User, request.user)
    services.invitation_from_referral_ensure(youth=youth)
    links = selectors.links_for_youth(youth=youth)
    return render(
        request,
        "care/my_care.html",
        {
            "invitations": selectors.invitations_pending_for_youth(youth=youth),
            "links": [
                {
                    "link": link,
                    "form": ScopesForm(initial={"scopes": link.scopes}),
                    "prefix": link.pk,
                }
                for link in links
            ],
            "invite_form": ScopesForm(),
            "scope_help": SCOPE_HELP,
            "scope_choices": CareLink.Scope.choices,
        },
    )


@youth_required
@require_POST
def invitation_respond(request: HttpRequest, invitation_id: int) -> HttpResponse:
    youth = cast(User, request.user)
    invitation = selectors.invitation_get_for_youth(youth=youth, invitation_id=invitation_id)
    if invitation is None:
        raise Http404
    if request.POST.get("answer") == "accept":
        form = ScopesForm(request.POST)
        scopes = form.cleaned_data["scopes"] if form.is_valid() else []
        services.invitation_accept(invitation=invitation, youth=youth, scopes=scopes)
        messages.success(request, _("Du er nu forbundet med din behandler."))
    else:
        services.invitation_decline(invitation=invitation, youth=youth)
        messages.info(request, _("Du har sagt nej tak. Din behandler kan ikke se noget."))
    return redirect("care:my_care")


@youth_required
@require_POST
def link_scopes(request: HttpRequest, link_id: int) -> HttpResponse:
    youth = cast(User, request.user)
    link = selectors.link_get_for_youth(youth=youth, link_id=link_id)
    if link is None:
        raise Http404
    form = ScopesForm(request.POST)
    scopes = form.cleaned_data["scopes"] if form.is_valid() else []
    services.link_scopes_set(link=link, youth=youth, scopes=scopes)
    messages.success(request, _("Dine valg er gemt. De gælder med det samme."))
    return redirect("care:my_care")


@youth_required
@require_POST
def link_end(request: HttpRequest, link_id: int) -> HttpResponse:
    youth = cast(User, request.user)
    link = selectors.link_get_for_youth(youth=youth, link_id=link_id)
    if link is None:
        raise Http404
    services.link_end(link=link, youth=youth)
    messages.info(request, _("Forbindelsen er afsluttet. Din behandler kan ikke længere se noget."))
    return redirect("care:my_care")


def _staffed_context(link: CareLink) -> dict[str, Any]:
    return {
        "staffed_hours": moderation_selectors.staffed_hours_for(clinic_id=link.clinic_id),
        "staffed_now": moderation_selectors.clinic_staffed_now(clinic_id=link.clinic_id),
    }


@youth_required
@require_http_methods(["GET", "POST"])
def youth_messages(request: HttpRequest, link_id: int) -> HttpResponse:
    youth = cast(User, request.user)
    link = selectors.link_get_for_youth(youth=youth, link_id=link_id)
    if link is None:
        raise Http404
    form = MessageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.message_send(link=link, sender=youth, body=form.cleaned_data["body"])
        except ValidationError as error:
            form.add_error("body", error)
        else:
            return redirect("care:youth_messages", link_id=link.pk)
    services.messages_mark_read(link=link, reader=youth)
    return render(
        request,
        "care/messages.html",
        {
            "link": link,
            "thread": selectors.thread_for(link=link, viewer=youth),
            "form": form,
            "viewer_is_youth": True,
            **_staffed_context(link),
        },
    )


@youth_required
def my_audit(request: HttpRequest) -> HttpResponse:
    """ "Hvem har set mine data": every staff look, refused tries and break-glass highlighted."""
    youth = cast(User, request.user)
    return render(request, "care/my_audit.html", {"rows": selectors.audit_for_youth(youth=youth)})


@youth_required
def my_data(request: HttpRequest) -> HttpResponse:
    return render(request, "care/my_data.html", {"delete_form": DeleteAccountForm()})


@youth_required
def my_data_json(request: HttpRequest) -> HttpResponse:
    data = gdpr.gdpr_export_for_youth(youth=cast(User, request.user))
    response = HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="sammen-mine-data.json"'
    return response


@youth_required
def my_data_html(request: HttpRequest) -> HttpResponse:
    data = gdpr.gdpr_export_for_youth(youth=cast(User, request.user))
    return render(request, "care/my_data_export.html", {"tree": _export_tree(data)})


def _export_tree(value: Any) -> dict[str, Any]:
    """Tag each value with its kind so one recursive template can print any JSON shape."""
    if isinstance(value, dict):
        return {"kind": "dict", "items": [(key, _export_tree(v)) for key, v in value.items()]}
    if isinstance(value, list | tuple):
        return {"kind": "list", "items": [_export_tree(v) for v in value]}
    return {"kind": "scalar", "value": value}


@youth_required
@require_POST
def account_delete(request: HttpRequest) -> HttpResponse:
    youth = cast(User, request.user)
    form = DeleteAccountForm(request.POST)
    if not form.is_valid() or not youth.check_password(form.cleaned_data["password"]):
        if form.is_valid():
            form.add_error("password", _("Adgangskoden passer ikke."))
        return render(request, "care/my_data.html", {"delete_form": form}, status=400)
    gdpr.account_delete(youth=youth)
    logout(request)
    return render(request, "care/deleted.html")
