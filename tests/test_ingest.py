"""ingest: every record becomes a Call or a Rejection that says where and why; nothing is lost."""
import csv
import dataclasses
import json
import random
from datetime import date

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from scorers.call import AGENT, CUSTOMER, Call
from scorers.ingest import InputError, Rejection, discover, find_inputs, iter_records
from scorers.numbers import mask_text


def split(items):
    calls = [i for i in items if isinstance(i, Call)]
    rejections = [i for i in items if isinstance(i, Rejection)]
    assert len(calls) + len(rejections) == len(items)
    return calls, rejections


def read(*paths):
    return split(list(iter_records(list(paths))))


def good(call_record, call_id, **kw):
    return json.dumps(call_record(call_id=call_id, **kw), ensure_ascii=False)


# --------------------------------------------------------------------------- JSONL, good and bad lines

@pytest.fixture(scope="module")
def mixed_jsonl(tmp_path_factory, call_record):
    def utts(*items):
        return list(items)

    def with_utterances(call_id, utterances):
        record = call_record(call_id=call_id)
        record["utterances"] = utterances
        return json.dumps(record, ensure_ascii=False)

    lines = [
        good(call_record, "C-1"),                                                          # 1
        '{"call_id": "C-2", "agent_id": ',                                                 # 2
        json.dumps({k: v for k, v in call_record(call_id="x").items() if k != "call_id"}),  # 3
        good(call_record, "C-4", utterances=utts(("agent", "您好"), ("robot", "嘀"))),      # 4
        good(call_record, "C-5", utterances=utts(("agent", "您好", 0, 900),
                                                 ("customer", "查余额", 5000, 4000))),     # 5
        good(call_record, "C-6", utterances=utts(("agent", "您好", -20, 900))),            # 6
        good(call_record, "C-7", utterances=[]),                                            # 7
        good(call_record, "C-8", started_at="昨天晚上"),                                     # 8
        good(call_record, "C-1"),                                                          # 9: duplicate
        "",                                                                                # 10: blank
        good(call_record, "C-11"),                                                         # 11
        "[1, 2, 3]",                                                                       # 12
        good(call_record, "C-13", agent_id=None),                                          # 13
        good(call_record, "C-14", utterances=[{"speaker": "agent", "text": None}]),        # 14
        good(call_record, "C-15", utterances=[{"speaker": "agent", "text": "您好", "start_ms": True}]),  # 15
        with_utterances("C-16", ["您好"]),                                                  # 16
        good(call_record, "C-17", utterances=[{"speaker": "agent", "text": "您好", "end_ms": "later"}]),  # 17
        json.dumps(call_record(call_id={"id": 1})),                                          # 18
    ]
    path = tmp_path_factory.mktemp("ingest") / "night.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    calls, rejections = read(path)
    return path, lines, calls, rejections


def test_good_calls_come_through(mixed_jsonl):
    _, _, calls, _ = mixed_jsonl
    assert [c.call_id for c in calls] == ["C-1", "C-11"]
    call = calls[0]
    assert (call.agent_id, call.team, call.channel) == ("A1001", "零售客服一组", "phone")
    assert [(u.speaker, u.text, u.start_ms, u.end_ms) for u in call.utterances] == [
        (AGENT, "您好,请问有什么可以帮您?", 0, 2500), (CUSTOMER, "我想查一下储蓄卡的余额", 3000, 5500)]


BAD_LINES = [
    # (line, call_id, field, reason fragment)
    (2, "", "(json)", "not valid JSON"),
    (3, "", "call_id", "missing"),
    (4, "C-4", "utterances[1].speaker", "unknown speaker 'robot'"),
    (5, "C-5", "utterances[1].end_ms", "ends (4000) before it starts (5000)"),
    (6, "C-6", "utterances[0].start_ms", "must not be negative, got -20"),
    (7, "C-7", "utterances", "missing or empty list"),
    (8, "C-8", "started_at", "not an ISO 8601 date-time: '昨天晚上'"),
    (9, "C-1", "call_id", "duplicate call_id 'C-1', first at"),
    (12, "", "(record)", "expected a JSON object, got list"),
    (13, "C-13", "agent_id", "missing"),
    (14, "C-14", "utterances[0].text", "missing or not a string"),
    (15, "C-15", "utterances[0].start_ms", "must be an integer number of milliseconds, got True"),
    (16, "C-16", "utterances[0]", "expected an object"),
    (17, "C-17", "utterances[0].end_ms", "must be an integer number of milliseconds, got 'later'"),
    (18, "{'id': 1}", "call_id", "must be a string, got dict"),
]


