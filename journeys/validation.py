"""The one validator for journey content files (schema 1), with file and line in every error.

Plain Python and PyYAML, no Django: the management command `load_journeys` and the authors'
script `journeys/content/check_content.py` both call `validate_file`, so the rules cannot drift.

Line numbers come from yaml's node marks: `_LineLoader` builds dicts and lists that remember
the line of each key and item, so an error points at the line an author must fix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

SCHEMA = 1
LANGUAGES = ("da", "en")
TOPICS = (
    "worry",
    "low_mood",
    "sleep",
    "mindfulness",
    "self_compassion",
    "values",
    "connection",
    "crisis",
)
BASES = (
    "cbt",
    "behavioural_activation",
    "mindfulness",
    "act",
    "compassion",
    "dbt_skills",
    "sleep_hygiene",
)
AGE_BANDS = ("12-14", "15-17", "18-25")
KINDS = ("psychoeducation", "exercise", "reflection", "quiz", "try_it")
FRAMES = ("status", "goal", "exercise", "homework")
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
TOP_KEYS = frozenset(
    {
        "schema",
        "slug",
        "version",
        "topic",
        "age_bands",
        "estimated_minutes",
        "basis",
        "title",
        "summary",
        "about",
        "steps",
    }
)
COMMON_STEP = frozenset({"key", "kind", "title", "body"})
KIND_REQUIRED: dict[str, frozenset[str]] = {
    "psychoeducation": frozenset(),
    "exercise": frozenset({"instructions"}),
    "reflection": frozenset({"prompt"}),
    "quiz": frozenset({"questions"}),
    "try_it": frozenset({"action", "strategy"}),
}
KIND_OPTIONAL: dict[str, frozenset[str]] = {
    "psychoeducation": frozenset({"illustration"}),
    "exercise": frozenset({"timer_seconds"}),
    "reflection": frozenset(),
    "quiz": frozenset(),
    "try_it": frozenset(),
}
TIMER_RANGE = (10, 1800)
INSTRUCTIONS_RANGE = (2, 8)
STRATEGY_STEPS_RANGE = (2, 10)  # the brief sets no limit; 2-10 keeps "brug nu" mode short
QUESTIONS_RANGE = (1, 3)
STEPS_RANGE = (5, 8)
# Youth-facing Danish text stays non-diagnostic (DOMAIN.md glossary: "bekymring", "tristhed").
BANNED_DA = re.compile(r"\b(angst\w*|depression\w*|deprimeret)\b", re.IGNORECASE)
SCREENING_NOTICE = {"da": "risikoscreening", "en": "risk screening"}


# --- YAML with line numbers --------------------------------------------------------------------
class LineDict(dict[str, Any]):
    """A mapping that remembers its own line and the line of each key (1-based)."""

    line: int = 0
    key_lines: dict[str, int]


class LineList(list[Any]):
    """A sequence that remembers its own line and the line of each item (1-based)."""

    line: int = 0
    item_lines: list[int]


class DuplicateKey(Exception):
    def __init__(self, key: str, line: int) -> None:
        super().__init__(key)
        self.key = key
        self.line = line


class _LineLoader(yaml.SafeLoader):
    """SafeLoader whose mappings and sequences carry the line numbers of their nodes."""

    def construct_line_mapping(self, node: yaml.MappingNode) -> LineDict:
        self.flatten_mapping(node)
        result = LineDict()
        result.line = node.start_mark.line + 1
        result.key_lines = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            key = str(key)
            if key in result:  # SafeLoader would silently keep the last one
                raise DuplicateKey(key, key_node.start_mark.line + 1)
            result[key] = self.construct_object(value_node, deep=True)
            result.key_lines[key] = key_node.start_mark.line + 1
        return result

    def construct_line_sequence(self, node: yaml.SequenceNode) -> LineList:
        result = LineList(self.construct_object(child, deep=True) for child in node.value)
        result.line = node.start_mark.line + 1
        result.item_lines = [child.start_mark.line + 1 for child in node.value]
        return result


_LineLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _LineLoader.construct_line_mapping,
)
_LineLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG,
    _LineLoader.construct_line_sequence,
)


def _line_of(container: Any, key: str | int | None = None) -> int:
    """The line of `container[key]` (or of the container itself), 0 when unknown."""
    if isinstance(container, LineDict):
        if isinstance(key, str) and key in container.key_lines:
            return container.key_lines[key]
        return container.line
    if isinstance(container, LineList):
        if isinstance(key, int) and 0 <= key < len(container.item_lines):
            return container.item_lines[key]
        return container.line
    return 0


# --- Errors ------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ContentProblem:
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class _Collector:
    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[ContentProblem] = []

    def add(self, line: int, message: str) -> None:
        self.problems.append(ContentProblem(self.file, line, message))


# --- Checks ------------------------------------------------------------------------------------
def _check_text(value: Any, where: str, line: int, out: _Collector) -> None:
    """Require exactly a non-empty {da, en} pair; flag diagnostic words in Danish."""
    if not isinstance(value, dict):
        out.add(line, f"{where}: must be a mapping with 'da' and 'en'")
        return
    missing = [lang for lang in LANGUAGES if lang not in value]
    extra = sorted(set(value) - set(LANGUAGES))
    if missing:
        out.add(_line_of(value) or line, f"{where}: missing translation {missing}")
    if extra:
        out.add(_line_of(value, extra[0]), f"{where}: unknown language key(s) {extra}")
    for lang in LANGUAGES:
        if lang not in value:
            continue
        text = value[lang]
        if not isinstance(text, str) or not text.strip():
            out.add(_line_of(value, lang), f"{where}.{lang}: empty or not text")
        elif lang == "da" and (banned := BANNED_DA.search(text)):
            out.add(_line_of(value, lang), f"{where}.da: diagnostic word {banned.group(0)!r}")


def _check_text_list(
    value: Any, where: str, line: int, out: _Collector, bounds: tuple[int, int]
) -> None:
    low, high = bounds
    if not isinstance(value, list) or not low <= len(value) <= high:
        out.add(line, f"{where}: must be a list of {low}-{high} items")
        return
    for index, item in enumerate(value):
        _check_text(item, f"{where}[{index}]", _line_of(value, index), out)


def _check_keys(
    mapping: dict[str, Any],
    *,
    required: frozenset[str],
    allowed: frozenset[str],
    where: str,
    out: _Collector,
) -> None:
    missing = sorted(required - set(mapping))
    if missing:
        out.add(_line_of(mapping), f"{where}: missing {missing}")
    for key in sorted(set(mapping) - allowed):
        out.add(_line_of(mapping, key), f"{where}: unknown key {key!r}")


def _check_quiz(step: dict[str, Any], where: str, out: _Collector) -> None:
    questions = step.get("questions")
    low, high = QUESTIONS_RANGE
    if not isinstance(questions, list) or not low <= len(questions) <= high:
        out.add(_line_of(step, "questions"), f"{where}.questions: {low}-{high} required")
        return
    question_keys = frozenset({"question", "options", "explanation"})
    for qi, question in enumerate(questions):
        qw = f"{where}.questions[{qi}]"
        qline = _line_of(questions, qi)
        if not isinstance(question, dict):
            out.add(qline, f"{qw}: must be a mapping")
            continue
        _check_keys(question, required=question_keys, allowed=question_keys, where=qw, out=out)
        _check_text(question.get("question"), f"{qw}.question", _line_of(question, "question"), out)
        _check_text(
            question.get("explanation"), f"{qw}.explanation", _line_of(question, "explanation"), out
        )
        options = question.get("options")
        if not isinstance(options, list) or len(options) < 2:
            out.add(_line_of(question, "options"), f"{qw}.options: at least 2 required")
            continue
        correct = 0
        option_keys = frozenset({"text", "correct"})
        for oi, option in enumerate(options):
            ow = f"{qw}.options[{oi}]"
            if not isinstance(option, dict):
                out.add(_line_of(options, oi), f"{ow}: must be a mapping")
                continue
            _check_keys(option, required=option_keys, allowed=option_keys, where=ow, out=out)
            _check_text(option.get("text"), f"{ow}.text", _line_of(option, "text"), out)
            if "correct" in option and type(option["correct"]) is not bool:
                out.add(_line_of(option, "correct"), f"{ow}.correct: must be true or false")
            correct += option.get("correct") is True
        if correct != 1:
            out.add(
                _line_of(question, "options"),
                f"{qw}: {correct} correct options, exactly 1 required",
            )


def _check_step(step: Any, where: str, line: int, out: _Collector) -> str | None:
    """Check one step's common and kind-specific fields; return its kind when known."""
    if not isinstance(step, dict):
        out.add(line, f"{where}: must be a mapping")
        return None
    kind = step.get("kind")
    if kind not in KINDS:
        out.add(_line_of(step, "kind"), f"{where}: unknown step kind {kind!r}")
        return None
    _check_keys(
        step,
        required=COMMON_STEP | KIND_REQUIRED[kind],
        allowed=COMMON_STEP | {"frame"} | KIND_REQUIRED[kind] | KIND_OPTIONAL[kind],
        where=where,
        out=out,
    )
    key = step.get("key")
    if "key" in step and not (isinstance(key, str) and SLUG.match(key)):
        out.add(_line_of(step, "key"), f"{where}: bad key {key!r} (lowercase words and '-')")
    if "frame" in step and step["frame"] not in FRAMES:
        out.add(_line_of(step, "frame"), f"{where}: unknown frame {step['frame']!r}")
    for field in ("title", "body"):
        if field in step:
            _check_text(step[field], f"{where}.{field}", _line_of(step, field), out)
    check_step_data(kind, step, where, out)
    return str(kind)


