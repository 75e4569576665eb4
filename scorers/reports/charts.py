"""Charts as inline SVG, drawn by matplotlib, with Chinese labels as outlines.

Why SVG with text as paths (``svg.fonttype = 'path'``): the page needs no
font, no script and no network to show a chart, it stays sharp when zoomed
or printed, and a label can never turn into tofu boxes on a machine without
Chinese fonts. The CJK font only has to exist where the report is rendered
(:mod:`scorers.reports.fonts`).

Why the :class:`AgentCharts` painter: a site has a page per agent, and
drawing a matplotlib figure costs tens of milliseconds. The painter draws
each agent chart's frame (axes, ticks, labels, the shaded period) once and
adds each agent's lines and bars as plain SVG shapes. No pyplot: figures are plain
:class:`~matplotlib.figure.Figure` objects with the SVG canvas, so nothing
global (backends, open windows) is touched.
"""
from __future__ import annotations

import io
import math
import re
from typing import Sequence

import matplotlib
import numpy as np
from markupsafe import Markup, escape
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure

from scorers.numbers import mask_text
from scorers.reports import fonts

BLUE, ORANGE, GREY, RED, GREEN = "#1565c0", "#ef6c00", "#9aa5b1", "#c62828", "#2e7d32"
PERIOD_SHADE = "#e3f2fd"
# (label, colour, style) of the agent charts' series, shown as HTML legends.
AGENT_LEGENDS = {
    "trend": [("本人每晚平均分", BLUE, "line"), ("团队中位数", GREY, "dashed"), ("本周期", PERIOD_SHADE, "box")],
    "criteria": [("本人", ORANGE, "box"), ("团队", GREY, "box")],
}
_PROLOGUE = re.compile(r"^.*?(?=<svg)", re.S)
_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.S)
_SIZE = re.compile(r'\s(width|height)="[^"]*"')


def _rc(salt: str) -> dict:
    return {"font.family": "sans-serif", "font.sans-serif": [fonts.font_family(), "DejaVu Sans"],
            "svg.fonttype": "path", "svg.hashsalt": salt, "axes.unicode_minus": False, "font.size": 9,
            "axes.spines.top": False, "axes.spines.right": False, "axes.edgecolor": "#829ab1",
            "axes.grid": True, "grid.color": "#e4e7eb", "grid.linewidth": 0.6, "legend.frameon": False,
            "svg.image_inline": True, "xtick.major.size": 0, "ytick.major.size": 0}


def to_svg(fig: Figure, label: str, salt: str) -> Markup:
    """The figure as an <svg> element to inline in HTML (no prologue, scales to its box)."""
    buf = io.StringIO()
    with matplotlib.rc_context(_rc(salt)):
        FigureCanvasSVG(fig).print_svg(buf, metadata={"Date": None, "Creator": None})
    svg = _METADATA.sub("", _PROLOGUE.sub("", buf.getvalue(), count=1))
    head_end = svg.index(">")
    head = _SIZE.sub("", svg[:head_end])
    aria = escape(mask_text(label))
    return Markup(f'{head} width="100%" role="img" aria-label="{aria}"{svg[head_end:]}')


def _figure(width: float, height: float, salt: str) -> Figure:
    with matplotlib.rc_context(_rc(salt)):
        return Figure(figsize=(width, height), dpi=72, layout="constrained")


def night_labels(nights: Sequence) -> list[str]:
    return [n.strftime("%m-%d") for n in nights]


def _night_axis(ax, labels: list[str], current_from: int) -> None:
    n = len(labels)
    step = max(1, math.ceil(n / 12))
    ax.set_xticks(range(0, n, step), labels[::step])
    ax.set_xlim(-0.5, n - 0.5)
    if 0 < current_from < n:
        ax.axvspan(current_from - 0.5, n - 0.5, color=PERIOD_SHADE, zorder=0, label="本周期")


def _score_floor(*series) -> float:
    values = [v for s in series for v in s if v is not None and not math.isnan(v)]
    low = min(values) if values else 60.0
    return max(0.0, math.floor((min(low, 80.0) - 5) / 10) * 10)


