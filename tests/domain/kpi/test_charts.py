"""The server-drawn SVG trend chart: points, gaps, the target line, escaping."""

from __future__ import annotations

import re

from bot.domain.kpi.charts import axis_bounds, line_chart


def test_line_with_a_gap_and_a_target() -> None:
    svg = str(
        line_chart("CSAT, per day", ["01 Nov", "02 Nov", "03 Nov", "04 Nov"], [80, None, 90, 70],
                   unit="%", target=85)
    )  # fmt: skip
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert 'role="img" aria-label="CSAT, per day"' in svg
    # A gap (no data on 02 Nov) splits the line: a lone point, then a two-point line.
    assert svg.count("<circle") == 1 and svg.count("<polyline") == 1
    points = re.search(r'<polyline points="([^"]+)"', svg)
    assert points and len(points.group(1).split()) == 2
    assert 'class="target"' in svg and 'stroke-dasharray="4 3"' in svg
    assert "02 Nov: no data" in svg and ">01 Nov<" in svg and ">04 Nov<" in svg
    assert "style=" not in svg  # the console's policy allows no inline styles


def test_labels_are_escaped_and_empty_series_say_so() -> None:
    svg = str(line_chart("<script>x</script>", ["<b>"], [None]))
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "&lt;b&gt;" in svg
    assert ">no data</text>" in svg and "<polyline" not in svg


def test_axes_are_readable_round_and_never_negative_for_positive_figures() -> None:
    percent = line_chart("CSAT", ["01 Nov", "02 Nov"], [0.0, 100.0], unit="%", target=85.0)
    labels = re.findall(r'text-anchor="end" font-size="9" fill="#555">([^<]+)<', percent)
    assert labels[:2] == ["100", "0"]  # no "-5" or "105" on a percentage axis
    millis = line_chart("Bot first response", ["a", "b"], [370.0, 1030.0], unit="ms")
    assert ">-" not in millis  # no negative milliseconds
    assert axis_bounds([370.0, 1030.0]) == (200.0, 1200.0)
    hours = line_chart("Resolution", ["a", "b"], [9.7, 16.3], unit="business h")
    unit = re.search(r'<text class="unit" x="(\d+)"[^>]*text-anchor="end"[^>]*>business h<', hours)
    assert unit is not None  # drawn whole, right-aligned inside the chart's width
    assert axis_bounds([-20.0, 40.0])[0] < 0  # NPS may be negative: then the axis is too