def check_step_data(kind: str, data: dict[str, Any], where: str, out: _Collector) -> None:
    """Kind-specific fields; also used by `Step.clean` for admin edits."""
    if kind == "psychoeducation":
        illustration = data.get("illustration")
        if illustration is not None and not (
            isinstance(illustration, str) and SLUG.match(illustration)
        ):
            out.add(_line_of(data, "illustration"), f"{where}: bad illustration {illustration!r}")
    elif kind == "exercise":
        _check_text_list(
            data.get("instructions"),
            f"{where}.instructions",
            _line_of(data, "instructions"),
            out,
            INSTRUCTIONS_RANGE,
        )
        timer = data.get("timer_seconds")
        low, high = TIMER_RANGE
        if "timer_seconds" in data and (type(timer) is not int or not low <= timer <= high):
            out.add(
                _line_of(data, "timer_seconds"),
                f"{where}: timer_seconds must be a whole number {low}-{high}, got {timer!r}",
            )
    elif kind == "reflection":
        _check_text(data.get("prompt"), f"{where}.prompt", _line_of(data, "prompt"), out)
    elif kind == "quiz":
        _check_quiz(data, where, out)
    elif kind == "try_it":
        _check_text(data.get("action"), f"{where}.action", _line_of(data, "action"), out)
        strategy = data.get("strategy")
        sline = _line_of(data, "strategy")
        if not isinstance(strategy, dict):
            out.add(sline, f"{where}.strategy: must be a mapping with title and steps")
            return
        keys = frozenset({"title", "steps"})
        _check_keys(strategy, required=keys, allowed=keys, where=f"{where}.strategy", out=out)
        _check_text(
            strategy.get("title"), f"{where}.strategy.title", _line_of(strategy, "title"), out
        )
        _check_text_list(
            strategy.get("steps"),
            f"{where}.strategy.steps",
            _line_of(strategy, "steps"),
            out,
            STRATEGY_STEPS_RANGE,
        )


