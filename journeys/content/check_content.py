"""Stand-alone check of journeys/content/*.yaml against schema 1.

Lets content authors catch schema mistakes before the Django loader sees the files.
Run: .venv/bin/python journeys/content/check_content.py [directory]
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import yaml

TOPICS = {
    "worry",
    "low_mood",
    "sleep",
    "mindfulness",
    "self_compassion",
    "values",
    "connection",
    "crisis",
}
BASES = {
    "cbt",
    "behavioural_activation",
    "mindfulness",
    "act",
    "compassion",
    "dbt_skills",
    "sleep_hygiene",
}
AGE_BANDS = {"12-14", "15-17", "18-25"}
KINDS = {"psychoeducation", "exercise", "reflection", "quiz", "try_it"}
FRAMES = {"status", "goal", "exercise", "homework"}
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
TOP_KEYS = {
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
COMMON_STEP = {"key", "kind", "title", "body"}
KIND_REQ = {
    "psychoeducation": set(),
    "exercise": {"instructions"},
    "reflection": {"prompt"},
    "quiz": {"questions"},
    "try_it": {"action", "strategy"},
}
KIND_OPT = {
    "psychoeducation": {"illustration"},
    "exercise": {"timer_seconds"},
    "reflection": set(),
    "quiz": set(),
    "try_it": set(),
}
# Words that must not appear in youth-facing Danish text (non-diagnostic rule).
BANNED_DA = re.compile(r"\b(angst\w*|depression\w*|deprimeret)\b", re.IGNORECASE)


def check_text(value: object, where: str, errors: list[str]) -> None:
    """Require a non-empty {da, en} pair; flag diagnostic words in Danish."""
    if not isinstance(value, dict) or set(value) != {"da", "en"}:
        errors.append(f"{where}: must be exactly {{da, en}}, got {value!r:.80}")
        return
    for lang in ("da", "en"):
        text = value[lang]
        if not isinstance(text, str) or not text.strip():
            errors.append(f"{where}.{lang}: empty or not a string")
    banned = BANNED_DA.search(value["da"]) if isinstance(value.get("da"), str) else None
    if banned:
        errors.append(f"{where}.da: diagnostic word {banned.group(0)!r}")


def check_text_list(value: object, where: str, errors: list[str], lo: int, hi: int) -> None:
    """Require a list of lo..hi bilingual texts."""
    if not isinstance(value, list) or not lo <= len(value) <= hi:
        errors.append(f"{where}: must be a list of {lo}-{hi} items")
        return
    for index, item in enumerate(value):
        check_text(item, f"{where}[{index}]", errors)


def check_step(step: object, where: str, errors: list[str]) -> str | None:
    """Check one step's common and kind-specific fields; return its kind."""
    if not isinstance(step, dict):
        errors.append(f"{where}: not a mapping")
        return None
    kind = step.get("kind")
    if kind not in KINDS:
        errors.append(f"{where}: unknown kind {kind!r}")
        return None
    allowed = COMMON_STEP | {"frame"} | KIND_REQ[kind] | KIND_OPT[kind]
    missing = (COMMON_STEP | KIND_REQ[kind]) - set(step)
    extra = set(step) - allowed
    if missing:
        errors.append(f"{where}: missing {sorted(missing)}")
    if extra:
        errors.append(f"{where}: unexpected {sorted(extra)}")
    if not isinstance(step.get("key"), str) or not SLUG.match(step["key"]):
        errors.append(f"{where}: bad key {step.get('key')!r}")
    if "frame" in step and step["frame"] not in FRAMES:
        errors.append(f"{where}: bad frame {step['frame']!r}")
    check_text(step.get("title"), f"{where}.title", errors)
    check_text(step.get("body"), f"{where}.body", errors)
    illustration = step.get("illustration")
    if (
        kind == "psychoeducation"
        and illustration is not None
        and not (isinstance(illustration, str) and SLUG.match(illustration))
    ):
        errors.append(f"{where}: bad illustration")
    if kind == "exercise":
        check_text_list(step.get("instructions"), f"{where}.instructions", errors, 2, 8)
        timer = step.get("timer_seconds")
        if "timer_seconds" in step and (type(timer) is not int or not 10 <= timer <= 1800):
            errors.append(f"{where}: bad timer_seconds {timer!r}")
    if kind == "reflection":
        check_text(step.get("prompt"), f"{where}.prompt", errors)
    if kind == "quiz":
        questions = step.get("questions")
        if not isinstance(questions, list) or not 1 <= len(questions) <= 3:
            errors.append(f"{where}.questions: 1-3 required")
            questions = []
        for qi, question in enumerate(questions):
            qw = f"{where}.questions[{qi}]"
            if not isinstance(question, dict) or set(question) != {
                "question",
                "options",
                "explanation",
            }:
                errors.append(f"{qw}: keys must be question, options, explanation")
                continue
            check_text(question["question"], f"{qw}.question", errors)
            check_text(question["explanation"], f"{qw}.explanation", errors)
            options = question["options"]
            if not isinstance(options, list) or len(options) < 2:
                errors.append(f"{qw}.options: at least 2 required")
                continue
            correct = 0
            for oi, option in enumerate(options):
                if not isinstance(option, dict) or set(option) != {"text", "correct"}:
                    errors.append(f"{qw}.options[{oi}]: keys must be text, correct")
                    continue
                check_text(option["text"], f"{qw}.options[{oi}].text", errors)
                if type(option["correct"]) is not bool:
                    errors.append(f"{qw}.options[{oi}].correct: not a bool")
                correct += option["correct"] is True
            if correct != 1:
                errors.append(f"{qw}: {correct} correct options, need exactly 1")
    if kind == "try_it":
        check_text(step.get("action"), f"{where}.action", errors)
        strategy = step.get("strategy")
        if not isinstance(strategy, dict) or set(strategy) != {"title", "steps"}:
            errors.append(f"{where}.strategy: keys must be title, steps")
        else:
            check_text(strategy["title"], f"{where}.strategy.title", errors)
            check_text_list(strategy["steps"], f"{where}.strategy.steps", errors, 2, 10)
    return kind