def team_trend(labels: list[str], mean: list[float], median: list[float], pass_rate: list[float],
               current_from: int) -> Markup:
    salt = "team-trend"
    with matplotlib.rc_context(_rc(salt)):
        fig = _figure(11, 3.3, salt)
        ax = fig.add_subplot()
        _night_axis(ax, labels, current_from)
        x = list(range(len(labels)))
        ax.plot(x, mean, color=BLUE, marker="o", markersize=3.5, label="平均分")
        ax.plot(x, median, color=BLUE, linestyle="--", linewidth=1, label="中位数")
        ax.set_ylim(_score_floor(mean, median), 100.5)
        ax.set_ylabel("得分")
        rate = ax.twinx()
        rate.plot(x, [100 * v if v == v else v for v in pass_rate], color=GREEN, marker="s", markersize=3,
                  linewidth=1, label="合格率（右轴，%）")
        rate.set_ylim(0, 102)
        rate.grid(False)
        rate.spines["right"].set_visible(True)
        handles = ax.get_legend_handles_labels()[0] + rate.get_legend_handles_labels()[0]
        ax.legend(handles=handles, loc="lower left", ncols=4, fontsize=8)
    return to_svg(fig, "每晚平均分、中位数与合格率", salt)


def histogram(scores: Sequence[float], pass_score: float) -> Markup:
    salt = "histogram"
    with matplotlib.rc_context(_rc(salt)):
        fig = _figure(5.4, 3.2, salt)
        ax = fig.add_subplot()
        bins = list(range(0, 101, 5))
        bins[-1] = 100.01
        # counted with numpy, drawn as one weighted value per bin: a million scores never become a list
        values = np.asarray(scores, dtype=float)
        counts, _ = np.histogram(values[~np.isnan(values)], bins=bins)
        ax.hist(bins[:-1], bins=bins, weights=counts, color=BLUE, alpha=0.85, edgecolor="white")
        ax.axvline(pass_score, color=RED, linestyle="--", linewidth=1, label=f"合格线 {pass_score:g} 分")
        ax.set_xlim(0, 101)
        ax.set_xlabel("通话得分")
        ax.set_ylabel("通话数")
        ax.legend(loc="upper left", fontsize=8)
    return to_svg(fig, "本周期通话得分分布", salt)


def criterion_bars(names: list[str], first: list[float], second: list[float], first_label: str,
                   second_label: str, salt: str = "criteria") -> Markup:
    """Violation rates per criterion, two series side by side (this/previous period, or agent/team)."""
    with matplotlib.rc_context(_rc(salt)):
        fig = _figure(5.4, 3.2, salt)
        ax = fig.add_subplot()
        _bars(ax, names, first, second, first_label, second_label)
    return to_svg(fig, "各评分项违规率", salt)


def _bars(ax, names, first, second, first_label, second_label, legend=True):
    y = list(range(len(names)))
    a = ax.barh([v - 0.2 for v in y], [100 * v for v in first], height=0.38, color=ORANGE, label=first_label)
    b = ax.barh([v + 0.2 for v in y], [100 * v for v in second], height=0.38, color=GREY, label=second_label)
    ax.set_yticks(y, [mask_text(n) for n in names])
    ax.invert_yaxis()
    ax.set_xlabel("违规率（%）")
    ax.set_xlim(0, _rate_limit(first, second))
    ax.grid(axis="y", visible=False)
    if legend:
        ax.legend(loc="lower right", fontsize=8)
    return a, b


def _rate_limit(*series) -> float:
    top = max([100 * v for s in series for v in s if v == v] + [1.0])
    return min(100.0, max(10.0, math.ceil(top / 10 + 0.5) * 10))