def step_data_problems(kind: str, data: dict[str, Any]) -> list[str]:
    """Problems in a step's kind-specific data (no file, no lines): for admin validation."""
    if kind not in KINDS:
        return [f"unknown step kind {kind!r}"]
    out = _Collector("admin")
    allowed = KIND_REQUIRED[kind] | KIND_OPTIONAL[kind]
    for key in sorted(set(data) - allowed):
        out.add(0, f"unknown key {key!r} for kind {kind}")
    for key in sorted(KIND_REQUIRED[kind] - set(data)):
        out.add(0, f"missing {key!r} for kind {kind}")
    check_step_data(kind, data, "data", out)
    return [problem.message for problem in out.problems]


def text_problems(value: Any, where: str) -> list[str]:
    """Problems in one {da, en} text: for admin validation."""
    out = _Collector("admin")
    _check_text(value, where, 0, out)
    return [problem.message for problem in out.problems]


def _check_journey(data: dict[str, Any], stem: str, out: _Collector) -> None:
    _check_keys(data, required=TOP_KEYS, allowed=TOP_KEYS, where="journey", out=out)
    if "schema" in data and data["schema"] != SCHEMA:
        out.add(_line_of(data, "schema"), f"schema must be {SCHEMA}")
    slug = data.get("slug")
    if "slug" in data and (slug != stem or not SLUG.match(str(slug))):
        out.add(_line_of(data, "slug"), f"slug {slug!r} must equal the file name {stem!r}")
    version = data.get("version")
    if "version" in data and (type(version) is not int or version < 1):
        out.add(_line_of(data, "version"), f"version must be a positive whole number: {version!r}")
    if "topic" in data and data["topic"] not in TOPICS:
        out.add(_line_of(data, "topic"), f"unknown topic {data['topic']!r}")
    if "basis" in data and data["basis"] not in BASES:
        out.add(_line_of(data, "basis"), f"unknown basis {data['basis']!r}")
    bands = data.get("age_bands")
    if "age_bands" in data and (
        not isinstance(bands, list)
        or not bands
        or not set(bands) <= set(AGE_BANDS)
        or len(set(bands)) != len(bands)
    ):
        out.add(_line_of(data, "age_bands"), f"age_bands must be some of {AGE_BANDS}: {bands!r}")
    minutes = data.get("estimated_minutes")
    if "estimated_minutes" in data and (type(minutes) is not int or not 1 <= minutes <= 120):
        out.add(_line_of(data, "estimated_minutes"), f"estimated_minutes 1-120: {minutes!r}")
    for field in ("title", "summary", "about"):
        if field in data:
            _check_text(data[field], field, _line_of(data, field), out)
    steps = data.get("steps")
    low, high = STEPS_RANGE
    if not isinstance(steps, list) or not low <= len(steps) <= high:
        out.add(_line_of(data, "steps"), f"steps: {low}-{high} required")
        steps = steps if isinstance(steps, list) else []
    kinds: list[str] = []
    seen_keys: dict[str, int] = {}
    for index, step in enumerate(steps):
        line = _line_of(steps, index)
        kind = _check_step(step, f"steps[{index}]", line, out)
        if kind:
            kinds.append(kind)
        if isinstance(step, dict) and isinstance(step.get("key"), str):
            key = step["key"]
            if key in seen_keys:
                out.add(_line_of(step, "key"), f"steps[{index}]: key {key!r} used twice")
            seen_keys[key] = index
    steps_line = _line_of(data, "steps")
    if steps and "reflection" not in kinds:
        out.add(steps_line, "a journey needs a reflection step")
    if steps and not {"exercise", "quiz"} & set(kinds):
        out.add(steps_line, "a journey needs an exercise or a quiz step")
    if steps and "try_it" not in kinds:
        out.add(steps_line, "a journey needs a try_it step")
    first = steps[0] if steps and isinstance(steps[0], dict) else None
    body = first.get("body") if first else None
    if first is not None and isinstance(body, dict):
        for lang, phrase in SCREENING_NOTICE.items():
            if phrase not in str(body.get(lang, "")):
                out.add(
                    _line_of(first, "body"),
                    f"steps[0].body.{lang}: the first step must tell the youth about the "
                    f"risk screening of reflections (mention {phrase!r})",
                )


