"""HTML views for journeys: parse, call one service or selector, render. Work without JavaScript.

Every page is for the logged-in user's own data: progress and reflections are always read
through selectors filtered on `request.user`, and another youth's ids give 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.web import content_language
from journeys import selectors, services, similarity
from journeys.forms import QuizForm, ReflectionForm
from journeys.models import Journey, JourneyProgress, Step, text_in
from journeys.services import JourneyError


def _journey_or_404(slug: str) -> Journey:
    journey = selectors.journey_get_published(slug=slug)
    if journey is None:
        raise Http404
    return journey


def _step_or_404(journey: Journey, key: str) -> Step:
    step = journey.steps.filter(key=key, is_retired=False).first()
    if step is None:
        raise Http404
    return step


def _toolkit_save_url() -> str | None:
    """The toolkit's "save from journey" URL, when the toolkit app provides it."""
    try:
        return reverse("toolkit:strategy_save_from_journey")
    except NoReverseMatch:
        return None


@login_required
def journey_list(request: HttpRequest) -> HttpResponse:
    language = content_language()
    journeys = selectors.journeys_for_user(user=request.user)
    progress = selectors.progress_for_youth(youth=request.user)
    rows = [
        {
            "journey": journey,
            "title": journey.title_in(language),
            "summary": journey.summary_in(language),
            "progress": progress.get(journey.pk),
        }
        for journey in journeys
    ]
    in_progress = [
        row
        for row in rows
        if isinstance(row["progress"], JourneyProgress) and row["progress"].completed_at is None
    ]
    suggestions = [
        {
            "item": item,
            "title": item.journey.title_in(language),
            "step_title": item.step.title_in(language) if item.step else "",
        }
        for item in selectors.suggestions_for_youth(youth=request.user)
    ]
    return render(
        request,
        "journeys/list.html",
        {"rows": rows, "in_progress": in_progress, "suggestions": suggestions},
    )


@login_required
def journey_detail(request: HttpRequest, slug: str) -> HttpResponse:
    journey = _journey_or_404(slug)
    language = content_language()
    services.suggestions_mark_seen(youth=request.user, journey=journey)
    progress = selectors.progress_get(youth=request.user, journey=journey)
    steps = selectors.steps_active(journey=journey)
    done = selectors.completed_step_ids(youth=request.user, journey=journey)
    resume = selectors.step_to_resume(youth=request.user, journey=journey) if progress else None
    return render(
        request,
        "journeys/detail.html",
        {
            "journey": journey,
            "title": journey.title_in(language),
            "summary": journey.summary_in(language),
            "about": journey.about_in(language),
            "progress": progress,
            "resume": resume,
            "steps": [
                {"step": step, "title": step.title_in(language), "done": step.pk in done}
                for step in steps
            ],
        },
    )


@login_required
@require_POST
def journey_start(request: HttpRequest, slug: str) -> HttpResponse:
    journey = _journey_or_404(slug)
    similarity.encoder_warm_in_background()  # ready for the recommendations at the end
    progress = services.journey_start(youth=request.user, journey=journey)
    if progress.completed_at is not None:  # taking it again: from the top
        steps = selectors.steps_active(journey=journey)
        step = steps[0] if steps else None
    else:
        step = selectors.step_to_resume(youth=request.user, journey=journey)
    if step is None:
        raise Http404
    return redirect("journeys:step", slug=journey.slug, key=step.key)


def _step_context(request: HttpRequest, journey: Journey, step: Step) -> dict[str, Any]:
    language = content_language()
    steps = selectors.steps_active(journey=journey)
    position = next(i for i, s in enumerate(steps) if s.pk == step.pk) + 1
    done = selectors.completed_step_ids(youth=request.user, journey=journey)
    previous = steps[position - 2] if position > 1 else None
    following = steps[position] if position < len(steps) else None
    data = step.data
    context: dict[str, Any] = {
        "journey": journey,
        "journey_title": journey.title_in(language),
        "step": step,
        "title": step.title_in(language),
        "body": step.body_in(language),
        "position": position,
        "total": len(steps),
        "done_count": len(done & {s.pk for s in steps}),
        "is_done": step.pk in done,
        "previous": previous,
        "following": following,
    }
    if step.kind == Step.Kind.EXERCISE:
        context["instructions"] = [text_in(item, language) for item in data["instructions"]]
        context["timer_seconds"] = data.get("timer_seconds")
    elif step.kind == Step.Kind.REFLECTION:
        context["prompt"] = text_in(data["prompt"], language)
        context["reflection"] = selectors.reflection_get_for_youth(youth=request.user, step=step)
    elif step.kind == Step.Kind.TRY_IT:
        strategy = data["strategy"]
        context["action"] = text_in(data["action"], language)
        context["strategy_title"] = text_in(strategy["title"], language)
        context["strategy_steps"] = [text_in(item, language) for item in strategy["steps"]]
        context["toolkit_save_url"] = _toolkit_save_url()
    elif step.kind == Step.Kind.PSYCHOEDUCATION:
        context["illustration"] = data.get("illustration")
    return context


