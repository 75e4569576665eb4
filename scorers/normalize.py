"""Text normalisation that keeps character offsets.

Every rule matches on normalised text (Simplified script, half-width
characters, lower-case Latin) but reports spans in the original ASR text, so
the normaliser must map one character to exactly one character. OpenCC's
Taiwan-to-Simplified conversion is length-preserving for nearly all input;
when a phrase conversion would change the length we fall back to converting
character by character, which always is.
"""
from __future__ import annotations

from functools import lru_cache

import opencc

# Regional words that differ between scripts but mean the same thing, of
# equal length so offsets stay aligned.
_VARIANTS = {
    "身分证": "身份证",
    "帐户": "账户",
    "帐号": "账号",
    "简讯": "短信",
    "讯息": "消息",
    "网路": "网络",
}

_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_FULL_WIDTH[0x3000] = 0x20  # ideographic space


@lru_cache(maxsize=1)
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("tw2s")


def to_simplified(text: str) -> str:
    """Convert Traditional to Simplified Chinese without changing the length."""
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
    out = to_simplified(text.translate(_FULL_WIDTH)).lower()
    for variant, standard in _VARIANTS.items():
        if variant in out:
            out = out.replace(variant, standard)
    return out
