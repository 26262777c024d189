"""Where the console's SVG charts put their marks: round axis steps, stacked bars, a line,
shares on a percent axis."""

from __future__ import annotations

from fractions import Fraction

import pytest

from subdesk.agent.charts import (
    HEIGHT,
    MAX_X_LABELS,
    TOP,
    axis,
    bar_chart,
    line_chart,
    nice_step,
    share_chart,
)
from subdesk.support.dashboard.rules import percent


@pytest.mark.parametrize(
    ("raw", "step"),
    [(Fraction(0), 1), (Fraction(1, 4), 1), (Fraction(3, 2), 2), (Fraction(13, 4), 5), (833, 1000)],
)
def test_steps_are_1_2_or_5_times_a_power_of_ten(raw: Fraction, step: int) -> None:
    assert nice_step(raw) == step


def test_the_axis_reaches_the_largest_value_in_round_steps() -> None:
    assert axis(0) == (1, 1)
    assert axis(3) == (1, 3)
    assert axis(13) == (5, 15)
    assert axis(3332) == (1000, 4000)


def test_bars_stack_their_series_and_skip_zeros() -> None:
    chart = bar_chart(["a", "b"], [("now", [1, 0]), ("later", [2, 3])])
    assert [(s.series, s.value, s.title) for s in chart.segments] == [
        (0, 1, "a: 1 now"),
        (1, 2, "a: 2 later"),
        (1, 3, "b: 3 later"),
    ]
    first, second, third = chart.segments
    assert first.y + first.height == chart.bottom  # on the baseline
    assert second.y + second.height == pytest.approx(first.y)  # on top of the first
    assert third.height == pytest.approx(first.height + second.height)  # 3 = 1 + 2
    assert [t.label for t in chart.ticks] == ["0", "1", "2", "3"]


def test_a_long_range_labels_only_some_days() -> None:
    labels = [f"day {i}" for i in range(366)]
    chart = bar_chart(labels, [("refunds", [0] * 366)])
    assert len(chart.x_labels) <= MAX_X_LABELS
    assert chart.x_labels[0].text == "day 0"
    assert chart.segments == []


def test_a_line_has_a_point_per_label_with_its_formatted_value() -> None:
    chart = line_chart(["mon", "tue"], [0, 1333], lambda v: f"${v / 100:.2f}")
    assert [p.title for p in chart.points] == ["mon: $0.00", "tue: $13.33"]
    assert chart.points[0].y == chart.bottom == HEIGHT - 24
    assert chart.points[1].y < chart.points[0].y
    assert chart.polyline == " ".join(f"{p.x},{p.y}" for p in chart.points)
    assert [t.label for t in chart.ticks] == ["$0.00", "$5.00", "$10.00", "$15.00"]


def test_shares_are_bars_on_an_axis_in_percent() -> None:
    chart = share_chart(["w1", "w2"], [Fraction(1, 2), Fraction(1, 8)], percent)
    assert [t.label for t in chart.ticks] == ["0%", "20%", "40%", "60%"]  # 50 % rounds up to 60
    half, eighth = chart.segments
    assert (half.value, half.title) == (Fraction(1, 2), "w1: 50.0%")
    assert half.height == 155.0  # 50 / 60 of the 186-pixel plot, exactly
    assert eighth.height == 38.8  # 12.5 / 60 of it (38.75), to a tenth of a pixel
    assert half.y + half.height == eighth.y + eighth.height == chart.bottom


def test_a_slot_without_a_share_is_no_data_not_a_zero() -> None:
    chart = share_chart(
        ["w1", "w2", "w3"], [None, Fraction(0), Fraction(1, 3)], percent, ["A", "B", "C"]
    )
    assert [(s.value, s.title) for s in chart.segments] == [(Fraction(1, 3), "C: 33.3%")]
    (gap,) = chart.gaps
    assert gap.title == "A: no data"
    assert gap.y == TOP  # the plot's full height, stopping just above the baseline
    assert gap.y + gap.height == chart.bottom - 1
    assert gap.x + gap.width < chart.segments[0].x  # in the first slot
    assert [n.text for n in chart.notes] == ["no data", "0.0%", "33.3%"]
    assert [x.text for x in chart.x_labels] == ["w1", "w2", "w3"]


def test_without_any_share_the_axis_still_has_a_step() -> None:
    chart = share_chart(["w1", "w2"], [None, None], percent)
    assert chart.segments == []
    assert [g.title for g in chart.gaps] == ["w1: no data", "w2: no data"]
    assert [t.label for t in chart.ticks] == ["0%", "1%"]


def test_a_full_share_keeps_its_value_inside_the_chart() -> None:
    chart = share_chart(["w1"], [Fraction(1)], percent)
    (bar,) = chart.segments
    assert bar.y == TOP
    assert chart.notes[0].y >= TOP  # not above the top edge, where it would be cut off


def test_narrow_slots_leave_their_values_to_the_titles() -> None:
    labels = [f"w{i}" for i in range(53)]  # a year of 7-day periods
    chart = share_chart(labels, [None] * 52 + [Fraction(1, 4)], percent)
    assert chart.notes == []
    assert len(chart.gaps) == 52
    assert [s.title for s in chart.segments] == ["w52: 25.0%"]
    assert len(chart.x_labels) <= MAX_X_LABELS