def _quiz_results(step: Step, answers: list[int | None], language: str) -> list[dict[str, Any]]:
    results = services.quiz_grade(step=step, answers=answers)
    rows = []
    for result, question in zip(results, step.data["questions"], strict=True):
        options = question["options"]
        rows.append(
            {
                "question": text_in(question["question"], language),
                "chosen": text_in(options[result.chosen]["text"], language)
                if result.chosen is not None and 0 <= result.chosen < len(options)
                else "",
                "correct": text_in(options[result.correct]["text"], language),
                "is_correct": result.is_correct,
                "explanation": text_in(question["explanation"], language),
            }
        )
    return rows


def _after_step(journey: Journey, next_step: Step | None) -> HttpResponse:
    if next_step is None:
        return redirect("journeys:done", slug=journey.slug)
    return redirect("journeys:step", slug=journey.slug, key=next_step.key)


@login_required
@require_http_methods(["GET", "POST"])
def step_view(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    journey = _journey_or_404(slug)
    step = _step_or_404(journey, key)
    language = content_language()
    status = 200
    reflection_form: ReflectionForm | None = None
    quiz_form: QuizForm | None = None
    if request.method == "POST":
        if step.kind == Step.Kind.REFLECTION:
            reflection_form = ReflectionForm(request.POST)
            if reflection_form.is_valid():
                try:
                    services.reflection_save(
                        youth=request.user, step=step, body=reflection_form.cleaned_data["body"]
                    )
                except JourneyError as exc:
                    reflection_form.add_error("body", exc.message)
                    status = 400
                else:
                    services.step_complete(youth=request.user, step=step)
                    messages.success(request, _("Din refleksion er gemt. Kun du kan se den."))
                    return redirect("journeys:step", slug=journey.slug, key=step.key)
            else:
                status = 400
        elif step.kind == Step.Kind.QUIZ:
            quiz_form = QuizForm(request.POST, step=step, language=language)
            if quiz_form.is_valid():
                services.step_complete(
                    youth=request.user, step=step, quiz_answers=quiz_form.answers()
                )
                return redirect("journeys:step", slug=journey.slug, key=step.key)
            status = 400
        else:
            next_step = services.step_complete(youth=request.user, step=step)
            return _after_step(journey, next_step)
    else:
        services.progress_move_to(youth=request.user, step=step)
        services.suggestions_mark_seen(youth=request.user, journey=journey)
    context = _step_context(request, journey, step)
    if step.kind == Step.Kind.REFLECTION:
        reflection = context["reflection"]
        context["form"] = reflection_form or ReflectionForm(
            initial={"body": reflection.body if reflection else ""}
        )
    elif step.kind == Step.Kind.QUIZ:
        completion = selectors.completion_get(youth=request.user, step=step)
        if quiz_form is None and completion is not None and completion.quiz_answers:
            context["quiz_results"] = _quiz_results(step, completion.quiz_answers, language)
        context["form"] = quiz_form or QuizForm(step=step, language=language)
    return render(request, "journeys/step.html", context, status=status)


@login_required
@require_POST
def step_next(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    """Move on from a reflection or quiz step that is already saved."""
    journey = _journey_or_404(slug)
    step = _step_or_404(journey, key)
    if selectors.completion_get(youth=request.user, step=step) is None:
        messages.info(request, _("Du kan springe over og komme tilbage senere."))
        services.step_complete(youth=request.user, step=step)
    steps = selectors.steps_active(journey=journey)
    later = [s for s in steps if s.order > step.order]
    next_step = later[0] if later else None
    if next_step is not None:
        services.progress_move_to(youth=request.user, step=next_step)
    return _after_step(journey, next_step)


@login_required
def journey_done(request: HttpRequest, slug: str) -> HttpResponse:
    journey = _journey_or_404(slug)
    language = content_language()
    progress = selectors.progress_get(youth=request.user, journey=journey)
    if progress is None:
        return redirect("journeys:detail", slug=journey.slug)
    recommendations = similarity.recommendations_for(
        youth=request.user, language=language, exclude=[journey]
    )
    return render(
        request,
        "journeys/done.html",
        {
            "journey": journey,
            "title": journey.title_in(language),
            "progress": progress,
            "recommendations": [
                {
                    "rec": rec,
                    "title": rec.journey.title_in(language),
                    "summary": rec.journey.summary_in(language),
                }
                for rec in recommendations
            ],
        },
    )


@login_required
def reflection_list(request: HttpRequest) -> HttpResponse:
    language = content_language()
    rows = [
        {
            "reflection": reflection,
            "journey_title": reflection.step.journey.title_in(language),
            "step_title": reflection.step.title_in(language),
        }
        for reflection in selectors.reflections_for_youth(youth=request.user)
    ]
    return render(request, "journeys/reflections.html", {"rows": rows})


@login_required
def reflection_detail(request: HttpRequest, reflection_id: int) -> HttpResponse:
    reflection = selectors.reflection_get_owned(youth=request.user, reflection_id=reflection_id)
    if reflection is None:
        raise Http404
    language = content_language()
    return render(
        request,
        "journeys/reflection_detail.html",
        {
            "reflection": reflection,
            "journey_title": reflection.step.journey.title_in(language),
            "step_title": reflection.step.title_in(language),
            "prompt": text_in(reflection.step.data.get("prompt"), language),
        },
    )