@pytest.mark.parametrize("line, call_id, field, reason", BAD_LINES, ids=[f"line{b[0]}" for b in BAD_LINES])
def test_bad_line_is_rejected_with_location_field_and_reason(mixed_jsonl, line, call_id, field, reason):
    path, lines, _, rejections = mixed_jsonl
    (rejection,) = [r for r in rejections if r.location == f"line {line}"]
    assert rejection.source == str(path)
    assert rejection.call_id == call_id
    assert rejection.field == field
    assert reason in rejection.reason
    assert rejection.raw == lines[line - 1]
    assert rejection.message() == f"{path}, line {line}: {field}: {rejection.reason}"


def test_every_bad_line_is_accounted_for(mixed_jsonl):
    _, _, calls, rejections = mixed_jsonl
    assert sorted(int(r.location.split()[1]) for r in rejections) == [b[0] for b in BAD_LINES]
    assert len(calls) + len(rejections) == 17  # 18 lines, one blank


def test_duplicate_names_where_it_was_first_seen(mixed_jsonl):
    path, _, _, rejections = mixed_jsonl
    (dup,) = [r for r in rejections if r.location == "line 9"]
    assert dup.reason.endswith(f"first at {path}, line 1")


def test_duplicate_across_files_is_rejected(make_call):
    first = make_call(call_id="D-1", file="a.jsonl")
    second = make_call(call_id="D-1", file="b.jsonl")
    calls, rejections = read(first, second)
    assert [c.source for c in calls] == [str(first)]
    (dup,) = rejections
    assert (dup.source, dup.location, dup.field) == (str(second), "line 1", "call_id")


@pytest.mark.parametrize("speaker, expected", [
    ("agent", AGENT), ("坐席", AGENT), ("客服", AGENT), ("staff", AGENT), ("Staff", AGENT), ("AGENT", AGENT),
    (" 坐席 ", AGENT),
    ("customer", CUSTOMER), ("客户", CUSTOMER), ("user", CUSTOMER), ("USER", CUSTOMER), ("Customer", CUSTOMER),
])
def test_speaker_aliases(make_call, speaker, expected):
    path = make_call(utterances=[(speaker, "您好")])
    (call,), rejections = read(path)
    assert rejections == []
    assert call.utterances[0].speaker == expected


@pytest.mark.parametrize("speaker", ["robot", "", "系统", None, "agent2"])
def test_unknown_speakers_are_rejected(make_call, speaker):
    path = make_call(utterances=[{"speaker": speaker, "text": "您好"}])
    calls, (rejection,) = read(path)
    assert calls == []
    assert rejection.field == "utterances[0].speaker"
    assert rejection.reason.startswith(f"unknown speaker {speaker!r}")


@pytest.mark.parametrize("start, end, expected", [
    (None, None, (None, None)),
    ("", "", (None, None)),
    (0, 0, (0, 0)),
    ("1200", "3400", (1200, 3400)),
    (1200.0, 3400.0, (1200, 3400)),
    ("1200.0", " 3400 ", (1200, 3400)),
    (100, None, (100, None)),
])
def test_timestamps_accepted(make_call, start, end, expected):
    path = make_call(utterances=[{"speaker": "agent", "text": "您好", "start_ms": start, "end_ms": end}])
    (call,), _ = read(path)
    assert (call.utterances[0].start_ms, call.utterances[0].end_ms) == expected


@pytest.mark.parametrize("start, reason", [
    ("-5", "must not be negative, got -5"),
    ("12.5", "must be an integer number of milliseconds, got 12.5"),
    (12.5, "must be an integer number of milliseconds, got 12.5"),
    ("1e3", "must be an integer number of milliseconds, got '1e3'"),
    ("soon", "must be an integer number of milliseconds, got 'soon'"),
    ([1], "must be an integer number of milliseconds, got [1]"),
])
def test_bad_timestamps_rejected(make_call, start, reason):
    path = make_call(utterances=[{"speaker": "agent", "text": "您好", "start_ms": start}])
    _, (rejection,) = read(path)
    assert (rejection.field, rejection.reason) == ("utterances[0].start_ms", reason)


