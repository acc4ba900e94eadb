"""HTML views: parse the form, call one service or selector, render. Work without JavaScript."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from community import permissions, selectors, services
from community.forms import (
    CloseTalkForm,
    CommentForm,
    FramingForm,
    PostForm,
    RemoveForm,
    ReportForm,
    SearchForm,
    TalkItOutForm,
    ThemeFilterForm,
)
from community.limits import LimitError
from community.models import ContentWarningTopic, Post, Reaction, Space


def _readable_space(request: HttpRequest, space_id: int) -> Space:
    """The space, or 404 when the user may not read it (its existence is not revealed)."""
    space = get_object_or_404(Space, pk=space_id)
    permissions.space_membership_sync(user=request.user)
    if not permissions.can_read_space(request.user, space):
        raise Http404
    return space


def _visible_post(request: HttpRequest, post_id: int) -> Post:
    post = selectors.post_for_viewer(post_id=post_id, viewer=request.user)
    if post is None:
        raise Http404
    return post


def _refusal_status(exc: Exception) -> int:
    return 429 if isinstance(exc, LimitError) and exc.retry_after else 400


def _apply_error(form: Any, exc: Exception) -> None:
    if isinstance(exc, ValidationError):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, getattr(exc, "message", str(exc)))


def _js_strings() -> dict[str, Any]:
    """Translated words community.js needs for what it inserts (json_script on the page)."""
    return {
        "pending": _("Bliver tjekket. Kun du kan se det, indtil det er klar."),
        "held": _("En voksen fra Sammen læser dit opslag. Kun du kan se det lige nu."),
        "sent": _("Tak. Dit opslag bliver tjekket og vises snart."),
        "failed": _("Det kunne ikke sendes. Prøv igen."),
        "framing": _("Rammen:"),
        "summary": _("Opsummering:"),
        "awaiting_framing": _("Venter på, at en peermedarbejder sætter rammen."),
        "staff": _("Fra Sammen"),
        "talk": _("Snak det ud"),
        "content_warning": _("Indholdsadvarsel. Vis opslaget"),
        "replies": _("Se svar"),
        "here_alone": _("Du er her"),
        "here_many": _("{count} er her lige nu"),
        "reactions": [[kind, str(label)] for kind, label in Reaction.Kind.choices],
    }


@login_required
def space_list(request: HttpRequest) -> HttpResponse:
    permissions.space_membership_sync(user=request.user)
    spaces = list(permissions.readable_spaces(request.user))
    return render(request, "community/space_list.html", {"spaces": spaces})


def _space_context(request: HttpRequest, space: Space, form: Any) -> dict[str, Any]:
    last_seq = Space.objects.values_list("last_seq", flat=True).get(pk=space.pk)  # before feed
    hidden = selectors.hidden_topics_for(request.user)
    return {
        "space": space,
        "last_seq": last_seq,
        "posts": selectors.space_feed(space=space, viewer=request.user),
        "form": form,
        "can_post": permissions.can_post_in_space(request.user, space),
        "is_moderator": permissions.can_moderate_space(request.user, space),
        "reaction_kinds": Reaction.Kind.choices,
        "hidden_topics": hidden,
        "js_strings": _js_strings(),
        "topic_labels": dict(ContentWarningTopic.choices),
    }


@login_required
def space_detail(request: HttpRequest, space_id: int) -> HttpResponse:
    """The feed; POST creates a post (saved pending, shown to its author at once)."""
    space = _readable_space(request, space_id)
    form = PostForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if not permissions.can_post_in_space(request.user, space):
            raise PermissionDenied
        if form.is_valid():
            try:
                services.post_create(
                    author=request.user,
                    space=space,
                    body=form.cleaned_data["body"],
                    content_warning_topic=form.cleaned_data["content_warning_topic"] or None,
                )
            except (LimitError, ValidationError, services.CommunityError) as exc:
                _apply_error(form, exc)
                status = _refusal_status(exc)
            else:
                messages.success(request, _("Tak. Dit opslag bliver tjekket og vises snart."))
                return redirect("community:space", space_id=space.pk)
        else:
            status = 400
    return render(
        request, "community/space.html", _space_context(request, space, form), status=status
    )


@login_required
def talk_nominate(request: HttpRequest, space_id: int) -> HttpResponse:
    """A youth nominates a problem for Talk it out (a post of kind talk_it_out)."""
    space = _readable_space(request, space_id)
    if not permissions.can_post_in_space(request.user, space):
        raise PermissionDenied
    form = TalkItOutForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                post = services.post_create(
                    author=request.user,
                    space=space,
                    body=form.cleaned_data["body"],
                    content_warning_topic=form.cleaned_data["content_warning_topic"] or None,
                    kind=Post.Kind.TALK_IT_OUT,
                )
            except (LimitError, ValidationError, services.CommunityError) as exc:
                _apply_error(form, exc)
                status = _refusal_status(exc)
            else:
                messages.success(request, _("Tak. Dit forslag bliver tjekket og vises snart."))
                return redirect("community:post", post_id=post.pk)
        else:
            status = 400
    return render(
        request, "community/talk_nominate.html", {"space": space, "form": form}, status=status
    )


def _post_context(request: HttpRequest, post: Post, comment_form: Any) -> dict[str, Any]:
    moderator = permissions.can_moderate_space(request.user, post.space)
    return {
        "post": post,
        "space": post.space,
        "comment_form": comment_form,
        "is_moderator": moderator,
        "can_post": permissions.can_post_in_space(request.user, post.space),
        "reaction_kinds": Reaction.Kind.choices,
        "topic_labels": dict(ContentWarningTopic.choices),
        "framing_form": FramingForm() if moderator else None,
        "close_form": CloseTalkForm() if moderator else None,
        "remove_form": RemoveForm() if moderator else None,
        "last_seq": Space.objects.values_list("last_seq", flat=True).get(pk=post.space_id),
        "hidden_topics": selectors.hidden_topics_for(request.user),
        "js_strings": _js_strings(),
    }


@login_required
def post_detail(request: HttpRequest, post_id: int) -> HttpResponse:
    """A post with its comments; POST adds a comment (a moderator's comment is a staff reply)."""
    post = _visible_post(request, post_id)
    if post.parent_id:
        return redirect(reverse("community:post", args=[post.parent_id]) + f"#post-{post.pk}")
    form = CommentForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if not permissions.can_post_in_space(request.user, post.space):
            raise PermissionDenied
        if form.is_valid():
            body = form.cleaned_data["body"]
            try:
                if permissions.can_moderate_space(request.user, post.space):
                    services.staff_reply_create(post=post, author=request.user, body=body)
                    messages.success(request, _("Dit svar er vist."))
                else:
                    services.comment_create(author=request.user, parent=post, body=body)
                    messages.success(request, _("Tak. Dit svar bliver tjekket og vises snart."))
            except (LimitError, ValidationError, services.CommunityError) as exc:
                _apply_error(form, exc)
                status = _refusal_status(exc)
            else:
                return redirect("community:post", post_id=post.pk)
        else:
            status = 400
    return render(request, "community/post.html", _post_context(request, post, form), status=status)


@login_required
def post_edit(request: HttpRequest, post_id: int) -> HttpResponse:
    post = _visible_post(request, post_id)
    if post.author_id != request.user.pk or post.is_staff_reply:
        raise Http404
    initial = {"body": post.body, "content_warning_topic": post.content_warning_topic or ""}
    form = PostForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.post_edit(
                    post=post,
                    editor=request.user,
                    body=form.cleaned_data["body"],
                    content_warning_topic=form.cleaned_data["content_warning_topic"] or None,
                )
            except (LimitError, ValidationError, services.CommunityError) as exc:
                _apply_error(form, exc)
                status = _refusal_status(exc)
            else:
                messages.success(request, _("Rettet. Din tekst bliver tjekket igen."))
                return redirect("community:post", post_id=post.parent_id or post.pk)
        else:
            status = 400
    return render(request, "community/post_edit.html", {"post": post, "form": form}, status=status)


@login_required
@require_POST
def post_delete(request: HttpRequest, post_id: int) -> HttpResponse:
    post = _visible_post(request, post_id)
    if post.author_id != request.user.pk:
        raise Http404
    services.post_delete_by_author(post=post, author=request.user)
    messages.success(request, _("Slettet."))
    if post.parent_id:
        return redirect("community:post", post_id=post.parent_id)
    return redirect("community:space", space_id=post.space_id)


@login_required
@require_POST
def reaction_toggle(request: HttpRequest, post_id: int) -> HttpResponse:
    post = _visible_post(request, post_id)
    kind = request.POST.get("kind", "")
    try:
        services.reaction_toggle(user=request.user, post=post, kind=kind)
    except (ValidationError, services.CommunityError):
        messages.error(request, _("Det kunne ikke lade sig gøre lige nu."))
    target = reverse("community:post", args=[post.parent_id or post.pk])
    return redirect(f"{target}#post-{post.pk}")


@login_required
def report_create(request: HttpRequest, post_id: int) -> HttpResponse:
    post = _visible_post(request, post_id)
    if post.status != Post.Status.PUBLISHED:
        raise Http404
    form = ReportForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.report_create(
                    reporter=request.user,
                    post=post,
                    category=form.cleaned_data["category"],
                    note=form.cleaned_data["note"],
                )
            except services.CommunityError as exc:
                _apply_error(form, exc)
                status = 400
            else:
                messages.success(
                    request, _("Tak fordi du sagde til. En voksen fra Sammen kigger på det.")
                )
                return redirect("community:my_reports")
        else:
            status = 400
    return render(request, "community/report.html", {"post": post, "form": form}, status=status)


@login_required
def my_reports(request: HttpRequest) -> HttpResponse:
    reports = selectors.reports_for_reporter(user=request.user)
    return render(request, "community/my_reports.html", {"reports": reports})


@login_required
def theme_filters(request: HttpRequest) -> HttpResponse:
    initial = {"hidden_topics": selectors.hidden_topics_for(request.user)}
    form = ThemeFilterForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.theme_filter_set(
            user=request.user, hidden_topics=form.cleaned_data["hidden_topics"]
        )
        messages.success(request, _("Gemt. Opslag med de emner vises ikke i dit feed."))
        return redirect("community:themes")
    return render(request, "community/themes.html", {"form": form})


def _moderated_post(request: HttpRequest, post_id: int) -> Post:
    post = get_object_or_404(Post.objects.select_related("space"), pk=post_id)
    if not permissions.can_moderate_space(request.user, post.space):
        raise Http404
    return post


@login_required
@require_POST
def post_remove(request: HttpRequest, post_id: int) -> HttpResponse:
    post = _moderated_post(request, post_id)
    form = RemoveForm(request.POST)
    if form.is_valid():
        services.post_remove(post=post, actor=request.user, reason=form.cleaned_data["reason"])
        messages.success(request, _("Fjernet."))
    else:
        messages.error(request, _("Skriv en grund."))
    return redirect("community:space", space_id=post.space_id)


def _talk_step(request: HttpRequest, post_id: int, form_class: Any, step: Any) -> HttpResponse:
    """Frame or close a Talk it out thread: a moderator's form, one service call, back to it."""
    post = _moderated_post(request, post_id)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            step(post=post, actor=request.user, **form.cleaned_data)
        except (LimitError, services.CommunityError) as exc:
            messages.error(request, exc.message)
    return redirect("community:post", post_id=post.pk)


@login_required
@require_POST
def talk_frame(request: HttpRequest, post_id: int) -> HttpResponse:
    return _talk_step(request, post_id, FramingForm, services.talk_frame)


@login_required
@require_POST
def talk_close(request: HttpRequest, post_id: int) -> HttpResponse:
    return _talk_step(request, post_id, CloseTalkForm, services.talk_close)


@login_required
def talk_search(request: HttpRequest) -> HttpResponse:
    permissions.space_membership_sync(user=request.user)
    form = SearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    results = selectors.talk_search(viewer=request.user, query=query)
    return render(
        request, "community/talk_search.html", {"form": form, "results": results, "q": query}
    )
