"""Two small inline SVG drawings for the agent page: the nightly trend and a rate bar.

Why not the reports' matplotlib charts: drawing one takes tens of
milliseconds, and an agent page must answer in well under 300 ms. These are
a few lines of SVG markup built from numbers (no text from the data goes in,
so nothing here needs masking); labels are the page's own HTML.
"""
from __future__ import annotations

from markupsafe import Markup

from scorers.reports.charts import line_segments

WIDTH, HEIGHT, PAD = 560, 180, 28


def _points(values: list[float], n: int) -> list[list[tuple[float, float]]]:
    """Polyline segments (a night without calls breaks the line)."""
    step = (WIDTH - 2 * PAD) / max(1, n - 1)
    return line_segments(values, lambda i, v: (PAD + i * step,
                                               PAD / 2 + (100 - max(0.0, min(100.0, v))) * (HEIGHT - 1.5 * PAD) / 100))


def trend(labels: list[str], agent: list[float], team: list[float], current_from: int, pass_score: float) -> Markup:
    n = len(labels)
    step = (WIDTH - 2 * PAD) / max(1, n - 1)
    y = lambda v: PAD / 2 + (100 - v) * (HEIGHT - 1.5 * PAD) / 100  # noqa: E731
    parts = [f'<svg class="trend" viewBox="0 0 {WIDTH} {HEIGHT}" xmlns="http://www.w3.org/2000/svg" role="img">']
    for v in (0, 50, 100):
        parts.append(f'<line x1="{PAD}" x2="{WIDTH - PAD}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#d9e2ec"/>'
                     f'<text x="2" y="{y(v) + 4:.1f}" font-size="10" fill="#616e7c">{v}</text>')
    parts.append(f'<line x1="{PAD}" x2="{WIDTH - PAD}" y1="{y(pass_score):.1f}" y2="{y(pass_score):.1f}" '
                 f'stroke="#c62828" stroke-dasharray="2 3"/>')
    if 0 < current_from < n:
        x = PAD + (current_from - 0.5) * step
        parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="4" y2="{HEIGHT - PAD:.1f}" stroke="#9fb3c8"/>')
    for values, colour, dash in ((team, "#9aa5b1", ' stroke-dasharray="5 4"'), (agent, "#2e7d32", "")):
        for seg in _points(values, n):
            pts = " ".join(f"{px:.1f},{py:.1f}" for px, py in seg)
            parts.append(f'<polyline points="{pts}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>')
            if colour == "#2e7d32":
                parts += [f'<circle cx="{px:.1f}" cy="{py:.1f}" r="2.5" fill="{colour}"/>' for px, py in seg]
    for i in sorted({0, n - 1, current_from} & set(range(n))):
        anchor = "start" if i == 0 else "end" if i == n - 1 else "middle"
        parts.append(f'<text x="{PAD + i * step:.1f}" y="{HEIGHT - 8}" font-size="10" fill="#616e7c" '
                     f'text-anchor="{anchor}">{_ascii(labels[i])}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def bar(rate: float, team_rate: float, width: int = 120) -> Markup:
    """The agent's rate (a filled bar) against the team's (a tick)."""
    def w(v):
        return 0.0 if v is None or v != v else max(0.0, min(1.0, float(v))) * width
    colour = "#c62828" if w(rate) > w(team_rate) else "#1565c0"
    return Markup(f'<svg class="bar" width="{width}" height="12" viewBox="0 0 {width} 12" '
                  f'xmlns="http://www.w3.org/2000/svg"><rect x="0" y="2" width="{width}" height="8" fill="#f0f4f8"/>'
                  f'<rect x="0" y="2" width="{w(rate):.1f}" height="8" fill="{colour}"/>'
                  f'<line x1="{w(team_rate):.1f}" x2="{w(team_rate):.1f}" y1="0" y2="12" stroke="#102a43" '
                  f'stroke-width="2"/></svg>')


def _ascii(text: str) -> str:
    return "".join(c for c in str(text) if c.isalnum() or c in "-/.")
