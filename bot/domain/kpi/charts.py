"""Trend charts drawn on the server as SVG: no JavaScript, no chart library, no CDN.

The SVG uses presentation attributes only (no ``style``), so it passes the console's
``style-src 'self'`` policy; every label is escaped.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from markupsafe import Markup, escape

WIDTH, HEIGHT = 320, 120
LEFT, RIGHT, TOP, BOTTOM = 40, 8, 12, 22


def _fmt(value: float) -> str:
    return f"{value:.0f}" if abs(value) >= 100 or value == int(value) else f"{value:.1f}"


def axis_bounds(scale: Sequence[float]) -> tuple[float, float]:
    """Round bounds for an axis over ``scale``: whole steps of 1, 2 or 5 times a power of
    ten, never below zero when no figure is (no "-5 %" or negative milliseconds)."""
    low, high = (min(scale), max(scale)) if scale else (0.0, 1.0)
    if high - low < 1e-9:
        pad = abs(high) * 0.1 or 1.0
        low, high = low - pad, high + pad
    raw = (high - low) / 4
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    bottom, top = math.floor(low / step) * step, math.ceil(high / step) * step
    if min(scale or [0.0]) >= 0:
        bottom = max(bottom, 0.0)
    return bottom, top


def line_chart(
    title: str,
    labels: Sequence[str],
    values: Sequence[float | None],
    *,
    unit: str = "",
    target: float | None = None,
) -> Markup:
    """An SVG line chart of one KPI over time, with its target as a dashed line.

    Args:
        title: what the chart shows (its accessible name).
        labels: one label per point (the first and last are drawn under the axis).
        values: one value per point; None leaves a gap (no data that day).
        unit: unit shown after the axis figures.
        target: drawn as a dashed line when given.

    Returns:
        The ``<svg>`` element, safe to put in a page.
    """
    known = [v for v in values if v is not None]
    scale = known + ([target] if target is not None else [])
    low, high = axis_bounds(scale)
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    count = max(len(values), 1)

    def x(index: int) -> float:
        return LEFT + (inner_w * index / (count - 1) if count > 1 else inner_w / 2)

    def y(value: float) -> float:
        return TOP + inner_h * (1 - (value - low) / (high - low))

    described = ", ".join(
        f"{label}: {'no data' if v is None else _fmt(v)}"
        for label, v in zip(labels, values, strict=True)
    )
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
        f'role="img" aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title><desc>{escape(described)}</desc>",
        f'<line x1="{LEFT}" y1="{TOP + inner_h}" x2="{WIDTH - RIGHT}" y2="{TOP + inner_h}" '
        'stroke="#999" stroke-width="1"/>',
        f'<text x="{LEFT - 4}" y="{TOP + 8}" text-anchor="end" font-size="9" fill="#555">'
        f"{escape(_fmt(high))}</text>",
        f'<text x="{LEFT - 4}" y="{TOP + inner_h}" text-anchor="end" font-size="9" '
        f'fill="#555">{escape(_fmt(low))}</text>',
        # The unit over the plot's top right, where a long one ("business h") fits.
        f'<text class="unit" x="{WIDTH - RIGHT}" y="{TOP - 1}" text-anchor="end" '
        f'font-size="9" fill="#555">{escape(unit)}</text>',
    ]
    if labels:
        parts.append(
            f'<text x="{LEFT}" y="{HEIGHT - 6}" font-size="9" fill="#555">'
            f"{escape(labels[0])}</text>"
        )
        parts.append(
            f'<text x="{WIDTH - RIGHT}" y="{HEIGHT - 6}" text-anchor="end" font-size="9" '
            f'fill="#555">{escape(labels[-1])}</text>'
        )
    if target is not None:
        parts.append(
            f'<line class="target" x1="{LEFT}" y1="{y(target):.1f}" x2="{WIDTH - RIGHT}" '
            f'y2="{y(target):.1f}" stroke="#2a7" stroke-width="1" stroke-dasharray="4 3"/>'
        )
    segment: list[str] = []
    segments: list[list[str]] = []
    for index, value in enumerate(values):
        if value is None:
            if segment:
                segments.append(segment)
            segment = []
            continue
        segment.append(f"{x(index):.1f},{y(value):.1f}")
    if segment:
        segments.append(segment)
    for points in segments:
        if len(points) == 1:
            cx, cy = points[0].split(",")
            parts.append(f'<circle cx="{cx}" cy="{cy}" r="2.5" fill="#0b3d5c"/>')
        else:
            parts.append(
                f'<polyline points="{" ".join(points)}" fill="none" stroke="#0b3d5c" '
                'stroke-width="2"/>'
            )
    if not known:
        parts.append(
            f'<text x="{LEFT + inner_w / 2}" y="{TOP + inner_h / 2}" text-anchor="middle" '
            'font-size="11" fill="#777">no data</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
