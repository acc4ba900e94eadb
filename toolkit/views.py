"""Toolkit pages: parse, one service or selector call, render. Youth pages are 404 for others."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import User
from accounts.web import content_language, youth_required
from toolkit import access_audit, charts, permissions, selectors, services
from toolkit.forms import (
    CheckInForm,
    MoodAfterForm,
    MoodBeforeForm,
    SafetyPlanSectionForm,
    StrategyForm,
    Who5Form,
)
from toolkit.models import SafetyPlan, SafetyPlanSection, Strategy, Who5Response, Who5Timepoint
from toolkit.who5 import BAND_MESSAGES, STEM, Band, who5_score

View = TypeVar("View", bound=Callable[..., HttpResponse])


def _youth(request: HttpRequest) -> User:
    return cast(User, request.user)


def _strategy_view(strategy: Strategy, language: str) -> dict[str, Any]:
    return {
        "obj": strategy,
        "title": strategy.title_in(language),
        "steps": strategy.steps_in(language),
    }


@youth_required
def toolkit_home(request: HttpRequest) -> HttpResponse:
    youth = _youth(request)
    language = content_language()
    strategies = [
        _strategy_view(s, language) for s in selectors.strategy_list_for_youth(youth=youth)
    ]
    helped = selectors.what_helped(youth=youth)
    for row in helped:
        row.strategy.display_title = row.strategy.title_in(language)  # type: ignore[attr-defined]
    return render(
        request,
        "toolkit/home.html",
        {
            "strategies": strategies,
            "helped_bars": charts.helped_bars(helped),
            "checkin_today": selectors.checkin_for_day(youth=youth),
            "who5_due": selectors.who5_due_for(youth=youth),
        },
    )


@youth_required
@require_http_methods(["GET", "POST"])
def strategy_create(request: HttpRequest) -> HttpResponse:
    form = StrategyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.strategy_create_own(
                youth=_youth(request),
                title=form.cleaned_data["title"],
                steps=form.cleaned_data["steps"],
                language=content_language(),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Strategien er gemt i din værktøjskasse."))
            return redirect("toolkit:home")
    return render(request, "toolkit/strategy_form.html", {"form": form, "editing": False})


@youth_required
@require_http_methods(["GET", "POST"])
def strategy_edit(request: HttpRequest, strategy_id: int) -> HttpResponse:
    strategy = selectors.access_strategy(youth=_youth(request), strategy_id=strategy_id)
    if strategy.source != Strategy.Source.OWN:
        raise Http404
    language = content_language()
    initial = {
        "title": strategy.title_in(language),
        "steps": "\n".join(strategy.steps_in(language)),
    }
    form = StrategyForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.strategy_update_own(
                strategy=strategy,
                title=form.cleaned_data["title"],
                steps=form.cleaned_data["steps"],
                language=language,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Strategien er opdateret."))
            return redirect("toolkit:home")
    return render(
        request,
        "toolkit/strategy_form.html",
        {"form": form, "editing": True, "strategy": strategy},
    )


@youth_required
@require_http_methods(["GET", "POST"])
def strategy_delete(request: HttpRequest, strategy_id: int) -> HttpResponse:
    strategy = selectors.access_strategy(youth=_youth(request), strategy_id=strategy_id)
    if request.method == "POST":
        services.strategy_delete(strategy=strategy)
        messages.success(request, _("Strategien er slettet."))
        return redirect("toolkit:home")
    return render(
        request,
        "toolkit/strategy_delete.html",
        {"strategy": strategy, "title": strategy.title_in(content_language())},
    )


@youth_required
@require_POST
def strategy_favourite(request: HttpRequest, strategy_id: int) -> HttpResponse:
    strategy = selectors.access_strategy(youth=_youth(request), strategy_id=strategy_id)
    services.strategy_favourite_set(
        strategy=strategy, favourite=request.POST.get("favourite") == "1"
    )
    return redirect("toolkit:home")


def _safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


@youth_required
@require_POST
def strategy_save_from_journey(request: HttpRequest) -> HttpResponse:
    """POST journey_slug + step_key (+ optional next). Saving twice keeps one strategy."""
    slug = request.POST.get("journey_slug", "")[:80]
    step_key = request.POST.get("step_key", "")[:80]
    if not slug or not step_key:
        raise Http404
    try:
        _strategy, created = services.strategy_save_from_journey(
            youth=_youth(request), journey_slug=slug, step_key=step_key
        )
    except services.JourneyStrategyNotFound:
        raise Http404 from None
    if created:
        messages.success(request, _("Gemt i din værktøjskasse."))
    else:
        messages.info(request, _("Den ligger allerede i din værktøjskasse."))
    return HttpResponseRedirect(_safe_next(request, reverse("toolkit:home")))


@youth_required
@require_http_methods(["GET", "POST"])
def strategy_use_start(request: HttpRequest, strategy_id: int) -> HttpResponse:
    """ "Brug nu", first page: how do you feel right now? Then one step per page."""
    strategy = selectors.access_strategy(youth=_youth(request), strategy_id=strategy_id)
    form = MoodBeforeForm(request.POST or None, initial={"mood_before": 5})
    if request.method == "POST" and form.is_valid():
        use = services.strategy_use_start(
            strategy=strategy, mood_before=form.cleaned_data["mood_before"]
        )
        return redirect(f"{reverse('toolkit:strategy_use_step', args=[use.pk])}?trin=1")
    return render(
        request,
        "toolkit/use_start.html",
        {"strategy": _strategy_view(strategy, content_language()), "form": form},
    )


@youth_required
@require_http_methods(["GET", "POST"])
def strategy_use_step(request: HttpRequest, use_id: int) -> HttpResponse:
    """One step at a time (?trin=n, works without JS); the last page asks for mood after."""
    use = selectors.access_strategy_use(youth=_youth(request), use_id=use_id)
    steps = use.strategy.steps_in(content_language())
    form = MoodAfterForm(request.POST or None, initial={"mood_after": use.mood_before})
    if request.method == "POST":
        if form.is_valid():
            services.strategy_use_finish(use=use, mood_after=form.cleaned_data["mood_after"])
            messages.success(request, _("Godt gået. Det er gemt, så du kan se, hvad der hjælper."))
            return redirect("toolkit:home")
        number = len(steps) + 1
    else:
        try:
            number = int(request.GET.get("trin", "1"))
        except ValueError:
            number = 1
        number = max(1, min(number, len(steps) + 1))
    return render(
        request,
        "toolkit/use_step.html",
        {
            "use": use,
            "strategy": _strategy_view(use.strategy, content_language()),
            "steps": steps,
            "number": number,
            "step_text": steps[number - 1] if number <= len(steps) else None,
            "total": len(steps),
            "is_done_page": number > len(steps),
            "form": form,
        },
    )


# --- Safety plan -------------------------------------------------------------------------------


# Prompts under each heading: plain words, supportive, and no detail about any method of harm.
SECTION_HINTS = {
    SafetyPlanSection.WARNING_SIGNS: gettext_lazy(
        "Tanker, følelser, situationer eller ting, du gør, som fortæller dig, at en svær tid er "
        "på vej."
    ),
    SafetyPlanSection.SELF_COPING: gettext_lazy(
        "Ting, du kan gøre alene for at få det lidt bedre, fx gå en tur, høre musik eller bruge "
        "en strategi fra din værktøjskasse."
    ),
    SafetyPlanSection.DISTRACTIONS: gettext_lazy(
        "Mennesker du kan være sammen med, og steder du kan tage hen, som giver dig en pause fra "
        "tankerne."
    ),
    SafetyPlanSection.HELPERS: gettext_lazy(
        "Mennesker du stoler på og kan fortælle, at du har det svært, fx en ven, en forælder, en "
        "lærer eller en anden voksen. Skriv gerne et nummer ved hver."
    ),
    SafetyPlanSection.PROFESSIONALS: gettext_lazy(
        "Kriselinjerne står her altid. Tilføj gerne din behandler, din læge eller andre fagfolk."
    ),
    SafetyPlanSection.SAFE_SURROUNDINGS: gettext_lazy(
        "Små skridt, der gør det tryggere omkring dig, når det er svært, fx at være sammen med "
        "andre, eller at bede en, du stoler på, om hjælp til at gøre dit hjem til et trygt sted."
    ),
}


def _plan_sections(plan: SafetyPlan | None) -> list[dict[str, Any]]:
    return [
        {
            "key": section.value,
            "number": index + 1,
            "label": section.label,
            "hint": SECTION_HINTS[section],
            "items": plan.items(section.value) if plan else [],
        }
        for index, section in enumerate(SafetyPlanSection)
    ]


@youth_required
def safety_plan(request: HttpRequest) -> HttpResponse:
    youth = _youth(request)
    plan = services.safety_plan_get_or_create(youth=youth)
    return render(
        request,
        "toolkit/safety_plan.html",
        {
            "plan": plan,
            "sections": _plan_sections(plan),
            "shared_with_count": len(permissions.safety_plan_clinician_ids(plan=plan)),
            "owner_view": True,
        },
    )


@youth_required
@require_http_methods(["GET", "POST"])
def safety_plan_section_edit(request: HttpRequest, section: str) -> HttpResponse:
    if section not in SafetyPlanSection.values:
        raise Http404
    youth = _youth(request)
    plan = services.safety_plan_get_or_create(youth=youth)
    form = SafetyPlanSectionForm(
        request.POST or None, initial={"items": "\n".join(plan.items(section))}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.safety_plan_section_save(
                youth=youth, section=section, items=form.cleaned_data["items"]
            )
        except ValidationError as exc:
            form.add_error("items", exc)
        else:
            messages.success(request, _("Din sikkerhedsplan er gemt."))
            return redirect(f"{reverse('toolkit:safety_plan')}#{section}")
    return render(
        request,
        "toolkit/safety_plan_section.html",
        {
            "form": form,
            "section": SafetyPlanSection(section),
            "hint": SECTION_HINTS[SafetyPlanSection(section)],
            "is_professionals": section == SafetyPlanSection.PROFESSIONALS,
        },
    )


@youth_required
def safety_plan_versions(request: HttpRequest) -> HttpResponse:
    plan = services.safety_plan_get_or_create(youth=_youth(request))
    return render(request, "toolkit/safety_plan_versions.html", {"versions": plan.versions.all()})


@youth_required
def safety_plan_version(request: HttpRequest, version: int) -> HttpResponse:
    plan = services.safety_plan_get_or_create(youth=_youth(request))
    found = plan.versions.filter(version=version).first()
    if found is None:
        raise Http404
    snapshot = SafetyPlan(owner=plan.owner, sections=found.sections, version=found.version)
    return render(
        request,
        "toolkit/safety_plan.html",
        {
            "plan": snapshot,
            "sections": _plan_sections(snapshot),
            "owner_view": False,
            "old_version": found,
        },
    )


@login_required
def safety_plan_for_clinician(request: HttpRequest, youth_id: int) -> HttpResponse:
    """A linked clinician's read-only view; 404 unless the youth shares the toolkit scope."""
    viewer = cast(User, request.user)
    try:
        plan = permissions.access_safety_plan_for_clinician(viewer, youth_id)
    except Http404:
        if not viewer.is_youth:  # staff asking for data they may not see
            access_audit.record_staff_access(
                viewer_id=viewer.pk,
                youth_id=youth_id,
                resource="safety_plan",
                object_id=None,
                granted=False,
            )
        raise
    access_audit.record_staff_access(
        viewer_id=viewer.pk,
        youth_id=youth_id,
        resource="safety_plan",
        object_id=plan.pk,
        granted=True,
    )
    return render(
        request,
        "toolkit/safety_plan.html",
        {"plan": plan, "sections": _plan_sections(plan), "owner_view": False, "clinician": True},
    )