@pytest.mark.parametrize("field", ["call_id", "agent_id"])
@pytest.mark.parametrize("blank", ["   ", "\t", "\u3000"])
def test_blank_ids_are_rejected(make_call, field, blank):
    path = make_call(**{"call_id": "B-1", field: blank})
    calls, (rejection,) = read(path)
    assert calls == []
    assert rejection.field == field
    assert rejection.reason == f"blank (only spaces): {blank!r}"


def test_ids_are_trimmed_and_numbers_accepted(make_call):
    make_call(call_id="  C-9  ")
    path = make_call(call_id=12345)
    calls, rejections = read(path)
    assert rejections == []
    assert [c.call_id for c in calls] == ["C-9", "12345"]


def test_text_is_normalised_next_to_the_original(make_call):
    path = make_call(utterances=[("customer", "我的帳戶怎麼被凍結了？ＬＰＲ")])
    (call,), _ = read(path)
    u = call.utterances[0]
    assert u.text == "我的帳戶怎麼被凍結了？ＬＰＲ"
    assert u.norm == "我的账户怎么被冻结了?lpr"


# --------------------------------------------------------------------------- call_date

@pytest.mark.parametrize("started_at, call_date, stored", [
    ("2026-11-20T09:00:00+08:00", date(2026, 11, 20), "2026-11-20T09:00:00+08:00"),
    ("2026-11-20T23:59:59+08:00", date(2026, 11, 20), "2026-11-20T23:59:59+08:00"),
    ("2026-11-21T00:30:00+08:00", date(2026, 11, 21), "2026-11-21T00:30:00+08:00"),
    ("2026-11-20T23:30:00", date(2026, 11, 20), "2026-11-20T23:30:00+08:00"),   # naive: Beijing time
    ("2026-11-20 08:15:00", date(2026, 11, 20), "2026-11-20T08:15:00+08:00"),
    ("2026-11-20T01:02:03.456", date(2026, 11, 20), "2026-11-20T01:02:03.456000+08:00"),
    ("2026-11-20T03:00:00Z", date(2026, 11, 20), "2026-11-20T03:00:00+00:00"),   # 11:00 in Beijing
    ("2026-11-20T09:00", date(2026, 11, 20), "2026-11-20T09:00:00+08:00"),
    ("2026-11-20T09:00:00,5+0800", date(2026, 11, 20), "2026-11-20T09:00:00.500000+08:00"),
])
def test_call_date_from_started_at(make_call, started_at, call_date, stored):
    (call,), _ = read(make_call(started_at=started_at))
    assert call.call_date == call_date
    assert call.started_at == stored


@pytest.mark.parametrize("started_at", ["2026-11-20T17:30:00Z", "2026-11-20T17:30:00+00:00"])
def test_call_date_is_the_beijing_date(make_call, started_at):
    (call,), _ = read(make_call(started_at=started_at))
    assert call.call_date == date(2026, 11, 21)  # 01:30 on the 21st in Beijing


@pytest.mark.parametrize("started_at", ["yesterday", "2026-13-01T00:00:00", "20/11/2026 09:00", "2026-11-20T25:00",
                                        "2026-11-20", "2026-W47-5T09:00", "２０２６-11-20T09:00"])
def test_bad_started_at(make_call, started_at):
    _, (rejection,) = read(make_call(started_at=started_at))
    assert rejection.field == "started_at"
    assert rejection.reason == f"not an ISO 8601 date-time: {started_at!r} (expected e.g. 2026-11-20T09:02:15+08:00)"


def test_an_id_number_is_not_a_date(make_call):
    # fromisoformat alone reads it as 1101-05-19T20:41:51.892: a personal number, masked in the message
    _, (rejection,) = read(make_call(started_at="110105199204151892"))
    assert rejection.field == "started_at"
    assert rejection.reason.startswith(f"not an ISO 8601 date-time: '{mask_text('110105199204151892')}'")
    assert "110105199204151892" not in rejection.message()


def test_basic_iso_format_is_not_taken(make_call):
    _, (rejection,) = read(make_call(started_at="20261120T090000"))
    assert rejection.field == "started_at" and rejection.reason.startswith("not an ISO 8601 date-time")


@pytest.mark.parametrize("started_at", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00",
                                        "0001-01-01T12:00:00+08:00", "1101-05-19T20:41:51", "2100-01-01T00:00:00"])
