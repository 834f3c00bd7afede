"""The server-drawn SVG trend chart: points, gaps, the target line, escaping."""

from __future__ import annotations

import re

from bot.domain.kpi.charts import line_chart


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