# --- Check-ins and WHO-5 -----------------------------------------------------------------------


@youth_required
@require_http_methods(["GET", "POST"])
def checkin(request: HttpRequest) -> HttpResponse:
    """Today's mood check-in; saving again the same day updates it."""
    youth = _youth(request)
    today = selectors.checkin_for_day(youth=youth)
    initial = {"mood": today.mood, "word": today.word, "note": today.note} if today else {"mood": 5}
    form = CheckInForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.checkin_save(youth=youth, **form.cleaned_data)
        messages.success(request, _("Tak. Dit check-in for i dag er gemt."))
        return redirect("toolkit:trend")
    return render(request, "toolkit/checkin.html", {"form": form, "existing": today})


@youth_required
@require_http_methods(["GET", "POST"])
def who5(request: HttpRequest) -> HttpResponse:
    youth = _youth(request)
    timepoint = selectors.who5_due_for(youth=youth)
    if timepoint is None:
        messages.info(request, _("Du har ikke noget trivselsspørgeskema at udfylde lige nu."))
        return redirect("toolkit:trend")
    form = Who5Form(request.POST or None)
    if request.method == "POST" and form.is_valid():
        response = services.who5_submit(youth=youth, timepoint=timepoint, answers=form.answers())
        return redirect("toolkit:who5_result", response_id=response.pk)
    return render(
        request,
        "toolkit/who5.html",
        {
            "form": form,
            "stem": STEM[content_language()],
            "timepoint_label": Who5Timepoint(timepoint).label,
        },
    )


@youth_required
def who5_result(request: HttpRequest, response_id: int) -> HttpResponse:
    response = Who5Response.objects.filter(owner=_youth(request), pk=response_id).first()
    if response is None:
        raise Http404
    band = who5_score(response.answers).band
    return render(
        request,
        "toolkit/who5_result.html",
        {
            "response": response,
            "band": band.value,
            "message": BAND_MESSAGES[band],
            "show_crisis_lines": band == Band.VERY_LOW,
        },
    )


@youth_required
def trend(request: HttpRequest) -> HttpResponse:
    youth = _youth(request)
    checkins = selectors.checkin_trend(youth=youth, days=30)
    responses = selectors.who5_history(youth=youth)
    return render(
        request,
        "toolkit/trend.html",
        {
            "checkins": checkins,
            "mood_chart": charts.mood_trend_chart(checkins) if checkins else None,
            "who5_responses": responses,
            "who5_chart": charts.who5_trend_chart(responses) if responses else None,
            "who5_due": selectors.who5_due_for(youth=youth),
            "today": timezone.localdate(),
        },
    )