def test_started_at_outside_the_calendar_is_rejected(make_call, started_at):
    ok = make_call(call_id="OK-1")
    make_call(call_id="T-1", started_at=started_at)
    calls, (rejection,) = read(ok)
    assert [c.call_id for c in calls] == ["OK-1"]
    assert (rejection.call_id, rejection.field) == ("T-1", "started_at")
    assert rejection.reason == f"out of range: {started_at!r} is not between 1970 and 2100 in Beijing time"


def test_started_at_in_range_at_the_edges(make_call):
    make_call(call_id="E-1", started_at="1970-01-01T00:00:00+08:00")
    path = make_call(call_id="E-2", started_at="2099-12-31T23:59:59+08:00")
    calls, rejections = read(path)
    assert rejections == []
    assert [c.call_date for c in calls] == [date(1970, 1, 1), date(2099, 12, 31)]


def test_jsonl_with_byte_order_mark(tmp_path, call_record):
    path = tmp_path / "bom.jsonl"
    path.write_text(json.dumps(call_record(call_id="B-1"), ensure_ascii=False) + "\n", encoding="utf-8-sig")
    calls, rejections = read(path)
    assert rejections == []
    assert [c.call_id for c in calls] == ["B-1"]


# --------------------------------------------------------------------------- CSV and Parquet

ROWS_CALL = [("坐席", "您好,这里是客服中心"), ("客户", "我的信用卡被盗刷了,好几次了"),
             ("agent", "给您添麻烦了,我马上帮您查"), ("customer", "尾号1234那张")]


def utterance_rows(call_id, order_column="utterance_index", start_index=0, started_at="2026-11-20T21:15:00+08:00"):
    return [{"call_id": call_id, "agent_id": "A2002", "team": "信用卡组", "channel": "phone",
             "started_at": started_at, order_column: start_index + i, "speaker": speaker, "text": text,
             "start_ms": i * 4000, "end_ms": i * 4000 + 3500}
            for i, (speaker, text) in enumerate(ROWS_CALL)]


def jsonl_twin(call_record, tmp_path, call_id):
    path = tmp_path / f"{call_id}.jsonl"
    record = call_record([(s, t, i * 4000, i * 4000 + 3500) for i, (s, t) in enumerate(ROWS_CALL)],
                         call_id=call_id, agent_id="A2002", team="信用卡组", started_at="2026-11-20T21:15:00+08:00")
    path.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    (call,), _ = read(path)
    return call


def write_csv(path, rows):
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_parquet(path, rows):
    pq.write_table(pa.Table.from_pylist(rows), path)
    return path


def comparable(call):
    return {k: v for k, v in dataclasses.asdict(call).items() if k != "source"}


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
@pytest.mark.parametrize("order_column", ["utterance_index", "seq", "turn", "order"])
def test_rows_give_the_same_call_as_jsonl(tmp_path, call_record, fmt, order_column):
    rows = utterance_rows("R-1", order_column, start_index=1)
    random.Random(7).shuffle(rows)
    assert [r[order_column] for r in rows] != sorted(r[order_column] for r in rows), "rows must be shuffled"
    path = (write_csv if fmt == "csv" else write_parquet)(tmp_path / f"night.{fmt}", rows)
    (call,), rejections = read(path)
    assert rejections == []
    assert comparable(call) == comparable(jsonl_twin(call_record, tmp_path, "R-1"))
    assert call.source == str(path)


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_several_calls_in_one_table(tmp_path, fmt):
    rows = utterance_rows("R-1") + utterance_rows("R-2", started_at="2026-11-21T08:00:00+08:00")
    rows = rows[::-1]
    path = (write_csv if fmt == "csv" else write_parquet)(tmp_path / f"night.{fmt}", rows)
    calls, rejections = read(path)
    assert rejections == []
    assert [(c.call_id, c.call_date) for c in calls] == [("R-2", date(2026, 11, 21)), ("R-1", date(2026, 11, 20))]
    assert all([u.text for u in c.utterances] == [t for _, t in ROWS_CALL] for c in calls)


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
@pytest.mark.parametrize("column", ["call_id", "agent_id", "started_at", "speaker", "text"])
def test_missing_column_is_named(tmp_path, fmt, column):
    rows = [{k: v for k, v in r.items() if k != column} for r in utterance_rows("R-1")]
    path = (write_csv if fmt == "csv" else write_parquet)(tmp_path / f"night.{fmt}", rows)
    calls, (rejection,) = read(path)
    assert calls == []
    assert (rejection.source, rejection.location) == (str(path), "rows 1-4")
    assert rejection.field == f"column {column}"
    assert rejection.reason == "missing from the file header"


