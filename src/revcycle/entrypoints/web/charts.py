"""Inline SVG charts (no JavaScript library): a line chart over days and a bar chart of buckets."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from html import escape

COLORS = ("#2563eb", "#16a34a", "#d97706", "#9333ea", "#dc2626", "#0891b2")


def _num(value: Decimal | float | int | None) -> float:
    return float(value) if value is not None else 0.0


def line_chart(
    xs: Sequence[str],
    series: Mapping[str, Sequence[Decimal | float | int | None]],
    *,
    width: int = 640,
    height: int = 200,
    label: str = "chart",
) -> str:
    if not xs:
        return f'<p class="empty" data-chart="{escape(label)}">no data in this range</p>'
    top = max((_num(v) for values in series.values() for v in values), default=0.0) or 1.0
    pad, w, h = 36, width - 46, height - 40
    step = w / max(1, len(xs) - 1)
    parts = [
        f'<svg class="chart" data-chart="{escape(label)}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(label)}">',
        f'<line x1="{pad}" y1="{h + 10}" x2="{pad + w}" y2="{h + 10}" class="axis"/>',
        f'<text x="2" y="16" class="tick">{top:,.0f}</text><text x="2" y="{h + 10}" class="tick">0</text>',
    ]
    for i, (name, values) in enumerate(series.items()):
        points = " ".join(
            f"{pad + k * step:.1f},{10 + h - h * _num(v) / top:.1f}" for k, v in enumerate(values)
        )
        color = COLORS[i % len(COLORS)]
        parts.append(f'<polyline fill="none" stroke="{color}" stroke-width="2" points="{points}"/>')
        parts.append(
            f'<text x="{pad + 8 + i * 120}" y="{height - 4}" fill="{color}" class="legend">'
            f"{escape(name)}</text>"
        )
    parts.append(f'<text x="{pad}" y="{h + 24}" class="tick">{escape(xs[0])}</text>')
    parts.append(f'<text x="{pad + w - 70}" y="{h + 24}" class="tick">{escape(xs[-1])}</text>')
    parts.append("</svg>")
    return "".join(parts)


def bar_chart(
    items: Mapping[str, Decimal | float | int], *, width: int = 420, height: int = 180, label: str = "bars"
) -> str:
    if not items:
        return f'<p class="empty" data-chart="{escape(label)}">no data</p>'
    top = max(_num(v) for v in items.values()) or 1.0
    bar = (width - 20) / len(items)
    parts = [
        f'<svg class="chart" data-chart="{escape(label)}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(label)}">'
    ]
    for k, (name, value) in enumerate(items.items()):
        h = (height - 40) * _num(value) / top
        x = 10 + k * bar
        parts.append(
            f'<rect x="{x + 4:.1f}" y="{height - 24 - h:.1f}" width="{bar - 8:.1f}" '
            f'height="{h:.1f}" class="bar"/>'
        )
        parts.append(f'<text x="{x + 6:.1f}" y="{height - 8}" class="tick">{escape(name)}</text>')
        parts.append(
            f'<text x="{x + 6:.1f}" y="{height - 28 - h:.1f}" class="tick">{_num(value):,.0f}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