def parse_file(path: Path) -> tuple[dict[str, Any] | None, list[ContentProblem]]:
    """Parse and validate one journey file. Returns the data (None if unusable) and problems."""
    out = _Collector(path.name)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        out.add(0, f"cannot read the file: {exc}")
        return None, out.problems
    try:
        data = yaml.load(text, Loader=_LineLoader)  # noqa: S506 (a SafeLoader subclass)
    except DuplicateKey as exc:
        out.add(exc.line, f"key {exc.key!r} appears twice")
        return None, out.problems
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 0
        out.add(line, f"broken YAML: {exc.problem or exc.context}")
        return None, out.problems
    except yaml.YAMLError as exc:
        out.add(0, f"broken YAML: {exc}")
        return None, out.problems
    if not isinstance(data, dict):
        out.add(1, "a journey file must be a mapping")
        return None, out.problems
    _check_journey(data, path.stem, out)
    return data, out.problems


def validate_directory(directory: Path) -> tuple[list[dict[str, Any]], list[ContentProblem]]:
    """Parse every `*.yaml` in `directory`; return the journeys and all problems found."""
    journeys: list[dict[str, Any]] = []
    problems: list[ContentProblem] = []
    files = sorted(directory.glob("*.yaml"))
    if not files:
        problems.append(ContentProblem(str(directory), 0, "no *.yaml journey files found"))
    for path in files:
        data, found = parse_file(path)
        problems.extend(found)
        if data is not None and not found:
            journeys.append(data)
    return journeys, problems