def test_missing_order_column_is_named(tmp_path):
    rows = [{k: v for k, v in r.items() if k != "utterance_index"} for r in utterance_rows("R-1")]
    _, (rejection,) = read(write_csv(tmp_path / "night.csv", rows))
    assert rejection.field == "column one of utterance_index/seq/turn/order"


def test_rows_of_a_bad_call_are_named(tmp_path):
    rows = utterance_rows("R-1") + utterance_rows("R-2")
    rows[5]["speaker"] = "机器人"
    rows[6]["utterance_index"] = "third"
    rows += utterance_rows("R-3")
    rows[9]["speaker"] = "机器人"
    path = write_csv(tmp_path / "night.csv", rows)
    calls, rejections = read(path)
    assert [c.call_id for c in calls] == ["R-1"]
    assert [(r.location, r.field) for r in rejections] == [
        ("row 7", "utterance_index"),
        ("rows 9-12", "utterances[1].speaker"),
    ]
    assert rejections[0].reason == "not an integer in row 7"
    assert rejections[1].call_id == "R-3"
    assert "机器人" in rejections[1].raw and "third" in rejections[0].raw


def test_bad_order_value_keeps_the_call_id(tmp_path):
    rows = utterance_rows("R-2")
    rows[2]["utterance_index"] = "third"
    _, (rejection,) = read(write_csv(tmp_path / "night.csv", rows))
    assert rejection.call_id == "R-2"


def test_empty_cells_are_missing_timestamps(tmp_path):
    rows = utterance_rows("R-1")
    rows[0]["start_ms"] = rows[0]["end_ms"] = ""
    (call,), _ = read(write_csv(tmp_path / "night.csv", rows))
    assert (call.utterances[0].start_ms, call.utterances[0].end_ms) == (None, None)


def test_csv_float_milliseconds(tmp_path):
    rows = utterance_rows("R-1")
    for r in rows:
        r["end_ms"] = f"{r['end_ms']}.0"
    rows[0]["end_ms"] = ""
    calls, rejections = read(write_csv(tmp_path / "night.csv", rows))
    assert rejections == []
    assert calls[0].utterances[1].end_ms == 7500


def test_unreadable_file_is_one_rejection(tmp_path, make_call):
    bad = tmp_path / "broken.csv"
    bad.write_bytes(b"call_id,text\n\xff\xfe\xfa,\x80\x81\n")
    ok = make_call(call_id="OK-1")
    calls, rejections = read(bad, ok)
    assert [c.call_id for c in calls] == ["OK-1"]
    (rejection,) = rejections
    assert (rejection.source, rejection.location, rejection.field) == (str(bad), "(file)", "(file)")
    assert rejection.reason.startswith("file is not UTF-8 (looks like ")


def test_unreadable_parquet_is_one_rejection(tmp_path, make_call):
    bad = tmp_path / "broken.parquet"
    bad.write_bytes(b"PAR1 not really")
    calls, (rejection,) = read(bad, make_call(call_id="OK-1"))
    assert [c.call_id for c in calls] == ["OK-1"]
    assert (rejection.location, rejection.field) == ("(file)", "(file)")
    assert rejection.reason.startswith("cannot read file")


# --------------------------------------------------------------------------- discover

@pytest.fixture
def input_tree(tmp_path):
    root = tmp_path / "incoming"
    for name in ["a.jsonl", "b.csv", "sub/c.parquet", "sub/deeper/d.JSONL", "notes.txt", "_staging/x.jsonl",
                 ".hidden/y.jsonl", "sub/_tmp/z.csv"]:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("", encoding="utf-8")
    return root


def test_discover_a_file(input_tree):
    assert discover(input_tree / "a.jsonl") == [input_tree / "a.jsonl"]
    assert discover(str(input_tree / "b.csv")) == [input_tree / "b.csv"]


def test_discover_a_folder(input_tree):
    assert discover(input_tree) == sorted([input_tree / "a.jsonl", input_tree / "b.csv",
                                           input_tree / "sub" / "c.parquet", input_tree / "sub" / "deeper" / "d.JSONL"])


@pytest.mark.parametrize("pattern, expected", [
    ("*.jsonl", ["a.jsonl"]),
    ("*.csv", ["b.csv"]),
    ("sub/*.parquet", ["sub/c.parquet"]),
    ("**/*.parquet", ["sub/c.parquet"]),
    ("[ab].*", ["a.jsonl", "b.csv"]),
])
def test_discover_a_glob(input_tree, pattern, expected):
    assert discover(f"{input_tree}/{pattern}") == [input_tree / e for e in expected]


