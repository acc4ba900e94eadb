"""Numbers for the server-rendered charts (inline SVG and HTML bars; no chart library).

Each chart also renders as a table, so a screen-reader user gets the same information.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from toolkit.models import DailyCheckIn, Who5Response
from toolkit.selectors import HelpedRow

WIDTH = 300
HEIGHT = 120
PAD = 12


@dataclass(frozen=True, slots=True)
class Point:
    x: float
    y: float
    label: str
    value: int


@dataclass(frozen=True, slots=True)
class LineChart:
    points: list[Point]
    path: str
    width: int = WIDTH
    height: int = HEIGHT


def _line(values: Sequence[tuple[str, int]], maximum: int) -> LineChart:
    count = len(values)
    usable_w = WIDTH - 2 * PAD
    usable_h = HEIGHT - 2 * PAD
    points = []
    for index, (label, value) in enumerate(values):
        x = PAD + (usable_w * index / (count - 1) if count > 1 else usable_w / 2)
        y = PAD + usable_h * (1 - value / maximum)
        points.append(Point(x=round(x, 1), y=round(y, 1), label=label, value=value))
    path = " ".join(f"{'M' if i == 0 else 'L'}{p.x},{p.y}" for i, p in enumerate(points))
    return LineChart(points=points, path=path)


def mood_trend_chart(checkins: Sequence[DailyCheckIn]) -> LineChart:
    """Daily mood 0-10, oldest on the left."""
    return _line([(c.day.strftime("%d.%m"), c.mood) for c in checkins], 10)


def who5_trend_chart(responses: Sequence[Who5Response]) -> LineChart:
    """WHO-5 percentage 0-100 per questionnaire."""
    return _line([(str(r.get_timepoint_display()), r.percentage) for r in responses], 100)


@dataclass(frozen=True, slots=True)
class Bar:
    row: HelpedRow
    width_percent: int  # 0-100, share of the widest possible change (10 points)
    positive: bool


def helped_bars(rows: Sequence[HelpedRow]) -> list[Bar]:
    return [
        Bar(
            row=row,
            width_percent=min(100, round(abs(row.average_change) * 10)),
            positive=row.average_change >= 0,
        )
        for row in rows
    ]
