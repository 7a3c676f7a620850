"""The report's charts as small SVG documents, written in plain Python (no script, no links).

The SVG uses only what both browsers and Qt's SVG Tiny renderer draw the same way:
presentation attributes (no CSS), ``text-anchor``, ``rotate`` transforms and basic shapes.
Every text that comes from the journal (tool, model, project and tag names) is escaped.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

from tokenworth.core.report import fmt
from tokenworth.core.report.model import Report

WIDTH = 640
FONT = "DejaVu Sans, Helvetica, Arial, sans-serif"
INK = "#2B2F36"
MUTED = "#5F6670"
GRID = "#E3E6EA"
AXIS = "#9AA1AA"
LOW_BAND = "#FBEAEA"
LOW_INK = "#B03A2E"
TICK = 12  # font sizes
LABEL = 13
CHAR = 0.6  # average glyph width / font size, to lay out labels without a font engine
SVG_NS = "http://www.w3.org/2000/svg"  # added only for stand-alone files (see standalone)


@dataclass(frozen=True, slots=True)
class Chart:
    """One chart: its id, a caption, the SVG markup and a one-sentence text alternative."""

    id: str
    title: str
    svg: str
    alt: str
    width: int
    height: int


def _n(x: float) -> str:
    """A coordinate with at most one decimal."""
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _text(
    x: float,
    y: float,
    text: str,
    *,
    size: int = TICK,
    anchor: str = "start",
    fill: str = MUTED,
    weight: str | None = None,
    rotate: bool = False,
) -> str:
    extra = f' font-weight="{weight}"' if weight else ""
    if rotate:
        extra += f' transform="rotate(-90 {_n(x)} {_n(y)})"'
    return (
        f'<text x="{_n(x)}" y="{_n(y)}" font-family="{FONT}" font-size="{size}" '
        f'fill="{fill}" text-anchor="{anchor}"{extra}>{escape(text)}</text>'
    )


def _line(x1: float, y1: float, x2: float, y2: float, color: str = GRID, width: float = 1) -> str:
    return (
        f'<line x1="{_n(x1)}" y1="{_n(y1)}" x2="{_n(x2)}" y2="{_n(y2)}" '
        f'stroke="{color}" stroke-width="{_n(width)}"/>'
    )


def _rect(x: float, y: float, w: float, h: float, fill: str, extra: str = "") -> str:
    return (
        f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(max(w, 0))}" height="{_n(max(h, 0))}" '
        f'fill="{fill}"{extra}/>'
    )


def _width(text: str, size: int = TICK) -> float:
    return len(text) * size * CHAR


def _clip(text: str, chars: int) -> str:
    return text if len(text) <= chars else text[: chars - 1] + "…"


def _svg(chart_id: str, width: int, height: int, title: str, body: list[str]) -> str:
    return (
        f'<svg viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-labelledby="{chart_id}-t">'
        f'<title id="{chart_id}-t">{escape(title)}</title>'
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#FFFFFF"/>'
        + "".join(body)
        + "</svg>"
    )


def standalone(svg: str) -> str:
    """The chart as a stand-alone SVG file (with the namespace renderers outside HTML need)."""
    return svg.replace("<svg ", f'<svg xmlns="{SVG_NS}" ', 1)


def _legend(
    items: Sequence[tuple[str, str]], x0: float, y0: float, right: float
) -> tuple[list[str], float]:
    """Colour swatches and names, wrapped into rows; returns the markup and the height."""
    out: list[str] = []
    x, y = x0, y0
    row_h = 20
    for name, color in items:
        label = _clip(name, 28)
        w = 16 + _width(label) + 18
        if x + w > right and x > x0:
            x = x0
            y += row_h
        out.append(_rect(x, y - 9, 10, 10, color, ' rx="2"'))
        out.append(_text(x + 15, y, label, fill=INK))
        x += w
    return out, (y - y0) + row_h


def nice_ticks(top: float, count: int = 5) -> list[float]:
    """Round tick values from 0 to at least ``top`` (about ``count`` steps)."""
    if top <= 0 or not math.isfinite(top):
        return [0.0, 1.0]
    raw = top / count
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    n = math.ceil(top / step - 1e-9)
    return [i * step for i in range(n + 1)]


def _label_every(n: int, plot_w: float, longest: int) -> int:
    """Show every k-th category label so the labels do not overlap."""
    slot = plot_w / max(n, 1)
    need = _width("x" * longest) + 8
    return max(1, math.ceil(need / slot))


def scatter(report: Report) -> Chart:
    """Chart 1: tokens per session (log x) against value (y, jittered), one colour per tool."""
    sc = report.scatter
    points = sc["points"]
    left, right, top = 62, WIDTH - 16, 14
    tools = sc["tools"]
    legend, legend_h = _legend([(t, fmt.tool_color(t)) for t in tools], left, top + 10, right)
    plot_top = top + legend_h + 6
    plot_h = 250
    plot_bottom = plot_top + plot_h
    height = int(plot_bottom + 50)
    plot_w = right - left
    body = list(legend)

    if points:
        lo = math.log10(min(p["tokens"] for p in points))
        hi = math.log10(max(p["tokens"] for p in points))
        x_lo, x_hi = math.floor(lo), math.ceil(hi)
        if x_hi == x_lo:
            x_hi += 1
    else:
        x_lo, x_hi = 3, 6

    def px(tokens: float) -> float:
        return left + (math.log10(tokens) - x_lo) / (x_hi - x_lo) * plot_w

    def py(v: float) -> float:
        return plot_bottom - (v - 0.5) / 5 * plot_h

    # The low-value band (ratings 1-2) is shaded: tokens spent there are the waste to watch.
    body.append(_rect(left, py(2.5), plot_w, py(0.5) - py(2.5), LOW_BAND))
    body.append(_text(right - 6, py(2.5) + 15, "rated 1-2", anchor="end", fill=LOW_INK))
    for v in range(1, 6):
        body.append(_line(left, py(v), right, py(v)))
        body.append(_text(left - 8, py(v) + 4, str(v), anchor="end"))
    for e in range(x_lo, x_hi + 1):
        x = px(10**e)
        body.append(_line(x, plot_top, x, plot_bottom))
        body.append(_text(x, plot_bottom + 17, fmt.compact(10**e), anchor="middle"))
    body.append(_line(left, plot_bottom, right, plot_bottom, AXIS))
    body.append(_line(left, plot_top, left, plot_bottom, AXIS))
    for p in points:
        body.append(
            f'<circle cx="{_n(px(p["tokens"]))}" cy="{_n(py(p["y"]))}" r="4.5" '
            f'fill="{fmt.tool_color(p["tool"])}" fill-opacity="0.8" stroke="#FFFFFF" '
            'stroke-width="0.8"/>'
        )
    if not points:
        body.append(
            _text(left + plot_w / 2, plot_top + plot_h / 2, "No rated session", anchor="middle")
        )
    body.append(
        _text(
            left + plot_w / 2,
            plot_bottom + 40,
            "Tokens per session (log scale)",
            size=LABEL,
            anchor="middle",
            fill=INK,
        )
    )
    body.append(
        _text(
            18,
            plot_top + plot_h / 2,
            "Value (own rating)",
            size=LABEL,
            anchor="middle",
            fill=INK,
            rotate=True,
        )
    )
    alt = (
        f"{len(points)} rated sessions plotted by tokens (log scale) against value 1-5, one "
        f"colour per tool; {sc['unrated']} unrated sessions are not shown."
    )
    title = "Tokens against value, per session"
    return Chart("scatter", title, _svg("scatter", WIDTH, height, alt, body), alt, WIDTH, height)


def _axes_y(
    ticks: Sequence[float],
    y_of: Callable[[float], float],
    left: float,
    right: float,
    label: Callable[[float], str],
) -> list[str]:
    out = []
    for t in ticks:
        out.append(_line(left, y_of(t), right, y_of(t)))
        out.append(_text(left - 8, y_of(t) + 4, label(t), anchor="end"))
    return out


def _category_axis(
    labels: Sequence[str], left: float, slot: float, bottom: float, plot_w: float
) -> list[str]:
    out = []
    every = _label_every(len(labels), plot_w, max((len(s) for s in labels), default=1))
    for i, text in enumerate(labels):
        if i % every == 0:
            out.append(_text(left + slot * (i + 0.5), bottom + 17, text, anchor="middle"))
    return out


def stacked_bars(
    chart_id: str,
    title: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, str, Sequence[float | None]]],
    *,
    x_title: str,
    y_title: str,
    y_label: Callable[[float], str] = fmt.compact,
    y_ticks: Sequence[float] | None = None,
) -> Chart:
    """Bars per category, stacked by series (name, colour, values), with a legend on top.

    Args:
        chart_id: Unique id in the document.
        title: The chart's caption.
        labels: Category labels, left to right.
        series: (name, colour, one value per category), bottom of the stack first; a
            category whose values are all None shows a dash (nothing measured, not 0).
        x_title: Axis title under the categories.
        y_title: Axis title beside the values.
        y_label: How a tick value reads.
        y_ticks: Fixed ticks from 0 (default: round ticks up to the highest stack).
    """
    left, right, top = 62, WIDTH - 16, 14
    if len(series) > 1:
        legend, legend_h = _legend([(n, c) for n, c, _v in series], left, top + 10, right)
    else:
        legend, legend_h = [], 0.0
    plot_top = top + legend_h + 6
    plot_h = 200
    plot_bottom = plot_top + plot_h
    height = int(plot_bottom + 50)
    plot_w = right - left
    n = len(labels)
    totals = [sum(v[i] or 0 for _n, _c, v in series) for i in range(n)]
    missing = [all(v[i] is None for _n, _c, v in series) for i in range(n)]
    ticks = list(y_ticks) if y_ticks else nice_ticks(max(totals, default=0))
    y_max = ticks[-1] or 1.0

    def py(v: float) -> float:
        return plot_bottom - v / y_max * plot_h

    body = list(legend)
    body += _axes_y(ticks, py, left, right, y_label)
    slot = plot_w / max(n, 1)
    bar = min(slot * 0.7, 48)
    for i in range(n):
        x = left + slot * i + (slot - bar) / 2
        base = 0.0
        if missing[i]:  # nothing to measure (e.g. no rated session): say so, not 0
            body.append(_text(x + bar / 2, plot_bottom - 6, fmt.DASH, anchor="middle"))
            continue
        for _name, color, values in series:
            v = values[i] or 0
            if v > 0:
                body.append(_rect(x, py(base + v), bar, py(base) - py(base + v), color))
                base += v
    body.append(_line(left, plot_bottom, right, plot_bottom, AXIS))
    body += _category_axis(labels, left, slot, plot_bottom, plot_w)
    body.append(
        _text(left + plot_w / 2, plot_bottom + 40, x_title, size=LABEL, anchor="middle", fill=INK)
    )
    body.append(
        _text(
            18, plot_top + plot_h / 2, y_title, size=LABEL, anchor="middle", fill=INK, rotate=True
        )
    )
    alt = f"{title}: " + ", ".join(
        f"{lab} {fmt.DASH if gap else y_label(t)}"
        for lab, t, gap in zip(labels, totals, missing, strict=True)
    )
    return Chart(chart_id, title, _svg(chart_id, WIDTH, height, title, body), alt, WIDTH, height)


def line(
    chart_id: str,
    title: str,
    labels: Sequence[str],
    values: Sequence[float | None],
    *,
    y_range: tuple[float, float],
    y_ticks: Sequence[float],
    x_title: str,
    y_title: str,
    y_label: Callable[[float], str],
    color: str = fmt.SERIES_COLORS[0],
) -> Chart:
    """A line with dots over categories; a missing value breaks the line."""
    left, right, top = 62, WIDTH - 16, 16
    plot_top = top
    plot_h = 170
    plot_bottom = plot_top + plot_h
    height = int(plot_bottom + 50)
    plot_w = right - left
    lo, hi = y_range
    n = len(labels)
    slot = plot_w / max(n, 1)

    def py(v: float) -> float:
        return plot_bottom - (v - lo) / (hi - lo) * plot_h

    body = _axes_y(y_ticks, py, left, right, y_label)
    runs: list[list[tuple[float, float]]] = [[]]
    for i, v in enumerate(values):
        if v is None:
            runs.append([])
            continue
        runs[-1].append((left + slot * (i + 0.5), py(v)))
    for run in runs:
        if len(run) > 1:
            pts = " ".join(f"{_n(x)},{_n(y)}" for x, y in run)
            body.append(
                f'<polyline points="{pts}" fill="none" stroke="{color}" stroke-width="2.5"/>'
            )
        for x, y in run:
            body.append(
                f'<circle cx="{_n(x)}" cy="{_n(y)}" r="4" fill="{color}" stroke="#FFFFFF" '
                'stroke-width="1"/>'
            )
    body.append(_line(left, plot_bottom, right, plot_bottom, AXIS))
    body += _category_axis(labels, left, slot, plot_bottom, plot_w)
    body.append(
        _text(left + plot_w / 2, plot_bottom + 40, x_title, size=LABEL, anchor="middle", fill=INK)
    )
    body.append(
        _text(
            18, plot_top + plot_h / 2, y_title, size=LABEL, anchor="middle", fill=INK, rotate=True
        )
    )
    alt = f"{title}: " + ", ".join(
        f"{lab} {fmt.DASH if v is None else y_label(v)}"
        for lab, v in zip(labels, values, strict=True)
    )
    return Chart(chart_id, title, _svg(chart_id, WIDTH, height, title, body), alt, WIDTH, height)


def hbars(
    chart_id: str,
    title: str,
    rows: Sequence[dict[str, Any]],
    *,
    x_title: str = "Tokens",
) -> Chart:
    """A breakdown: one horizontal bar of tokens per row, labelled with tokens and mean value."""
    name_chars = 24
    left = 12 + _width("x" * min(name_chars, max((len(r["name"]) for r in rows), default=4)))
    right = WIDTH - 110
    top = 10
    bar_h, gap = 18, 8
    plot_h = max(len(rows), 1) * (bar_h + gap)
    plot_bottom = top + plot_h
    height = int(plot_bottom + 46)
    plot_w = right - left
    ticks = nice_ticks(max((r["total_tokens"] for r in rows), default=0), 4)
    x_max = ticks[-1] or 1.0
    body: list[str] = []
    for t in ticks:
        x = left + t / x_max * plot_w
        body.append(_line(x, top, x, plot_bottom))
        body.append(_text(x, plot_bottom + 16, fmt.compact(t), anchor="middle"))
    for i, r in enumerate(rows):
        y = top + i * (bar_h + gap) + gap / 2
        name = r["name"]
        color = fmt.tool_color(name) if chart_id.endswith("tool") else fmt.SERIES_COLORS[0]
        if r.get("other"):
            color = fmt.TOOL_COLORS["manual"]
        body.append(_text(left - 8, y + 13, _clip(name, name_chars), anchor="end", fill=INK))
        w = r["total_tokens"] / x_max * plot_w
        body.append(_rect(left, y, w, bar_h, color, ' rx="2"'))
        mean = r.get("mean_value")
        note = fmt.compact(r["total_tokens"]) + (f" · {mean:.1f}/5" if mean is not None else "")
        body.append(_text(left + w + 6, y + 13, note, fill=INK))
    body.append(_line(left, top, left, plot_bottom, AXIS))
    body.append(
        _text(
            left + plot_w / 2,
            plot_bottom + 38,
            x_title + " (bar) · mean value (label)",
            size=LABEL,
            anchor="middle",
            fill=INK,
        )
    )
    alt = f"{title}: " + ", ".join(
        f"{r['name']} {fmt.compact(r['total_tokens'])} tokens" for r in rows
    )
    return Chart(chart_id, title, _svg(chart_id, WIDTH, height, title, body), alt, WIDTH, height)


BREAKDOWN_TITLES = {
    "tool": "Tokens by tool",
    "model": "Tokens by model",
    "project": "Tokens by project",
    "tag": "Tokens by tag",
}


def charts(report: Report) -> list[Chart]:
    """Every chart of a report, in the order the report shows them."""
    out = [scatter(report)]
    tr = report.trends
    rows = tr["rows"]
    if rows:
        labels = [r["label"] for r in rows]
        x_title = "Week starting" if tr["by"] == "week" else "Month"
        per = "week" if tr["by"] == "week" else "month"
        series = [
            (t, fmt.tool_color(t), [r["tokens_by_tool"].get(t, 0) for r in rows])
            for t in tr["tools"]
        ]
        out.append(
            stacked_bars(
                "trend-tokens",
                f"Tokens per {per}, by tool",
                labels,
                series,
                x_title=x_title,
                y_title="Tokens",
            )
        )
        out.append(
            line(
                "trend-value",
                f"Mean value per {per}",
                labels,
                [r["mean_value"] for r in rows],
                y_range=(1, 5),
                y_ticks=[1, 2, 3, 4, 5],
                x_title=x_title,
                y_title="Mean value",
                y_label=lambda v: f"{v:.0f}",
            )
        )
        out.append(
            stacked_bars(
                "trend-low",
                f"Share of tokens in sessions rated 1-2, per {per}",
                labels,
                [("low-value share", LOW_INK, [r["low_value_share"] for r in rows])],
                x_title=x_title,
                y_title="Low-value share",
                y_label=lambda v: f"{v:.0%}",
                y_ticks=[0, 0.25, 0.5, 0.75, 1.0],
            )
        )
        if not report.hide_costs:
            out.append(
                stacked_bars(
                    "trend-cost",
                    f"API-equivalent cost per {per}",
                    labels,
                    [("cost", fmt.SERIES_COLORS[2], [r.get("cost_usd") or 0 for r in rows])],
                    x_title=x_title,
                    y_title="US dollars",
                    y_label=_dollars,
                )
            )
    for dim, rows_ in report.breakdowns.items():
        if rows_:
            out.append(hbars(f"by-{dim}", BREAKDOWN_TITLES[dim], rows_))
    return out


def _dollars(v: float) -> str:
    if v >= 100 or v == int(v):
        return f"${v:,.0f}"
    return f"${v:,.2f}".rstrip("0")