def validate(path: Path) -> list[str]:
    """Return every problem in one journey file, prefixed with the file name."""
    errors: list[str] = []
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        return [f"{path.name}: not a mapping"]
    if set(data) != TOP_KEYS:
        errors.append(
            f"top keys: missing {sorted(TOP_KEYS - set(data))}, "
            f"extra {sorted(set(data) - TOP_KEYS)}"
        )
    if data.get("schema") != 1:
        errors.append("schema must be 1")
    if data.get("slug") != path.stem or not SLUG.match(str(data.get("slug"))):
        errors.append(f"slug {data.get('slug')!r} must equal file stem {path.stem!r}")
    if type(data.get("version")) is not int or data["version"] < 1:
        errors.append("version must be a positive int")
    if data.get("topic") not in TOPICS:
        errors.append(f"bad topic {data.get('topic')!r}")
    if data.get("basis") not in BASES:
        errors.append(f"bad basis {data.get('basis')!r}")
    bands = data.get("age_bands")
    if (
        not isinstance(bands, list)
        or not bands
        or not set(bands) <= AGE_BANDS
        or len(set(bands)) != len(bands)
    ):
        errors.append(f"bad age_bands {bands!r}")
    minutes = data.get("estimated_minutes")
    if type(minutes) is not int or not 1 <= minutes <= 120:
        errors.append(f"bad estimated_minutes {minutes!r}")
    for field in ("title", "summary", "about"):
        check_text(data.get(field), field, errors)
    steps = data.get("steps")
    if not isinstance(steps, list) or not 5 <= len(steps) <= 8:
        errors.append("steps: need 5-8")
        steps = steps if isinstance(steps, list) else []
    kinds: list[str] = []
    keys: list[str] = []
    for index, step in enumerate(steps):
        kind = check_step(step, f"steps[{index}]", errors)
        if kind:
            kinds.append(kind)
        if isinstance(step, dict):
            keys.append(str(step.get("key")))
    if len(keys) != len(set(keys)):
        errors.append("step keys not unique")
    if "reflection" not in kinds:
        errors.append("needs a reflection step")
    if not {"exercise", "quiz"} & set(kinds):
        errors.append("needs an exercise or quiz step")
    if "try_it" not in kinds:
        errors.append("needs a try_it step")
    intro = steps[0] if steps and isinstance(steps[0], dict) else {}
    intro_body = intro.get("body", {}) if isinstance(intro.get("body"), dict) else {}
    if "risikoscreening" not in str(intro_body.get("da", "")) or "risk screening" not in str(
        intro_body.get("en", "")
    ):
        errors.append("first step must tell the youth about the risk screening of reflections")
    return [f"{path.name}: {error}" for error in errors]


def main(directory: str) -> int:
    """Check all files in a directory; exit status 1 on any error."""
    files = sorted(Path(directory).glob("*.yaml"))
    all_errors: list[str] = []
    for path in files:
        all_errors.extend(validate(path))
    for error in all_errors:
        sys.stdout.write(f"{error}\n")
    topics = sorted({yaml.safe_load(p.read_text())["topic"] for p in files})
    sys.stdout.write(f"{len(files)} files, {len(all_errors)} errors, topics: {topics}\n")
    return 1 if all_errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "journeys/content"))
