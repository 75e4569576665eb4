"""charts: inline SVG, Chinese labels drawn as outlines (no font needed to view), ids unique per chart."""
from __future__ import annotations

import re
from datetime import date, timedelta

from scorers.reports import charts, fonts

NIGHTS = [date(2026, 11, 7) + timedelta(days=n) for n in range(14)]
NAMES = ["避免专业术语或及时解释", "共情安抚", "复述确认客户需求", "不得过度承诺", "保护客户信息"]


def _is_inline_svg(svg: str) -> None:
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    assert "<?xml" not in svg and "<!DOCTYPE" not in svg and "<metadata>" not in svg
    assert 'width="100%"' in svg and "viewBox=" in svg and 'role="img"' in svg
    assert "<text" not in svg  # text is drawn as paths: no font needed where the page is opened
    assert len(re.findall(r"<path ", svg)) > 20


def test_team_charts_are_inline_svg():
    labels = charts.night_labels(NIGHTS)
    mean = [90.0] * 7 + [85.0] * 7
    _is_inline_svg(charts.team_trend(labels, mean, mean, [0.8] * 14, 7))
    _is_inline_svg(charts.histogram([55, 65, 95, 100, 100], 80))
    _is_inline_svg(charts.criterion_bars(NAMES, [0.1] * 5, [0.2] * 5, "本周期", "上一周期"))


def test_chinese_glyphs_are_embedded_as_outlines():
    svg = charts.criterion_bars(NAMES, [0.1] * 5, [0.2] * 5, "本周期", "上一周期")
    glyph_ids = set(re.findall(r'<path id="([^"]+)"', svg))
    family = fonts.font_family().replace(" ", "")
    cjk = {g for g in glyph_ids if g.startswith(family)}
    distinct = {c for c in "".join(NAMES) + "本周期上一违规率" if ord(c) > 0x3000}
    assert len(cjk) >= len(distinct), sorted(glyph_ids)[:5]


def test_agent_painter_redraws_with_each_agents_data():
    painter = charts.AgentCharts(charts.night_labels(NIGHTS), 7, NAMES)
    nan = float("nan")
    a = painter.trend([nan] * 7 + [90, 80, nan, 70, 95, 100, 60], [85.0] * 14)
    b = painter.trend([nan] * 7 + [100] * 7, [85.0] * 14)
    _is_inline_svg(a)
    assert a != b
    bars_a = painter.criteria([0.5, 0, 0, 0.25, 0], [0.1] * 5)
    bars_b = painter.criteria([0, 0, 0, 0, 0], [0.1] * 5)
    assert bars_a != bars_b


def test_clip_ids_differ_between_charts_of_one_page():
    painter = charts.AgentCharts(charts.night_labels(NIGHTS), 7, NAMES)
    trend = painter.trend([80.0] * 14, [85.0] * 14)
    bars = painter.criteria([0.1] * 5, [0.1] * 5)
    clip = re.compile(r'<clipPath id="([^"]+)"')
    assert not set(clip.findall(trend)) & set(clip.findall(bars))
