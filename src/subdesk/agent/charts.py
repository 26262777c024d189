"""Where the marks of a server-rendered SVG chart go: bars (stacked), a line and shares (bars
on an axis in percent), with a y-axis of round steps. Plain geometry for the templates'
`charts.html` macros; no I/O. Values stay exact (int or Fraction) until they become a
coordinate here."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 64, 8, 10, 24  # room for the y labels and the x labels
MAX_X_LABELS = 8
TICKS = 4
NOTE_MIN_SLOT = 40  # narrower slots leave their values to the titles and the data table
NO_DATA = "no data"


@dataclass(frozen=True, slots=True)
class Tick:
    y: float
    label: str


@dataclass(frozen=True, slots=True)
class Segment:
    series: int  # which colour
    value: int | Fraction
    x: float
    y: float
    width: float
    height: float
    title: str


@dataclass(frozen=True, slots=True)
class XLabel:
    x: float
    text: str


@dataclass(frozen=True, slots=True)
class Point:
    x: float
    y: float
    value: int
    title: str


@dataclass(frozen=True, slots=True)
class Gap:
    """A slot without a value: a pale band the plot's height, never a bar of zero."""

    x: float
    y: float
    width: float
    height: float
    title: str


@dataclass(frozen=True, slots=True)
class Note:
    """A value written above its slot's mark."""

    x: float
    y: float
    text: str


@dataclass(frozen=True, slots=True)
class Chart:
    width: int
    height: int
    left: int
    bottom: float  # the baseline's y
    ticks: list[Tick]
    x_labels: list[XLabel]
    segments: list[Segment]
    points: list[Point]
    gaps: list[Gap] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)

    @property
    def polyline(self) -> str:
        return " ".join(f"{p.x},{p.y}" for p in self.points)


def nice_step(raw: Fraction) -> int:
    """The smallest of 1, 2, 5, 10, 20, 50, ... that is at least `raw`."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= raw:
                return step * factor
        step *= 10


def axis(top_value: int, ticks: int = TICKS) -> tuple[int, int]:
    """A round step and the axis maximum (a multiple of it) at or above `top_value`."""
    step = nice_step(Fraction(max(top_value, 1), ticks))
    return step, max(step, math.ceil(top_value / step) * step)


def _frame(
    count: int, top_value: int, tick_label: Callable[[int], str]
) -> tuple[float, Callable[[int | Fraction], float], list[Tick]]:
    """The width of one x slot, the y of a value, and the y-axis ticks."""
    slot = (WIDTH - LEFT - RIGHT) / max(count, 1)
    step, maximum = axis(top_value)
    plot = HEIGHT - TOP - BOTTOM

    def y_of(value: int | Fraction) -> float:
        return round(HEIGHT - BOTTOM - float(plot * Fraction(value) / maximum), 1)

    ticks = [Tick(y_of(v), tick_label(v)) for v in range(0, maximum + 1, step)]
    return slot, y_of, ticks


def _x_labels(labels: Sequence[str], slot: float) -> list[XLabel]:
    every = math.ceil(len(labels) / MAX_X_LABELS) or 1
    return [
        XLabel(round(LEFT + slot * (i + 0.5), 1), text)
        for i, text in enumerate(labels)
        if i % every == 0
    ]


def bar_chart(
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[int]]],
    value_label: Callable[[int], str] = str,
) -> Chart:
    """One column per label, each series stacked on the ones before it; zeros draw nothing."""
    totals = [sum(values[i] for _name, values in series) for i in range(len(labels))]
    slot, y_of, ticks = _frame(len(labels), max(totals, default=0), str)
    gap = min(slot * 0.2, 8)
    segments = []
    for i, label in enumerate(labels):
        below = 0
        for index, (name, values) in enumerate(series):
            value = values[i]
            if value:
                top, bottom = y_of(below + value), y_of(below)
                segments.append(
                    Segment(
                        series=index,
                        value=value,
                        x=round(LEFT + slot * i + gap / 2, 1),
                        y=top,
                        width=round(slot - gap, 1),
                        height=round(bottom - top, 1),
                        title=f"{label}: {value_label(value)} {name}",
                    )
                )
            below += value
    return Chart(WIDTH, HEIGHT, LEFT, y_of(0), ticks, _x_labels(labels, slot), segments, [])


def line_chart(
    labels: Sequence[str], values: Sequence[int], value_label: Callable[[int], str] = str
) -> Chart:
    """One point per label, joined by a line."""
    slot, y_of, ticks = _frame(len(labels), max(values, default=0), value_label)
    points = [
        Point(round(LEFT + slot * (i + 0.5), 1), y_of(v), v, f"{label}: {value_label(v)}")
        for i, (label, v) in enumerate(zip(labels, values, strict=True))
    ]
    return Chart(WIDTH, HEIGHT, LEFT, y_of(0), ticks, _x_labels(labels, slot), [], points)


def share_chart(
    labels: Sequence[str],
    shares: Sequence[Fraction | None],
    value_label: Callable[[Fraction], str],
    names: Sequence[str] | None = None,
) -> Chart:
    """One bar per label of a share from 0 to 1, against an axis in percent. A label without a
    share is a pale band titled "no data", never a bar of 0 %. Each mark is titled
    "name: value" (`names` default to the labels); when the slots are wide enough, the values
    are also written above them."""
    top = max((math.ceil(share * 100) for share in shares if share is not None), default=0)
    slot, y_of, ticks = _frame(len(labels), top, lambda v: f"{v}%")
    spacing = min(slot * 0.2, 8)
    segments, gaps, notes = [], [], []
    for i, (name, share) in enumerate(zip(names or labels, shares, strict=True)):
        x, middle = round(LEFT + slot * i + spacing / 2, 1), round(LEFT + slot * (i + 0.5), 1)
        width = round(slot - spacing, 1)
        if share is None:
            # 1 short of the baseline, which the band would otherwise cover.
            gaps.append(Gap(x, TOP, width, y_of(0) - TOP - 1, f"{name}: {NO_DATA}"))
            notes.append(Note(middle, round((TOP + y_of(0)) / 2, 1), NO_DATA))  # mid-band
            continue
        top_y = y_of(share * 100)
        if share:
            title = f"{name}: {value_label(share)}"
            segments.append(Segment(0, share, x, top_y, width, round(y_of(0) - top_y, 1), title))
        notes.append(Note(middle, max(round(top_y - 3, 1), TOP), value_label(share)))
    shown = notes if slot >= NOTE_MIN_SLOT else []
    return Chart(
        WIDTH, HEIGHT, LEFT, y_of(0), ticks, _x_labels(labels, slot), segments, [], gaps, shown
    )
