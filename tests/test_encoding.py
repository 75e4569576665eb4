"""encoding: a transcript file's bytes become text, or one clear message says what the file is instead."""
import codecs
import json

import pytest

from scorers.encoding import NotUtf8, decode

RECORD = {"call_id": "G-1", "agent_id": "A1", "team": "零售客服一组", "started_at": "2026-11-20T09:00:00+08:00",
          "utterances": [{"speaker": "坐席", "text": "您好,请问有什么可以帮您?"},
                         {"speaker": "客户", "text": "我想查一下储蓄卡的余额,谢谢"}]}
TEXT = "\n".join(json.dumps({**RECORD, "call_id": f"G-{i}"}, ensure_ascii=False) for i in range(5)) + "\n"
LATIN = "\n".join(json.dumps({"call_id": f"L-{i}", "team": "équipe société", "text": "Bonjour, ça va très bien"},
                             ensure_ascii=False) for i in range(5)) + "\n"


@pytest.mark.parametrize("data", [TEXT.encode(), codecs.BOM_UTF8 + TEXT.encode()], ids=["utf-8", "utf-8-bom"])
def test_utf8_is_read_as_it_is(data):
    assert decode(data).text == TEXT
    assert decode(data).notice == ""


@pytest.mark.parametrize("codec", ["gbk", "gb18030", "gb2312"])
def test_gbk_is_decoded_and_said_so(codec):
    decoded = decode(TEXT.encode(codec))
    assert decoded.text == TEXT
    assert decoded.notice == "not UTF-8: read as GBK (GB18030)"


@pytest.mark.parametrize("codec, name", [("utf-16", "UTF-16"), ("utf-32", "UTF-32")])
def test_utf16_with_a_byte_order_mark_is_decoded_and_said_so(codec, name):
    decoded = decode(TEXT.encode(codec))  # Python writes the byte-order mark
    assert decoded.text == TEXT
    assert decoded.notice == f"not UTF-8: read as {name} (it starts with a byte-order mark)"


@pytest.mark.parametrize("data, looks", [
    (LATIN.encode("latin-1"), "Windows-1252 / Latin-1"),
    (TEXT.encode("utf-16-le"), "UTF-16 without a byte-order mark"),
])
def test_other_encodings_are_refused_with_one_message(data, looks):
    with pytest.raises(NotUtf8) as info:
        decode(data)
    assert str(info.value) == f"file is not UTF-8 (looks like {looks}): export it as UTF-8"


def test_broken_utf16_after_its_mark_is_refused():
    with pytest.raises(NotUtf8, match="starts with a UTF-16 byte-order mark but is not UTF-16"):
        decode(codecs.BOM_UTF16_LE + b"\x00\xd8a\x00")  # a lone high surrogate, then 'a'


def test_a_damaged_byte_in_a_utf8_file_stays_in_its_line():
    lines = TEXT.encode().split(b"\n")
    lines[2] = lines[2].replace("储蓄".encode(), b"\xff\xfe")
    decoded = decode(b"\n".join(lines))
    assert decoded.notice == ""
    got = decoded.text.split("\n")
    assert got[:2] == TEXT.split("\n")[:2] and got[3:] == TEXT.split("\n")[3:]
    assert "\udcff\udcfe" in got[2]  # the bad bytes, kept as lone surrogates for validation to reject