@pytest.mark.parametrize("target", ["missing.jsonl", "nothing/*.jsonl", "empty_dir"])
def test_discover_nothing_is_an_input_error(tmp_path, target):
    (tmp_path / "empty_dir").mkdir()
    with pytest.raises(InputError) as info:
        discover(tmp_path / target)
    assert str(tmp_path / target) in str(info.value)
    assert "no input files found" in str(info.value)


@pytest.mark.parametrize("pattern", ["*", "*.*"])
def test_a_glob_skips_other_files_like_a_folder_does(input_tree, pattern):
    inputs = find_inputs(f"{input_tree}/{pattern}")
    assert inputs.files == [f for f in discover(input_tree) if f.parent == input_tree]
    assert inputs.skipped == [input_tree / "notes.txt"]
    assert inputs.notice() == f"skipped 1 file that is not .jsonl, .csv or .parquet: {input_tree / 'notes.txt'}"


def test_a_folder_names_the_files_it_skips(input_tree):
    (input_tree / "sub" / "calls.xlsx").write_text("", encoding="utf-8")
    inputs = find_inputs(input_tree)
    assert inputs.skipped == [input_tree / "notes.txt", input_tree / "sub" / "calls.xlsx"]
    assert inputs.notice().startswith("skipped 2 files that are not .jsonl, .csv or .parquet: ")


def test_a_glob_of_only_other_files_is_an_input_error(input_tree):
    with pytest.raises(InputError, match="no input files found .*; skipped 1 file .*notes.txt"):
        discover(f"{input_tree}/*.txt")


def test_discover_unsupported_file_is_an_input_error(input_tree):
    with pytest.raises(InputError) as info:
        discover(input_tree / "notes.txt")
    assert "unsupported file type" in str(info.value)
    assert "notes.txt" in str(info.value)


# --------------------------------------------------------------------------- one record never costs the night

HALF_EMOJI = "\ud83d"  # an emoji cut in half: a lone UTF-16 surrogate, valid JSON ("\ud83d"), not a character


@pytest.mark.parametrize("where, field", [
    ({"utterances": [{"speaker": "agent", "text": f"您好{HALF_EMOJI}"}]}, "utterances[0].text"),
    ({"team": f"零售{HALF_EMOJI}"}, "team"),
    ({"channel": HALF_EMOJI}, "channel"),
    ({"agent_id": f"A{HALF_EMOJI}"}, "agent_id"),
    ({"call_id": f"S{HALF_EMOJI}"}, "call_id"),
    ({"started_at": f"2026-11-20T09:00:00{HALF_EMOJI}"}, "started_at"),
])
def test_lone_surrogate_is_one_rejection(tmp_path, call_record, where, field):
    path = tmp_path / "night.jsonl"
    lines = [json.dumps(call_record(call_id="OK-1")), json.dumps(call_record(**{"call_id": "S-1", **where}))]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    calls, (rejection,) = read(path)
    assert [c.call_id for c in calls] == ["OK-1"]
    assert (rejection.location, rejection.field) == ("line 2", field)
    if field != "started_at":
        assert rejection.reason.startswith("not valid text: '\\ud83d' at character ")
    assert rejection.raw == lines[1]  # JSON escapes it: the record replays as it came


def test_lone_surrogate_in_a_record_rejected_for_another_reason_is_writable(tmp_path, call_record):
    record = call_record(call_id=f"S-{HALF_EMOJI}", utterances=[{"speaker": HALF_EMOJI, "text": HALF_EMOJI}])
    path = tmp_path / "night.jsonl"
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    path.write_text(json.dumps(record) + "\n" + json.dumps({**record, "call_id": "S-2", "agent_id": None}) + "\n",
                    encoding="utf-8")
    _, rejections = read(path)
    assert [(r.call_id, r.field) for r in rejections] == [("S-\\ud83d", "call_id"), ("S-2", "agent_id")]
    for rejection in rejections:
        for value in dataclasses.astuple(rejection):
            value.encode("utf-8")  # rejected/ and the terminal take it


