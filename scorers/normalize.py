"""Text normalisation that keeps character offsets.

Every rule matches on normalised text (Simplified script, half-width
characters, lower-case Latin) but reports spans in the original ASR text, so
the normaliser must map one character to exactly one character. OpenCC's
Taiwan-to-Simplified conversion is length-preserving for nearly all input;
when a phrase conversion would change the length we fall back to converting
character by character, which always is.
"""
from __future__ import annotations

import re
from functools import lru_cache

import opencc

# Regional words that differ between scripts but mean the same thing, of
# equal length so offsets stay aligned.
_VARIANTS = {
    "身分证": "身份证",
    "帐": "账",  # 帐 is the Traditional-era form of 账 in every banking word (帐户, 到帐, 对帐单)
    "简讯": "短信",
    "讯息": "消息",
    "网路": "网络",
}

# Characters OpenCC leaves alone by themselves but converts inside phrases (著急 → 着急).
_CONVERTED_IN_PHRASES = "著乾瞭彆麼於佔麽隻裡"

FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
FULL_WIDTH[0x3000] = 0x20  # ideographic space
# ASCII-only lower-casing: str.lower() turns some letters (İ) into two characters
_LOWER_ASCII = {code: code + 32 for code in range(ord("A"), ord("Z") + 1)}
# str.translate with a mapping looks up every character of a Chinese text, most of them in
# vain: the few full-width characters and capitals are found by a regex and replaced alone.
_FULL_WIDTH_CHAR = re.compile("[\uff01-\uff5e\u3000]")
_HALF_WIDTH = {chr(code): chr(to) for code, to in FULL_WIDTH.items()}
_UPPER_ASCII = re.compile("[A-Z]")


@lru_cache(maxsize=1)
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("tw2s")


@lru_cache(maxsize=1)
def _traditional_chars() -> frozenset[str]:
    """Characters OpenCC converts on their own: their presence marks Traditional text."""
    convert, to_traditional = _converter().convert, opencc.OpenCC("s2t").convert
    # a character with a Traditional form of its own (么 → 麼) is Simplified, not a marker
    alone = {ch for ch in map(chr, range(0x3400, 0xA000)) if convert(ch) != ch and to_traditional(ch) == ch}
    return frozenset(alone | set(_CONVERTED_IN_PHRASES))


def _char_class(chars: frozenset[str]) -> str:
    """A regex character class of ``chars``, consecutive code points as ranges."""
    codes = sorted(map(ord, chars))
    ranges, first, last = [], codes[0], codes[0]
    for code in codes[1:] + [-1]:
        if code == last + 1:
            last = code
            continue
        ranges.append(re.escape(chr(first)) if first == last else f"{re.escape(chr(first))}-{re.escape(chr(last))}")
        first = last = code
    return "".join(ranges)


@lru_cache(maxsize=1)
def _traditional() -> re.Pattern:
    """Finds a Traditional marker character (a regex scans a text several times faster than a set)."""
    return re.compile(f"[{_char_class(_traditional_chars())}]")


@lru_cache(maxsize=1)
def _anything_to_change() -> re.Pattern:
    """Finds any character :func:`normalize` might change: most utterances have none, and one
    search then settles them (about four times faster than the separate checks)."""
    starts = frozenset(variant[0] for variant in _VARIANTS)
    return re.compile(f"[{_char_class(_traditional_chars() | starts)}\uff01-\uff5e\u3000A-Z]")


def to_simplified(text: str) -> str:
    """Convert Traditional to Simplified Chinese without changing the length.

    Most calls are in Simplified script: one search tells, and only text
    with Traditional characters pays for OpenCC's phrase-aware conversion.
    """
    if _traditional().search(text) is None:
        return text
    converted = _converter().convert(text)
    if len(converted) != len(text):
        converted = "".join(_converter().convert(ch) if len(_converter().convert(ch)) == 1 else ch
                            for ch in text)
    return converted


def normalize(text: str) -> str:
    """Return ``text`` in Simplified script, half-width and lower case, same length.

    >>> normalize("您先別著急，LPR")
    '您先别着急,lpr'
    """
    if _anything_to_change().search(text) is None:
        return text
    if _FULL_WIDTH_CHAR.search(text) is not None:  # one for one, as text.translate(FULL_WIDTH)
        for char in set(_FULL_WIDTH_CHAR.findall(text)):  # a few distinct marks (，？！): a replace each
            text = text.replace(char, _HALF_WIDTH[char])
    out = to_simplified(text)
    if _UPPER_ASCII.search(out) is not None:
        out = out.translate(_LOWER_ASCII)
    for variant, standard in _VARIANTS.items():
        if variant in out:
            out = out.replace(variant, standard)
    return out
