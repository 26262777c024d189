"""Where the console's SVG charts put their marks: round axis steps, stacked bars, a line."""

from __future__ import annotations

from fractions import Fraction

import pytest

from subdesk.agent.charts import HEIGHT, MAX_X_LABELS, axis, bar_chart, line_chart, nice_step


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