@pytest.mark.parametrize("start_ms", [2**63, 2**70, "99999999999999999999", 1e300])
def test_milliseconds_beyond_int64_are_rejected(make_call, start_ms):
    make_call(call_id="OK-1")
    path = make_call(call_id="I-1", utterances=[{"speaker": "agent", "text": "您好", "start_ms": start_ms}])
    calls, (rejection,) = read(path)
    assert [c.call_id for c in calls] == ["OK-1"]
    assert rejection.field == "utterances[0].start_ms"
    assert rejection.reason.startswith("too large: ") and rejection.reason.endswith("is beyond 64-bit milliseconds")


def test_largest_int64_milliseconds_pass(make_call):
    (call,), _ = read(make_call(utterances=[{"speaker": "agent", "text": "您好", "start_ms": 2**63 - 1}]))
    assert call.utterances[0].start_ms == 2**63 - 1


@pytest.mark.parametrize("line, reason", [
    ("[" * 100_000 + "]" * 100_000, "not valid JSON: nested too deeply"),
    ('{"call_id": ' + "7" * 5000 + "}", "not valid JSON: 'Exceeds the limit (4300 digits)"),
])
def test_json_that_breaks_the_parser_is_one_rejection(make_call, line, reason):
    make_call(call_id="OK-1")
    make_call.raw(line)
    path = make_call(call_id="OK-3")
    calls, (rejection,) = read(path)
    assert [c.call_id for c in calls] == ["OK-1", "OK-3"]
    assert (rejection.location, rejection.field) == ("line 2", "(json)")
    assert rejection.reason.startswith(reason)
    assert len(rejection.message()) < 300


def test_over_long_csv_cell_rejects_its_call_not_the_file(tmp_path):
    rows = utterance_rows("R-1") + utterance_rows("R-2") + utterance_rows("R-3")
    rows[5]["text"] = "长" * 200_000
    calls, (rejection,) = read(write_csv(tmp_path / "night.csv", rows))
    assert [c.call_id for c in calls] == ["R-1", "R-3"]
    assert (rejection.call_id, rejection.location, rejection.field) == ("R-2", "rows 5-8", "column text")
    assert rejection.reason == "cell of 200,000 characters in row 6, over the 131,072 limit (a quote left open?)"
    assert import_csv_limit() == 131_072, "the csv module's own limit is left as it was"


def import_csv_limit():
    return csv.field_size_limit()


def test_huge_order_value_is_not_an_integer(tmp_path):
    rows = utterance_rows("R-1")
    rows[1]["utterance_index"] = "9" * 5000
    _, (rejection,) = read(write_csv(tmp_path / "night.csv", rows))
    assert (rejection.field, rejection.reason) == ("utterance_index", "not an integer in row 2")


@pytest.mark.parametrize("speaker", ["6222021234567890128", 6222021234567890128, "13800138000"])
def test_rejection_messages_mask_personal_numbers(make_call, speaker):
    path = make_call(utterances=[{"speaker": speaker, "text": "您好", "start_ms": str(speaker)}])
    _, (rejection,) = read(path)
    assert rejection.reason.startswith(f"unknown speaker {mask_text(repr(speaker))} (expected")
    assert str(speaker) not in rejection.message()
    assert str(speaker) in rejection.raw  # rejected/ keeps the record itself, to be fixed and replayed


def test_bad_millisecond_value_is_masked(make_call):
    path = make_call(utterances=[{"speaker": "agent", "text": "您好", "start_ms": "卡号6222021234567890128"}])
    _, (rejection,) = read(path)
    assert rejection.field == "utterances[0].start_ms"
    assert "6222021234567890128" not in rejection.reason and mask_text("6222021234567890128") in rejection.reason


# --------------------------------------------------------------------------- files in other encodings

def read_noting(*paths):
    notices = []
    calls, rejections = split(list(iter_records(list(paths), notices)))
    return calls, rejections, notices


@pytest.mark.parametrize("codec", ["gbk", "utf-16"])
def test_jsonl_in_gbk_or_utf16_is_read_and_said_so(tmp_path, call_record, codec):
    records = [call_record(call_id=f"G-{i}", utterances=[("坐席", "您好,请问有什么可以帮您?"), ("客户", "查余额")])
               for i in range(3)]
    path = tmp_path / "night.jsonl"
    path.write_bytes("\n".join(json.dumps(r, ensure_ascii=False) for r in records).encode(codec))
    calls, rejections, notices = read_noting(path)
    assert rejections == []
    assert [(c.team, c.utterances[0].text) for c in calls] == [("零售客服一组", "您好,请问有什么可以帮您?")] * 3
    (notice,) = notices
    assert notice.startswith(f"{path}: not UTF-8: read as ")


