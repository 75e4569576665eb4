"""fonts: a CJK font is always at hand (a PyPI package ships it), and pages get a small subset of it."""
from __future__ import annotations

import pytest
from fontTools.ttLib import TTFont

from scorers.reports import fonts


def test_the_packaged_font_has_simplified_chinese():
    path = fonts.cjk_font_path()
    assert path.is_file()
    cmap = TTFont(str(path), lazy=True).getBestCmap()
    assert all(ord(c) in cmap for c in "坐席质检报告复述确认过度承诺保护客户信息")


def test_matplotlib_knows_the_font_by_name():
    assert fonts.font_family()
    from matplotlib import font_manager

    assert fonts.font_family() in {f.name for f in font_manager.fontManager.ttflist}


def test_the_web_font_holds_exactly_what_the_pages_use(tmp_path):
    dest = tmp_path / "assets" / "cjk.ttf"
    assert fonts.write_web_font(set("坐席质检"), dest)
    cmap = TTFont(str(dest)).getBestCmap()
    assert all(ord(c) in cmap for c in "坐席质检AZ09%")
    assert ord("龍") not in cmap
    assert dest.stat().st_size < 200_000  # a subset, not the 10 MB font


def test_a_configured_font_that_does_not_exist_is_a_clear_error(monkeypatch):
    monkeypatch.setenv(fonts.FONT_ENV, "/nonexistent/font.ttf")
    fonts.cjk_font_path.cache_clear()
    try:
        with pytest.raises(fonts.FontError, match="no such font file"):
            fonts.cjk_font_path()
    finally:
        monkeypatch.delenv(fonts.FONT_ENV)
        fonts.cjk_font_path.cache_clear()
