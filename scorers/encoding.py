"""Turn an input file's bytes into text: UTF-8, or a clear word about what it is instead.

Vendors export from Chinese PCs and Excel in GBK, now and then in UTF-16. Read
as UTF-8 with replacement characters such a file is scored as garbage (every
greeting missed, teams named ``���``) and the night exits 0, so nothing is
guessed silently:

- UTF-8, with or without a byte-order mark, is read as it is.
- UTF-16 / UTF-32 with a byte-order mark is decoded (the mark says which), with a notice.
- A file none of whose non-ASCII lines is UTF-8 goes to charset-normalizer: GBK, GB2312
  or GB18030 is decoded as GB18030 (a superset of the other two), with a notice; anything
  else is refused as a whole: ``file is not UTF-8 (looks like Windows-1252 / Latin-1)``.
- A UTF-8 file with a few damaged bytes is still read: each bad byte becomes a lone
  surrogate (``surrogateescape``), which validation rejects in the one record holding it.
"""
from __future__ import annotations

import codecs
from dataclasses import dataclass

_BOMS = [(codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")]
_CHINESE = {"gb18030", "gbk", "gb2312", "hz", "cp936"}  # charset-normalizer's names of the GB family
_NAMES = {"gb18030": "GBK", "gbk": "GBK", "gb2312": "GBK", "cp936": "GBK", "hz": "GBK", "big5": "Big5",
          "big5hkscs": "Big5", "cp950": "Big5", "cp1252": "Windows-1252 / Latin-1", "latin_1": "Latin-1",
          "iso8859_1": "Latin-1", "utf_16": "UTF-16", "utf_16_le": "UTF-16 without a byte-order mark",
          "utf_16_be": "UTF-16 without a byte-order mark", "utf_32": "UTF-32", "shift_jis": "Shift-JIS",
          "cp932": "Shift-JIS", "euc_jp": "EUC-JP", "euc_kr": "EUC-KR", "cp949": "EUC-KR"}


class NotUtf8(ValueError):
    """The file is in another encoding than UTF-8 and is not decoded: the whole file is rejected."""


@dataclass(frozen=True)
class Decoded:
    text: str
    notice: str = ""  # set when the file was not plain UTF-8 and was decoded anyway


def decode(data: bytes) -> Decoded:
    """The text of a transcript file; raises :class:`NotUtf8` for an encoding it will not guess."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    else:
        for bom, codec in _BOMS:
            if data.startswith(bom):
                name = codec.upper()
                try:
                    return Decoded(data.decode(codec), f"not UTF-8: read as {name} (it starts with a byte-order mark)")
                except UnicodeDecodeError as err:
                    raise NotUtf8(f"file starts with a {name} byte-order mark but is not {name} "
                                  f"(byte {err.start})") from None
    try:
        return Decoded(data.decode("utf-8"))
    except UnicodeDecodeError:
        pass
    if _mostly_utf8(data):
        return Decoded(data.decode("utf-8", errors="surrogateescape"))
    looks = looks_like(data)
    if looks in _CHINESE:
        try:
            return Decoded(data.decode("gb18030"), "not UTF-8: read as GBK (GB18030)")
        except UnicodeDecodeError:
            pass
    raise NotUtf8(f"file is not UTF-8 (looks like {_NAMES.get(looks, looks or 'an unknown encoding')}): "
                  "export it as UTF-8")


def _mostly_utf8(data: bytes) -> bool:
    """Some non-ASCII line is good UTF-8, and at least as many are as are not: a damaged UTF-8
    file, not another encoding (Chinese text in GBK practically never forms valid UTF-8)."""
    good = bad = 0
    for line in data.split(b"\n"):
        if not line.isascii():
            try:
                line.decode("utf-8")
                good += 1
            except UnicodeDecodeError:
                bad += 1
    return good > 0 and good >= bad


def looks_like(data: bytes) -> str:
    """charset-normalizer's best guess (its codec name), or "" when it has none."""
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    return best.encoding if best is not None else ""
