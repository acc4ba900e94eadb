"""Stand-alone check of journeys/content/*.yaml for content authors (no Django needed).

Runs the same validator as `manage.py load_journeys` (journeys/validation.py), so a file that
passes here loads there. Every problem names the file and line.
Run: .venv/bin/python journeys/content/check_content.py [directory]
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from journeys.validation import validate_directory


def main(directory: str) -> int:
    """Check all files in a directory; exit status 1 on any problem."""
    journeys, problems = validate_directory(Path(directory))
    for problem in problems:
        sys.stdout.write(f"{problem}\n")
    topics = Counter(str(journey["topic"]) for journey in journeys)
    sys.stdout.write(
        f"{len(journeys)} valid files, {len(problems)} problems, topics: {sorted(topics)}\n"
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "journeys/content"))
