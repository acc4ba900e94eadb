"""The loader refuses broken content with file and line, and reloads idempotently by version."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from journeys import selectors, services
from journeys.models import Journey, Step, StepCompletion
from journeys.services import ContentInvalid
from journeys.validation import parse_file

FILE = "her-og-nu.yaml"


def _edit(directory: Path, old: str, new: str, *, count: int = 1) -> str:
    path = directory / FILE
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    text = text.replace(old, new, count)
    path.write_text(text, encoding="utf-8")
    return text


def _line_of(text: str, marker: str) -> int:
    """1-based line of the first line containing `marker`."""
    return next(i for i, line in enumerate(text.splitlines(), start=1) if marker in line)


def _problems(directory: Path) -> list[str]:
    with pytest.raises(ContentInvalid) as caught:
        services.journeys_load(directory=directory)
    return [str(problem) for problem in caught.value.problems]


def test_real_content_is_valid() -> None:
    # given the committed content / when each file is parsed
    content = Path(__file__).resolve().parents[2] / "journeys" / "content"
    files = sorted(content.glob("*.yaml"))
    # then all ten journeys pass the one validator
    assert len(files) >= 10
    for path in files:
        data, problems = parse_file(path)
        assert problems == [], problems
        assert data is not None


@pytest.mark.django_db
def test_broken_yaml_names_file_and_line(content_copy: Path) -> None:
    text = _edit(content_copy, "estimated_minutes: 15\n", "estimated_minutes: [15\n")
    problems = _problems(content_copy)
    assert len(problems) == 1
    assert problems[0].startswith(f"{FILE}:")
    assert "broken YAML" in problems[0]
    line = int(problems[0].split(":")[1])
    # the parser reports where it gave up: at or just after the unclosed bracket
    assert _line_of(text, "estimated_minutes: [15") <= line <= _line_of(text, "basis:")
    assert Journey.objects.count() == 0  # nothing loaded from any file


@pytest.mark.django_db
def test_missing_translation_names_file_and_line(content_copy: Path) -> None:
    old = '  en: "Here and now \u2013 find your footing when everything is spinning"\n'
    text = _edit(content_copy, old, "")
    problems = _problems(content_copy)
    line = _line_of(text, '  da: "Her og nu')
    expected = f"{FILE}:{line}: title: missing translation ['en']"
    assert expected in problems


@pytest.mark.django_db
def test_empty_translation_is_refused(content_copy: Path) -> None:
    old = '      en: "Calm breathing"'
    text = _edit(content_copy, old, '      en: ""')
    problems = _problems(content_copy)
    line = _line_of(text, '      en: ""')
    assert f"{FILE}:{line}: steps[3].title.en: empty or not text" in problems


@pytest.mark.django_db
def test_unknown_step_kind_names_file_and_line(content_copy: Path) -> None:
    text = _edit(content_copy, "kind: quiz", "kind: video")
    problems = _problems(content_copy)
    assert f"{FILE}:{_line_of(text, 'kind: video')}: steps[4]: unknown step kind 'video'" in (
        problems
    )


@pytest.mark.django_db
def test_unknown_top_level_key_names_file_and_line(content_copy: Path) -> None:
    text = _edit(content_copy, "basis: mindfulness\n", "basis: mindfulness\nauthor: someone\n")
    problems = _problems(content_copy)
    assert f"{FILE}:{_line_of(text, 'author: someone')}: journey: unknown key 'author'" in problems


@pytest.mark.django_db
def test_unknown_step_key_names_file_and_line(content_copy: Path) -> None:
    text = _edit(
        content_copy, "    timer_seconds: 180\n", "    timer_seconds: 180\n    video: x.mp4\n"
    )
    problems = _problems(content_copy)
    assert f"{FILE}:{_line_of(text, 'video: x.mp4')}: steps[2]: unknown key 'video'" in problems


@pytest.mark.django_db
def test_quiz_with_two_correct_answers_is_refused(content_copy: Path) -> None:
    text = _edit(content_copy, "correct: false", "correct: true")
    problems = _problems(content_copy)
    options_line = _line_of(text, "        options:")
    assert (
        f"{FILE}:{options_line}: steps[4].questions[0]: 2 correct options, exactly 1 required"
        in problems
    )


@pytest.mark.django_db
def test_quiz_answer_that_is_not_a_bool_is_refused(content_copy: Path) -> None:
    text = _edit(content_copy, "correct: false", 'correct: "nej"')
    problems = _problems(content_copy)
    line = _line_of(text, 'correct: "nej"')
    assert f"{FILE}:{line}: steps[4].questions[0].options[0].correct: must be true or false" in (
        problems
    )


@pytest.mark.django_db
def test_timer_out_of_range_is_refused(content_copy: Path) -> None:
    text = _edit(content_copy, "timer_seconds: 180", "timer_seconds: 5")
    problems = _problems(content_copy)
    assert any(p.startswith(f"{FILE}:{_line_of(text, 'timer_seconds: 5')}: ") for p in problems)


@pytest.mark.django_db
def test_duplicate_key_names_file_and_line(content_copy: Path) -> None:
    text = _edit(content_copy, "version: 1\n", "version: 1\nversion: 2\n")
    problems = _problems(content_copy)
    assert problems == [f"{FILE}:{_line_of(text, 'version: 2')}: key 'version' appears twice"]


@pytest.mark.django_db
def test_diagnostic_word_in_danish_is_refused(content_copy: Path) -> None:
    text = _edit(content_copy, "Velkommen", "Velkommen til angst")
    problems = _problems(content_copy)
    assert any(
        p.startswith(f"{FILE}:{_line_of(text, 'Velkommen til angst')}:") and "diagnostic" in p
        for p in problems
    )


@pytest.mark.django_db
def test_command_refuses_with_file_and_line(content_copy: Path) -> None:
    text = _edit(content_copy, "kind: quiz", "kind: video")
    err = StringIO()
    with pytest.raises(CommandError, match="nothing was loaded"):
        call_command("load_journeys", "--path", str(content_copy), stderr=err)
    assert f"{FILE}:{_line_of(text, 'kind: video')}:" in err.getvalue()


@pytest.mark.django_db
def test_dry_run_writes_nothing(content_copy: Path) -> None:
    out = StringIO()
    call_command("load_journeys", "--path", str(content_copy), "--dry-run", stdout=out)
    assert "dry run" in out.getvalue()
    assert Journey.objects.count() == 0


@pytest.mark.django_db
def test_reload_is_idempotent(content_copy: Path) -> None:
    first = services.journeys_load(directory=content_copy)
    steps_before = list(Step.objects.order_by("pk").values_list("pk", "key", "order"))
    second = services.journeys_load(directory=content_copy)
    assert len(first.created) == 10
    assert second.created == [] and second.updated == []
    assert len(second.unchanged) == 10
    assert list(Step.objects.order_by("pk").values_list("pk", "key", "order")) == steps_before


@pytest.mark.django_db
def test_new_version_updates_text_and_keeps_progress(content_copy: Path, youth: User) -> None:
    # given a youth who did two steps of version 1
    services.journeys_load(directory=content_copy)
    journey = Journey.objects.get(slug="her-og-nu")
    steps = selectors.steps_active(journey=journey)
    services.step_complete(youth=youth, step=steps[0])
    services.step_complete(youth=youth, step=steps[1])
    # when version 2 changes a title and drops the breathing step
    path = content_copy / FILE
    text = path.read_text(encoding="utf-8").replace("version: 1", "version: 2")
    text = text.replace('da: "Velkommen"', 'da: "Velkommen til rejsen"')
    start = text.index("  - key: rolig-vejrtraekning")
    end = text.index("  - key: quiz-mindfulness")
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    report = services.journeys_load(directory=content_copy)
    # then the text is updated, progress survives and the removed step is retired, not deleted
    assert report.updated == ["her-og-nu"]
    assert report.retired_steps == ["her-og-nu/rolig-vejrtraekning"]
    journey.refresh_from_db()
    assert journey.version == 2
    first = Step.objects.get(journey=journey, key="velkommen")
    assert first.title["da"] == "Velkommen til rejsen"
    assert first.pk == steps[0].pk
    assert StepCompletion.objects.filter(youth=youth).count() == 2
    active = [step.key for step in selectors.steps_active(journey=journey)]
    assert "rolig-vejrtraekning" not in active
    assert Step.objects.get(journey=journey, key="rolig-vejrtraekning").is_retired


@pytest.mark.django_db
def test_older_file_does_not_overwrite_newer_text(content_copy: Path) -> None:
    services.journeys_load(directory=content_copy)
    Journey.objects.filter(slug="her-og-nu").update(version=5, title={"da": "Ny", "en": "New"})
    report = services.journeys_load(directory=content_copy)
    assert "her-og-nu" in report.unchanged
    assert Journey.objects.get(slug="her-og-nu").title == {"da": "Ny", "en": "New"}


@pytest.mark.django_db
def test_admin_step_validation_uses_the_same_rules(content: dict[str, Journey]) -> None:
    from django.core.exceptions import ValidationError

    step = Step.objects.get(journey=content["her-og-nu"], key="quiz-mindfulness")
    step.data["questions"][0]["options"][0]["correct"] = True
    with pytest.raises(ValidationError, match="2 correct options"):
        step.full_clean()
