"""The agent page's drawings: numbers in, SVG out."""
from __future__ import annotations

import re

from scorers.workbench import svg


def test_trend_breaks_the_line_on_a_night_without_calls():
    drawing = str(svg.trend(["11-17", "11-18", "11-19", "11-20"], [80.0, float("nan"), 60.0, 70.0],
                            [75.0, 75.0, 75.0, 75.0], 2, 80.0))
    lines = re.findall(r'<polyline points="([^"]+)" fill="none" stroke="#2e7d32"', drawing)
    assert [len(points.split()) for points in lines] == [1, 2]
    assert drawing.count('stroke-dasharray="5 4"') == 1 and "11-17" in drawing and "11-20" in drawing


def test_bar_marks_an_agent_above_the_team():
    worse, better = str(svg.bar(0.5, 0.25)), str(svg.bar(0.1, 0.25))
    assert 'width="60.0"' in worse and "#c62828" in worse and "#1565c0" in better
