"""The CJK font that charts and pages are set in, so Chinese never shows as tofu.

Why a font of our own: reports are opened on machines we do not control
(and rendered on servers with no Chinese fonts at all). Charts are drawn by
matplotlib with text turned into outlines, which needs a CJK font file at
render time; pages list the usual system fonts first and fall back to a
subset of the same font shipped next to the pages (``assets/cjk.ttf``,
only the characters the site uses, so it stays small).

The font comes from the ``weblate-fonts`` package on PyPI (Kurinto Sans SC,
SIL Open Font License 1.1), so no system package is needed. An operator can
point ``CALLQA_CJK_FONT`` at another TTF/OTF file; failing both we look for
an installed CJK font (Noto/Source Han/WenQuanYi ...).
"""
from __future__ import annotations

import importlib.util
import os
from functools import lru_cache
from pathlib import Path

FONT_ENV = "CALLQA_CJK_FONT"
PACKAGED = ("weblate_fonts", "static/weblate_fonts/kurinto/ttf/KurintoSansSC-Rg.ttf")
SYSTEM_NAMES = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Micro Hei",
                "WenQuanYi Zen Hei", "Microsoft YaHei", "PingFang SC", "SimHei", "Droid Sans Fallback")
WEB_FAMILY = "callqa-cjk"
FONT_NOTICE = ("assets/cjk.ttf is a subset of {name} ({file}), used under the SIL Open Font License 1.1 "
               "(https://openfontlicense.org). It holds only the characters these pages use.\n")


class FontError(RuntimeError):
    """No CJK font can be found: charts would show tofu boxes."""


def _packaged_font() -> Path | None:
    spec = importlib.util.find_spec(PACKAGED[0])  # locate only: the package's modules need Django
    for folder in (spec.submodule_search_locations or []) if spec else []:
        candidate = Path(folder) / PACKAGED[1]
        if candidate.is_file():
            return candidate
    return None


def _system_font() -> Path | None:
    from matplotlib import font_manager

    by_name = {f.name: f.fname for f in font_manager.fontManager.ttflist}
    for name in SYSTEM_NAMES:
        if name in by_name and not by_name[name].lower().endswith(".ttc"):
            return Path(by_name[name])
    return None


@lru_cache(maxsize=1)
def cjk_font_path() -> Path:
    """The font file for Chinese text: ``$CALLQA_CJK_FONT``, the packaged font, or an installed one."""
    configured = os.environ.get(FONT_ENV)
    if configured:
        path = Path(configured)
        if not path.is_file():
            raise FontError(f"{FONT_ENV}={configured}: no such font file")
        return path
    path = _packaged_font() or _system_font()
    if path is None:
        raise FontError("no CJK font found: install the 'weblate-fonts' package (a dependency of callqa) "
                        f"or set {FONT_ENV} to a TTF/OTF file with Simplified Chinese glyphs")
    return path


@lru_cache(maxsize=1)
def font_family() -> str:
    """Registers the CJK font with matplotlib and returns its family name."""
    from matplotlib import font_manager

    path = cjk_font_path()
    font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path)).get_name()


def write_web_font(chars: set[str], dest: Path) -> bool:
    """Write a subset of the CJK font holding ``chars`` (plus printable ASCII) to ``dest``.

    Returns False, writing nothing, when the font cannot be subset (the pages
    then rely on the reader's system fonts, which every Chinese desktop has).
    """
    from fontTools import subset
    from fontTools.ttLib import TTFont, TTLibError

    text = "".join(sorted(c for c in chars if ord(c) > 126)) + "".join(map(chr, range(32, 127))) + "…—·、，。：；（）"
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.hinting = False  # screens scale the outlines; hints would only add bytes
    try:
        font = TTFont(str(cjk_font_path()), lazy=True, fontNumber=0, recalcTimestamp=False)
        subsetter = subset.Subsetter(options)
        subsetter.populate(text=text)
        subsetter.subset(font)
        dest.parent.mkdir(parents=True, exist_ok=True)
        font.save(str(dest))
    except (TTLibError, OSError, FontError, KeyError, AssertionError):
        return False
    (dest.parent / "FONT-LICENSE.txt").write_text(
        FONT_NOTICE.format(name=font_family(), file=cjk_font_path().name), encoding="utf-8")
    return True
