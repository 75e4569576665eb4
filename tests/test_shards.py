"""The night cut into shards: every record read once, with the line number a whole-file read gives."""
import json

import pytest

from scorers import shards
from scorers.call import Call
from scorers.ingest import Rejection, iter_records
from scorers.shards import line_starts, plan_shards, read_shard, record_at
from tests.conftest import call_record


def write_night(path, n, bad_every=0, blank_every=0, encoding="utf-8", newline="\n"):
    lines = []
    for i in range(n):
        if bad_every and i % bad_every == bad_every - 1:
            lines.append("{not json")
        else:
            lines.append(json.dumps(call_record(call_id=f"S-{i:04d}", utterances=[("agent", f"您好,第{i}位客户")]),
                                    ensure_ascii=False))
        if blank_every and i % blank_every == 0:
            lines.append("   ")
    path.write_bytes((newline.join(lines) + newline).encode(encoding))
    return path


def read_all(planned):
    out = []
    for shard in planned:
        for block in read_shard(shard, {}, []):
            out += [(where, item.call_id if isinstance(item, Call) else item.reason) for where, item in block]
    return out


def whole_file(path):
    return [(f"{r.location}" if isinstance(r, Rejection) else None, r.call_id if isinstance(r, Call) else r.reason)
            for r in iter_records([path])]


@pytest.mark.parametrize("shard_lines", [1, 3, 7, 50])
def test_shards_read_every_record_once_with_the_files_line_numbers(tmp_path, shard_lines):
    path = write_night(tmp_path / "n.jsonl", 20, bad_every=6, blank_every=5)
    planned = plan_shards([path], shard_lines=shard_lines)
    assert len(planned) == -(-24 // shard_lines)  # 20 records and 4 blank lines, cut every shard_lines lines
    got = read_all(planned)
    assert [cid for _, cid in got] == [cid for _, cid in whole_file(path)]
    rejected = [where for where, cid in got if cid.startswith("not valid JSON")]
    assert rejected == [where for where, _ in whole_file(path) if where]  # "line 7", ... as a whole read says


def test_a_shard_boundary_falls_on_a_line_end_and_the_last_line_may_lack_one(tmp_path):
    path = tmp_path / "n.jsonl"
    write_night(path, 5)
    path.write_bytes(path.read_bytes().rstrip(b"\n"))  # no newline after the last record
    starts, total = line_starts(path, 2)
    assert total == 5 and starts[-1] == path.stat().st_size
    data = path.read_bytes()
    assert all(data[s - 1:s] == b"\n" for s in starts[1:-1])
    assert [cid for _, cid in read_all(plan_shards([path], shard_lines=2))] == [f"S-{i:04d}" for i in range(5)]


def test_shards_are_sized_from_the_workers(tmp_path, monkeypatch):
    monkeypatch.setattr(shards, "BLOCK_LINES", 10)
    monkeypatch.setattr(shards, "SHARD_MIN_LINES", 20)
    monkeypatch.setattr(shards, "SHARD_MAX_LINES", 100)
    monkeypatch.setattr(shards, "SHARDS_PER_WORKER", 4)
    path = write_night(tmp_path / "n.jsonl", 400)
    assert len(plan_shards([path], workers=1)) == 4  # one worker: the largest shards
    assert len(plan_shards([path], workers=2)) == 8  # about four per worker
    assert len(plan_shards([path], workers=50)) == 20  # never under the smallest size
    assert sum(s.lines for s in plan_shards([path], workers=2)) == 400
    # 430 lines on 2 workers: 8 shards of 50 or 60 lines (every worker gets four, none is left with one more)
    path = write_night(tmp_path / "m.jsonl", 430)
    sizes = [s.lines for s in plan_shards([path], workers=2)]
    assert len(sizes) == 8 and set(sizes) <= {50, 60} and sum(sizes) == 430, sizes


def test_gbk_is_cut_like_utf8_and_read_with_a_notice(tmp_path):
    path = write_night(tmp_path / "gbk.jsonl", 9, encoding="gbk")
    notices = []
    ids = []
    for shard in plan_shards([path], shard_lines=4):
        for block in read_shard(shard, {}, notices):
            ids += [item.call_id for _, item in block]
    assert ids == [f"S-{i:04d}" for i in range(9)]
    assert notices == [f"{path}: not UTF-8: read as GBK (GB18030)"]  # once, not once per block


def test_utf16_csv_and_parquet_files_are_one_shard_read_whole(tmp_path):
    wide = write_night(tmp_path / "wide.jsonl", 5, encoding="utf-16")
    table = tmp_path / "rows.csv"
    table.write_text("call_id,agent_id,started_at,speaker,text,seq\nR-1,A1,2026-11-20T09:00:00+08:00,agent,您好,1\n",
                     encoding="utf-8")
    planned = plan_shards([wide, table], shard_lines=2)
    assert [(s.whole, s.index) for s in planned] == [(True, 0), (True, 1)]
    assert [cid for _, cid in read_all(planned)] == [f"S-{i:04d}" for i in range(5)] + ["R-1"]


def test_a_block_in_no_readable_encoding_is_one_rejection_naming_its_lines(tmp_path):
    path = write_night(tmp_path / "n.jsonl", 6)
    lines = path.read_bytes().split(b"\n")
    lines[4] = lines[5] = "{\"call_id\": \"café\"}".encode("latin-1")  # two Latin-1 lines in a UTF-8 night
    path.write_bytes(b"\n".join(lines))
    got = read_all(plan_shards([path], shard_lines=2))
    assert [cid for _, cid in got if cid.startswith("S-")] == ["S-0000", "S-0001", "S-0002", "S-0003"]
    (bad,) = [where for where, cid in got if not cid.startswith("S-")]
    assert bad == "lines 5-6"


def test_record_at_returns_the_line_as_it_stands_in_the_file(tmp_path):
    path = write_night(tmp_path / "n.jsonl", 6)
    (shard,) = [s for s in plan_shards([path], shard_lines=3) if s.first_line == 4]
    assert json.loads(record_at(shard, "line 5"))["call_id"] == "S-0004"
    assert record_at(shard, "line 99") == ""


def test_an_empty_file_is_one_shard_with_nothing_in_it(tmp_path):
    path = tmp_path / "empty.jsonl"
    path.write_bytes(b"")
    planned = plan_shards([path])
    assert len(planned) == 1 and read_all(planned) == []


def _reference_starts(data: bytes, every: int) -> tuple[list[int], int]:
    ends = [i + 1 for i, byte in enumerate(data) if byte == 0x0A]  # the offset after each newline
    starts = [0] + ends[every - 1::every]
    if starts[-1] != len(data):
        starts.append(len(data))
    return starts, len(ends) + (bool(data) and not data.endswith(b"\n"))


def test_line_starts_match_a_plain_count_whatever_the_chunk_edges(tmp_path, monkeypatch):
    """Newlines found chunk by chunk, one find at a time: one on a chunk's last byte or first byte,
    an empty file, blank lines and a last line without its newline all count as a plain scan says."""
    cases = [b"", b"\n", b"\n\n\n", b"a", b"ab\ncd", b"ab\ncd\n", b"\n\nabc\n\nd\ne\nfgh\n", b"x\n" * 9 + b"tail"]
    path = tmp_path / "n.jsonl"
    for chunk in (1, 2, 3, 4, 1 << 23):
        monkeypatch.setattr(shards, "_READ", chunk)
        for data in cases:
            path.write_bytes(data)
            for every in (1, 2, 3):
                assert line_starts(path, every) == _reference_starts(data, every), (data, every, chunk)