class AgentCharts:
    """The two charts of every agent page: the frame drawn by matplotlib once, the data added as SVG.

    Why: drawing a matplotlib figure costs tens of milliseconds, times two charts, times every agent
    of a bank (most of a night's report time). What differs between agents is only the data: two
    lines and two rows of bars. So the painter renders each frame (axes, ticks, Chinese labels as
    outlines, the shaded period) once per axis range (ranges come in steps of ten, so there are a few),
    and for each agent appends the lines, markers and bars as plain SVG shapes placed with the
    frame's own data-to-page transform. Their legends are HTML next to the chart (:data:`AGENT_LEGENDS`).
    """

    def __init__(self, labels: list[str], current_from: int, criterion_names: list[str]):
        self.labels = labels
        self._frames: dict[tuple[str, float], tuple[str, object]] = {}
        with matplotlib.rc_context(_rc("agent")):
            self.trend_fig = _figure(11, 3.0, "agent")
            ax = self.trend_fig.add_subplot()
            _night_axis(ax, labels, current_from)
            ax.set_ylabel("得分")
            self.trend_ax = ax
            self.bar_fig = _figure(5.4, 3.0, "agent")
            self.bar_ax = self.bar_fig.add_subplot()
            zeros = [0.0] * len(criterion_names)
            _bars(self.bar_ax, criterion_names, zeros, zeros, "本人", "团队", legend=False)
            # Lay the figures out once, then keep that layout: constrained layout would otherwise
            # be solved again for every axis range, and it costs as much as drawing.
            self.trend_ax.set_ylim(0, 100.5)
            for fig in (self.trend_fig, self.bar_fig):
                fig.draw_without_rendering()
                fig.set_layout_engine("none")

    def _frame(self, kind: str, limit: float) -> tuple[str, object]:
        """(the frame's SVG up to its closing tag, a function from data to SVG coordinates), per axis range."""
        key = (kind, limit)
        if key not in self._frames:
            if kind == "trend":
                fig, ax, label = self.trend_fig, self.trend_ax, "本人每晚平均分与团队中位数"
                ax.set_ylim(limit, 100.5)
            else:
                fig, ax, label = self.bar_fig, self.bar_ax, "各评分项违规率：本人与团队"
                ax.set_xlim(0, limit)
            svg = str(to_svg(fig, label, f"agent-{kind}"))
            transform, height = ax.transData.frozen(), fig.bbox.height

            def place(x: float, y: float, transform=transform, height=height) -> tuple[float, float]:
                px, py = transform.transform((x, y))
                return px, height - py  # SVG's y runs down

            self._frames[key] = (svg[:svg.rindex("</svg>")], place)
        return self._frames[key]

    def trend(self, agent: list[float], team: list[float]) -> Markup:
        """The agent's nightly mean against the team median; a night without calls breaks the line."""
        frame, place = self._frame("trend", _score_floor(agent, team))
        shapes = _series(team, place, GREY, 1.5, 1.5, dashed=True) + _series(agent, place, BLUE, 1.8, 2.0)
        return Markup(f'{frame}<g class="data">{shapes}</g></svg>')

    def criteria(self, agent: list[float], team: list[float]) -> Markup:
        """Violation rate per criterion: the agent's bar above the team's."""
        frame, place = self._frame("criteria", _rate_limit(agent, team))
        rects = []
        for row, (mine, theirs) in enumerate(zip(agent, team)):
            for offset, value, colour in ((-0.2, mine, ORANGE), (0.2, theirs, GREY)):
                if value == value and value > 0:
                    x0, y0 = place(0, row + offset - 0.19)
                    x1, y1 = place(100 * value, row + offset + 0.19)
                    rects.append(f'<rect x="{min(x0, x1):.2f}" y="{min(y0, y1):.2f}" width="{abs(x1 - x0):.2f}" '
                                 f'height="{abs(y1 - y0):.2f}" fill="{colour}"/>')
        return Markup(f'{frame}<g class="data">{"".join(rects)}</g></svg>')


def line_segments(values: list[float], place) -> list[list[tuple[float, float]]]:
    """``place(i, value)`` of each night's value, in runs: a night without a value (None, NaN) breaks the line."""
    runs, run = [], []
    for i, v in enumerate(values):
        if v is None or v != v:
            if run:
                runs.append(run)
            run = []
        else:
            run.append(place(i, float(v)))
    if run:
        runs.append(run)
    return runs


def _series(values: list[float], place, colour: str, width: float, radius: float, dashed: bool = False) -> str:
    """A line with a marker per night; nights without a value break the line."""
    dash = ' stroke-dasharray="5.5 2.4"' if dashed else ""
    out = []
    for points in line_segments(values, place):
        if len(points) > 1:
            out.append(f'<polyline points="{" ".join(f"{x:.2f},{y:.2f}" for x, y in points)}" fill="none" '
                       f'stroke="{colour}" stroke-width="{width}"{dash}/>')
        out += [f'<circle cx="{x:.2f}" cy="{y:.2f}" r="{radius}" fill="{colour}"/>' for x, y in points]
    return "".join(out)