def test_csv_in_gbk_is_read_and_said_so(tmp_path):
    path = tmp_path / "night.csv"
    write_csv(path, utterance_rows("R-1"))
    path.write_bytes(path.read_text(encoding="utf-8").encode("gbk"))
    (call,), rejections, notices = read_noting(path)
    assert rejections == [] and [u.text for u in call.utterances] == [t for _, t in ROWS_CALL]
    assert notices == [f"{path}: not UTF-8: read as GBK (GB18030)"]


def test_latin1_file_is_one_rejection_not_garbage(tmp_path, call_record, make_call):
    path = tmp_path / "export.jsonl"
    path.write_bytes("\n".join(json.dumps(call_record(call_id=f"L-{i}", team="équipe société", utterances=[
        ("agent", "Bonjour, ça va très bien, merci à vous")]), ensure_ascii=False) for i in range(4)).encode("latin-1"))
    calls, rejections, notices = read_noting(path, make_call(call_id="OK-1"))
    assert [c.call_id for c in calls] == ["OK-1"]
    (rejection,) = rejections
    assert (rejection.location, rejection.field) == ("(file)", "(file)")
    assert rejection.reason == "file is not UTF-8 (looks like Windows-1252 / Latin-1): export it as UTF-8"
    assert notices == []


def test_damaged_utf8_line_is_one_rejection(tmp_path, call_record):
    lines = [json.dumps(call_record(call_id=f"U-{i}"), ensure_ascii=False).encode() for i in range(4)]
    lines[1] = lines[1].replace("余额".encode(), b"\xff\xfe")
    path = tmp_path / "night.jsonl"
    path.write_bytes(b"\n".join(lines))
    calls, (rejection,), notices = read_noting(path)
    assert [c.call_id for c in calls] == ["U-0", "U-2", "U-3"] and notices == []
    assert (rejection.location, rejection.call_id, rejection.field) == ("line 2", "U-1", "utterances[1].text")
    assert rejection.reason.startswith("not valid text: '\\udcff' at character 9")
    assert "\\udcff\\udcfe" in rejection.raw
    rejection.raw.encode("utf-8")


def test_clean_and_checked_utterances_build_the_same_call(call_record):
    """A clean utterance takes a few look-ups, one needing a second look (an alias, a string or float
    timestamp) the checks; both must build the same utterance."""
    from scorers.ingest import build_call

    clean = call_record(utterances=[("agent", "您好，请问有什么可以帮您？", 0, 2500),
                                    ("customer", "我的卡被锁了", 3000, 5200)])
    checked = call_record(utterances=[(" AGENT ", "您好，请问有什么可以帮您？", "0", 2500.0),
                                      ("客户", "我的卡被锁了", 3000.0, "5200")])
    a, b = build_call(clean, "x.jsonl"), build_call(checked, "x.jsonl")
    assert a == b
    assert [(u.speaker, u.norm, u.start_ms, u.end_ms) for u in a.utterances] == [
        (AGENT, "您好,请问有什么可以帮您?", 0, 2500), (CUSTOMER, "我的卡被锁了", 3000, 5200)]


@pytest.mark.parametrize("utterance, field, reason", [
    ({"speaker": "agent", "text": "您好\ud83d", "start_ms": 0, "end_ms": 10}, "utterances[0].text", "not valid text"),
    ({"speaker": "agent", "text": "您好", "start_ms": 10, "end_ms": 5}, "utterances[0].end_ms", "ends (5) before"),
    ({"speaker": "agent", "text": "您好", "start_ms": -1, "end_ms": 5}, "utterances[0].start_ms", "must not be"),
    ({"speaker": "agent", "text": "您好", "start_ms": True, "end_ms": 5}, "utterances[0].start_ms", "must be an"),
    ({"speaker": "agent", "text": "您好", "start_ms": 0, "end_ms": 2**63}, "utterances[0].end_ms", "too large"),
    ({"speaker": ["agent"], "text": "您好", "start_ms": 0, "end_ms": 5}, "utterances[0].speaker", "unknown"),
])
def test_an_utterance_that_is_almost_clean_is_still_checked(call_record, utterance, field, reason):
    from scorers.ingest import RecordError, build_call

    with pytest.raises(RecordError) as err:
        build_call(call_record(utterances=[utterance]), "x.jsonl")
    assert err.value.field == field and reason in err.value.reason
