"""batch + store end to end: run_batch on a small night with the default rubric."""
import json
import re
import shutil
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

import scorers.store as store
from scorers.batch import DATASETS, NothingRead, ShrunkDelivery, run_batch
from scorers.numbers import mask_text
from scorers.schemas import COMPLIANCE, FINDINGS, PARTITION, TRANSCRIPTS, agents_schema, calls_schema
from scorers.store import STAGING, StagedWrite, read_dataset

DAY1, DAY2 = "2026-11-20", "2026-11-21"
CARD, MOBILE, ID = "6222021001234567896", "13800138000", "11010519491231002X"


def night_lines(call_record):
    def line(**kw):
        return json.dumps(call_record(**kw), ensure_ascii=False)

    return [
        line(call_id="N-1", agent_id="A1", started_at=f"{DAY1}T09:00:00+08:00",
             utterances=[("agent", "您好,请问有什么可以帮您?"), ("customer", "我想查一下卡的余额"),
                         ("agent", f"您的卡号是{CARD},对吗")]),
        line(call_id="N-2", agent_id="A1", started_at=f"{DAY1}T10:00:00+08:00"),
        "{oops",
        line(call_id="N-3", agent_id="A2", started_at=f"{DAY2}T08:30:00+08:00",
             utterances=[("agent", "您好"), ("customer", "帮我看看手机号"), ("agent", "您的手机号是幺三八洞洞幺三八洞洞洞")]),
        json.dumps({"agent_id": "A2", "started_at": f"{DAY2}T08:00:00", "utterances": [{"speaker": "agent", "text": "x"}]}),
    ]


def snapshot(out: Path) -> dict:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def data_files(out: Path, name: str) -> list[str]:
    return sorted(str(p.relative_to(out / name)) for p in (out / name).rglob("*") if p.is_file())


def count_rows(out: Path) -> dict:
    return {name: (t.num_rows if (t := read_dataset(out, name)) is not None else 0)
            for name in ("calls", "findings", "compliance", "agents")}


@pytest.fixture(scope="module")
def night(tmp_path_factory, call_record, default_rubric):
    root = tmp_path_factory.mktemp("night")
    source = root / "input" / "calls.jsonl"
    source.parent.mkdir()
    source.write_text("\n".join(night_lines(call_record)) + "\n", encoding="utf-8")
    summary = run_batch(source, root / "out", default_rubric)
    return source, root / "out", summary


# --------------------------------------------------------------------------- layout and schemas

def test_summary(night, default_rubric):
    source, out, summary = night
    assert (summary.calls_scored, summary.rejected) == (3, 2)
    assert summary.dates == [DAY1, DAY2]
    assert summary.files == [str(source)]
    assert summary.rubric == f"default@{default_rubric.version}"
    assert summary.vetoed >= 2  # both full numbers are info leaks, a veto criterion
    assert summary.violations["info_leak"] >= 2
    assert set(summary.violations) == set(summary.met) == set(default_rubric.criterion_ids)
    assert summary.outputs() == {name: str(out / name) for name in DATASETS}
    assert [m.split(": ")[0] for m in summary.rejections] == [f"{source}, line 3", f"{source}, line 5"]


@pytest.mark.parametrize("name", ["calls", "findings", "compliance", "transcripts", "agents"])
def test_datasets_are_partitioned_by_call_date(night, name):
    _, out, _ = night
    files = data_files(out, name)
    assert {f.split("/")[0] for f in files} == {f"call_date={DAY1}", f"call_date={DAY2}"}
    assert all(f.endswith(".parquet") and f.count("/") == 1 for f in files)


def test_nothing_left_in_staging(night):
    _, out, _ = night
    assert not (out / STAGING).exists()
    assert len(list((out / "_runs").glob("*.json"))) == 1  # one commit: the batch and its agent figures


def expected_schema(name, rubric):
    return {"calls": calls_schema(rubric.criterion_ids), "findings": FINDINGS, "compliance": COMPLIANCE,
            "transcripts": TRANSCRIPTS, "agents": agents_schema(rubric.criterion_ids)}[name]


def without_metadata(schema):
    """The schema without pandas/Arrow metadata (scored_at is declared in ms, as Parquet stores it)."""
    return schema.remove_metadata()


@pytest.mark.parametrize("name", ["calls", "findings", "compliance", "transcripts", "agents"])
def test_every_file_has_the_declared_schema(night, default_rubric, name):
    _, out, _ = night
    files = list((out / name).rglob("*.parquet"))
    assert files
    for f in files:
        assert without_metadata(pq.read_schema(f)).equals(expected_schema(name, default_rubric)), f


@pytest.mark.parametrize("name", ["calls", "findings", "compliance", "agents"])
def test_read_dataset_restores_call_date(night, default_rubric, name):
    _, out, _ = night
    table = read_dataset(out, name)
    want = pa.schema(list(expected_schema(name, default_rubric)) + list(PARTITION))
    assert without_metadata(table.schema).equals(want)


def test_scored_at_is_utc(night):
    _, out, _ = night
    scored_at = read_dataset(out, "calls").schema.field("scored_at").type
    assert pa.types.is_timestamp(scored_at) and scored_at.tz == "UTC"


def test_scored_at_has_the_declared_unit(night, default_rubric):
    _, out, _ = night
    for f in (out / "calls").rglob("*.parquet"):
        assert pq.read_schema(f).remove_metadata().equals(calls_schema(default_rubric.criterion_ids))


@pytest.mark.parametrize("name, rows", [("calls", 3), ("agents", 2)])
def test_readable_with_pyarrow_hive_partitioning(night, name, rows):
    _, out, _ = night
    plain = ds.dataset(str(out / name), format="parquet", partitioning="hive").to_table()
    typed = ds.dataset(str(out / name), format="parquet",
                       partitioning=ds.partitioning(PARTITION, flavor="hive")).to_table()
    assert plain.num_rows == typed.num_rows == read_dataset(out, name).num_rows == rows
    assert sorted(set(map(str, plain.column("call_date").to_pylist()))) == [DAY1, DAY2]
    assert sorted(set(typed.column("call_date").to_pylist())) == [date(2026, 11, 20), date(2026, 11, 21)]


def test_calls_rows(night, default_rubric):
    source, out, _ = night
    calls = {r["call_id"]: r for r in read_dataset(out, "calls").to_pylist()}
    assert sorted(calls) == ["N-1", "N-2", "N-3"]
    assert calls["N-3"]["call_date"] == date(2026, 11, 21)
    leak = calls["N-1"]
    assert leak["info_leak_status"] == "violation" and leak["info_leak_score"] == 0
    assert leak["vetoed"] is True and leak["passed"] is False
    assert (leak["rubric_id"], leak["rubric_version"]) == ("default", default_rubric.version)
    assert leak["source"] == str(source)
    assert leak["n_utterances"] == 3 and leak["duration_s"] == pytest.approx(8.5)
    for r in calls.values():
        assert 0 <= r["total_score"] <= 100
        kept = sum(r[f"{c}_score"] for c in default_rubric.criterion_ids)  # the weights may add up to more than 100
        assert r["total_score"] == pytest.approx(100 * kept / sum(c.weight for c in default_rubric.criteria), abs=0.01)


def test_findings_and_compliance_rows(night):
    _, out, _ = night
    findings = read_dataset(out, "findings").to_pylist()
    compliance = read_dataset(out, "compliance").to_pylist()
    leaks = [f for f in findings if f["criterion"] == "info_leak"]
    assert sorted(f["call_id"] for f in leaks) == ["N-1", "N-3"]
    assert all(f["outcome"] == "violation" and f["severity"] == "critical" and f["points"] == -30 for f in leaks)
    assert all(f["speaker"] == "agent" and f["utterance_index"] == 2 for f in leaks)
    assert len({f["finding_id"] for f in findings}) == len(findings)
    by_id = {f["finding_id"]: f for f in findings}
    assert {c["finding_id"] for c in compliance} >= {f["finding_id"] for f in leaks}
    for c in compliance:
        assert c["review_status"] == "pending"
        assert by_id[c["finding_id"]]["severity"] == "critical"


def test_agents_rows(night):
    _, out, _ = night
    agents = {(r["agent_id"], r["call_date"]): r for r in read_dataset(out, "agents").to_pylist()}
    a1 = agents[("A1", date(2026, 11, 20))]
    assert a1["n_calls"] == 2 and a1["n_vetoed"] == 1 and a1["compliance_flags"] >= 1
    assert a1["pass_rate"] <= 0.5 and a1["info_leak_violation_rate"] == 0.5
    assert agents[("A2", date(2026, 11, 21))]["n_calls"] == 1


def test_rejected_has_one_line_per_bad_record(night):
    source, out, _ = night
    (path,) = (out / "rejected").glob("*.jsonl")
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert [(r["source"], r["location"], r["field"]) for r in records] == [
        (str(source), "line 3", "(json)"), (str(source), "line 5", "call_id")]
    assert set(records[0]) == {"source", "location", "call_id", "field", "reason", "record"}
    assert records[0]["record"] == "{oops"


# --------------------------------------------------------------------------- re-runs

def test_same_input_twice_gives_the_same_rows(tmp_path, make_call, default_rubric):
    make_call(call_id="R-1", agent_id="A1")
    make_call(call_id="R-2", agent_id="A1", utterances=[("agent", f"手机号{MOBILE}")])
    path = make_call.raw("{bad json")
    out = tmp_path / "out"
    run_batch(path, out, default_rubric)
    first = count_rows(out)
    first_ids = sorted(read_dataset(out, "findings").column("finding_id").to_pylist())
    run_batch(path, out, default_rubric)
    assert count_rows(out) == first == {"calls": 2, "findings": first["findings"], "compliance": 1, "agents": 1}
    assert sorted(read_dataset(out, "findings").column("finding_id").to_pylist()) == first_ids
    assert read_dataset(out, "agents").column("n_calls").to_pylist() == [2]
    assert len(list((out / "rejected").glob("*.jsonl"))) == 1


def test_the_same_folder_or_file_names_the_same_batch(tmp_path, make_call, default_rubric):
    path = make_call(call_id="R-1")
    out = tmp_path / "out"
    run_batch(path, out, default_rubric)
    run_batch(path.parent, out, default_rubric)
    run_batch(f"{path.parent}/*.jsonl", out, default_rubric)
    assert count_rows(out)["calls"] == 1
    assert len(data_files(out, "calls")) == 1


def test_call_scored_again_from_another_file_replaces_its_row(tmp_path, make_call, default_rubric):
    first = make_call(call_id="R-1", file="early.jsonl")
    make_call(call_id="R-2", file="early.jsonl")
    second = make_call(call_id="R-1", file="late.jsonl", utterances=[("agent", "您好"), ("customer", "谢谢")])
    out = tmp_path / "out"
    run_batch(first, out, default_rubric)
    run_batch(second, out, default_rubric)
    calls = read_dataset(out, "calls").to_pylist()
    assert sorted(r["call_id"] for r in calls) == ["R-1", "R-2"]
    assert {r["call_id"]: r["source"] for r in calls} == {"R-1": str(second), "R-2": str(first)}
    assert {r["call_id"]: r["n_utterances"] for r in calls}["R-1"] == 2
    assert read_dataset(out, "agents").column("n_calls").to_pylist() == [2]


def test_transcripts_hold_every_utterance_masked(night):
    _, out, _ = night
    rows = read_dataset(out, "transcripts").to_pylist()
    by_call = {}
    for r in rows:
        by_call.setdefault(r["call_id"], []).append(r)
    assert sorted(by_call) == ["N-1", "N-2", "N-3"]
    n3 = sorted(by_call["N-3"], key=lambda r: r["utterance_index"])
    assert [(r["utterance_index"], r["speaker"]) for r in n3] == [(0, "agent"), (1, "customer"), (2, "agent")]
    assert n3[1]["text"] == "帮我看看手机号" and n3[1]["start_ms"] is not None
    assert n3[2]["text"] == mask_text("您的手机号是幺三八洞洞幺三八洞洞洞") != "您的手机号是幺三八洞洞幺三八洞洞洞"
    calls = {r["call_id"]: r["n_utterances"] for r in read_dataset(out, "calls").to_pylist()}
    assert {k: len(v) for k, v in by_call.items()} == calls


def test_a_call_scored_again_replaces_its_transcript(tmp_path, make_call, default_rubric):
    first = make_call(call_id="R-1", file="early.jsonl")
    second = make_call(call_id="R-1", file="late.jsonl", utterances=[("agent", "您好"), ("customer", "谢谢"),
                                                                     ("agent", "再见")])
    out = tmp_path / "out"
    run_batch(first, out, default_rubric)
    run_batch(second, out, default_rubric)
    texts = [r["text"] for r in sorted(read_dataset(out, "transcripts").to_pylist(), key=lambda r: r["utterance_index"])]
    assert texts == ["您好", "谢谢", "再见"]


def test_agents_add_up_over_batches_of_the_same_day(tmp_path, make_call, default_rubric):
    a = make_call(call_id="A-1", agent_id="A1", file="a.jsonl")
    make_call(call_id="A-2", agent_id="A1", file="a.jsonl")
    make_call(call_id="A-3", agent_id="A2", file="a.jsonl")
    b = make_call(call_id="B-1", agent_id="A1", file="b.jsonl", utterances=[("agent", f"卡号{CARD}")])
    out = tmp_path / "out"
    run_batch(a, out, default_rubric)
    run_batch(b, out, default_rubric)
    agents = {r["agent_id"]: r for r in read_dataset(out, "agents").to_pylist()}
    assert (agents["A1"]["n_calls"], agents["A2"]["n_calls"]) == (3, 1)
    assert agents["A1"]["n_vetoed"] == 1 and agents["A1"]["compliance_flags"] == 1
    assert agents["A1"]["info_leak_violation_rate"] == pytest.approx(1 / 3)
    assert len(data_files(out, "agents")) == 1


def test_rejected_file_goes_when_the_input_is_fixed(tmp_path, make_call, default_rubric):
    path = make_call(call_id="R-1")
    make_call.raw("{bad")
    out = tmp_path / "out"
    assert run_batch(path, out, default_rubric).rejected == 1
    assert len(list((out / "rejected").glob("*.jsonl"))) == 1
    path.write_text(path.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    assert run_batch(path, out, default_rubric).rejected == 0
    assert list((out / "rejected").glob("*.jsonl")) == []


def test_batch_with_only_bad_records_is_nothing_read(tmp_path, make_call, default_rubric):
    make_call.raw("{bad")
    path = make_call(call_id="B-2", utterances=[("robot", "嘀")])
    with pytest.raises(NothingRead) as info:
        run_batch(path, tmp_path / "out", default_rubric)
    assert str(info.value) == (f"nothing could be read: all 2 records of 1 file were rejected: {path}, line 1: "
                               f"(json): not valid JSON: Expecting property name enclosed in double quotes at "
                               f"column 2; {path}, line 2: utterances[0].speaker: unknown speaker 'robot' (expected "
                               f"one of agent, 坐席, 客服, staff, customer, 客户, user); nothing was changed in "
                               f"{tmp_path / 'out'}")
    assert read_dataset(tmp_path / "out", "calls") is None
    assert not (tmp_path / "out" / "rejected").exists()  # nothing written, not even rejected/


def test_empty_input_is_nothing_read_and_changes_nothing(tmp_path, make_call, default_rubric):
    path = make_call(call_id="E-1")
    out = tmp_path / "out"
    run_batch(path, out, default_rubric)
    before = snapshot(out)
    path.write_bytes(b"")
    with pytest.raises(NothingRead, match="nothing could be read: no records in 1 file"):
        run_batch(path, out, default_rubric)
    assert snapshot(out) == before


def test_notices_reach_the_summary_and_the_manifest(tmp_path, make_call, call_record, default_rubric):
    make_call(call_id="N-1")
    folder = make_call.path().parent
    (folder / "README.txt").write_text("说明", encoding="utf-8")
    (folder / "gbk.jsonl").write_bytes(json.dumps(call_record(call_id="N-2"), ensure_ascii=False).encode("gbk"))
    summary = run_batch(folder, tmp_path / "out", default_rubric)
    assert summary.calls_scored == 2
    assert summary.notices == [f"skipped 1 file that is not .jsonl, .csv or .parquet: {folder / 'README.txt'}",
                               f"{folder / 'gbk.jsonl'}: not UTF-8: read as GBK (GB18030)"]
    (manifest,) = (tmp_path / "out" / "_runs").glob("*.json")
    assert json.loads(manifest.read_text(encoding="utf-8"))["notices"] == summary.notices


def test_records_no_writer_could_store_are_rejected_and_written(tmp_path, make_call, call_record, default_rubric):
    """Each of these crashed the whole run (exit 1, nothing scored), writing rejected/ included."""
    path = make_call(call_id="OK-1")
    bad = [call_record(call_id="S-1", team="\ud83d"),
           call_record(call_id="S-\ud83d", utterances=[("robot", "\ud83d")]),
           call_record(call_id="I-1", utterances=[{"speaker": "agent", "text": "您好", "start_ms": 2**64}]),
           call_record(call_id="D-1", started_at="0001-01-01T00:00:00+14:00"),
           call_record(call_id="D-2", started_at="9999-12-31T23:59:59-12:00")]
    for record in bad:
        make_call.raw(json.dumps(record))
    make_call.raw("[" * 100_000 + "]" * 100_000)
    summary = run_batch(path, tmp_path / "out", default_rubric)
    assert (summary.calls_scored, summary.rejected) == (1, 6)
    (rejected,) = (tmp_path / "out" / "rejected").glob("*.jsonl")
    lines = [json.loads(line) for line in rejected.read_text(encoding="utf-8").splitlines()]
    assert [(r["call_id"], r["field"]) for r in lines] == [
        ("S-1", "team"), ("S-\\ud83d", "call_id"), ("I-1", "utterances[0].start_ms"), ("D-1", "started_at"),
        ("D-2", "started_at"), ("", "(json)")]


@pytest.mark.parametrize("delivery", ["", "{bad\n"])
def test_an_empty_redelivery_changes_nothing(tmp_path, make_call, default_rubric, delivery):
    """The same path again after the file became empty (or unreadable) must not delete the night."""
    make_call(call_id="E-1")
    path = make_call(call_id="E-2", utterances=[("agent", f"卡号{CARD}")])
    out = tmp_path / "out"
    run_batch(path, out, default_rubric)
    before = snapshot(out)
    path.write_text(delivery, encoding="utf-8")
    with pytest.raises(NothingRead, match="nothing was changed"):
        run_batch(path, out, default_rubric)
    assert snapshot(out) == before
    with pytest.raises(NothingRead):  # not even when the caller says to replace
        run_batch(path, out, default_rubric, replace=True)
    assert snapshot(out) == before


def test_a_truncated_redelivery_needs_replace(tmp_path, make_call, default_rubric):
    for i in range(4):
        path = make_call(call_id=f"T-{i}", agent_id="A1")
    out = tmp_path / "out"
    run_batch(path, out, default_rubric)
    before = snapshot(out)
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text(lines[0] + "\n", encoding="utf-8")  # cut short in transfer
    with pytest.raises(ShrunkDelivery, match=r"3 of the 4 calls stored from this input .* --replace"):
        run_batch(path, out, default_rubric)
    assert snapshot(out) == before
    summary = run_batch(path, out, default_rubric, replace=True)
    assert summary.warnings and "3 of the 4 calls" in summary.warnings[0]
    assert read_dataset(out, "calls").column("call_id").to_pylist() == ["T-0"]
    assert read_dataset(out, "agents").column("n_calls").to_pylist() == [1]
    manifest = json.loads((out / "_runs" / f"{summary.run_id}.json").read_text(encoding="utf-8"))
    assert manifest["warnings"] == summary.warnings


def test_a_redelivery_with_more_calls_needs_no_confirmation(tmp_path, make_call, default_rubric):
    path = make_call(call_id="G-1")
    out = tmp_path / "out"
    run_batch(path, out, default_rubric)
    make_call(call_id="G-2")
    assert run_batch(path, out, default_rubric).warnings == []
    assert count_rows(out)["calls"] == 2


def test_a_second_run_fails_before_scoring(tmp_path, make_call, default_rubric, monkeypatch):
    import scorers.batch as batch

    path = make_call(call_id="B-1")
    scored = []
    monkeypatch.setattr(batch, "score_calls", lambda *a, **k: scored.append(1) or [])
    with store.Store(tmp_path / "out").acquire():  # another run is writing
        with pytest.raises(store.OutputBusy):
            run_batch(path, tmp_path / "out", default_rubric)
    assert scored == []


def test_rescored_call_without_findings_drops_its_old_findings(tmp_path, make_call, default_rubric):
    first = make_call(call_id="R-1", file="early.jsonl", utterances=[("customer", "查余额"),
                                                                      ("agent", f"您的手机号是{MOBILE}对吧")])
    second = make_call(call_id="R-1", file="corrected.jsonl", utterances=[("customer", "查余额"),
                                                                           ("agent", "您的手机号尾号8000对吧")])
    out = tmp_path / "out"
    run_batch(first, out, default_rubric)
    run_batch(second, out, default_rubric)
    (call,) = read_dataset(out, "calls").to_pylist()
    # the old info_leak finding is gone; what remains: the paraphrase the agent never made, and an
    # agent who neither greeted nor closed the call
    rule_ids = sorted(read_dataset(out, "findings").column("rule_id").to_pylist())
    assert rule_ids == ["closing.window.lacks.keywords", "greeting.all.keywords.none", "paraphrase.required_missing"]
    assert call["n_findings"] == 3
    assert read_dataset(out, "compliance").num_rows == 0
    assert read_dataset(out, "agents").column("compliance_flags").to_pylist() == [0]


def test_rescored_call_on_another_day_is_not_duplicated(tmp_path, make_call, default_rubric):
    first = make_call(call_id="R-1", file="early.jsonl", started_at=f"{DAY1}T23:50:00+08:00")
    make_call(call_id="R-2", file="early.jsonl", started_at=f"{DAY1}T10:00:00+08:00")
    second = make_call(call_id="R-1", file="corrected.jsonl", started_at=f"{DAY2}T00:10:00+08:00")
    out = tmp_path / "out"
    run_batch(first, out, default_rubric)
    run_batch(second, out, default_rubric)
    calls = {r["call_id"]: r["call_date"] for r in read_dataset(out, "calls").to_pylist()}
    assert calls == {"R-1": date(2026, 11, 21), "R-2": date(2026, 11, 20)}
    agents = {r["call_date"]: r["n_calls"] for r in read_dataset(out, "agents").to_pylist()}
    assert agents == {date(2026, 11, 20): 1, date(2026, 11, 21): 1}  # the day the call left is recomputed


def test_day_left_without_calls_loses_its_agent_figures(tmp_path, make_call, default_rubric):
    first = make_call(call_id="R-1", file="early.jsonl", started_at=f"{DAY1}T23:50:00+08:00")
    second = make_call(call_id="R-1", file="corrected.jsonl", started_at=f"{DAY2}T00:10:00+08:00")
    out = tmp_path / "out"
    run_batch(first, out, default_rubric)
    run_batch(second, out, default_rubric)
    agents = read_dataset(out, "agents").to_pylist()
    assert [(r["call_date"], r["n_calls"]) for r in agents] == [(date(2026, 11, 21), 1)]


# --------------------------------------------------------------------------- crashes

def night_file(path, call_record, *records):
    path.write_text("".join(json.dumps(call_record(**r), ensure_ascii=False) + "\n" for r in records),
                    encoding="utf-8")
    return path


@pytest.fixture
def scored_once(tmp_path, call_record, default_rubric):
    """An output folder holding one committed night; its input then changes so every dataset changes."""
    path = tmp_path / "input" / "a.jsonl"
    path.parent.mkdir()
    k1 = dict(call_id="K-1", started_at=f"{DAY1}T09:00:00+08:00")
    k2 = dict(call_id="K-2", started_at=f"{DAY2}T09:00:00+08:00", utterances=[("agent", f"身份证{ID}")])
    out = tmp_path / "out"
    run_batch(night_file(path, call_record, k1, k2), out, default_rubric)
    k1["utterances"] = [("agent", "您好"), ("customer", "查余额"), ("agent", f"您的手机号是{MOBILE}")]
    night_file(path, call_record, k1, k2, dict(call_id="K-3", started_at=f"{DAY2}T11:00:00+08:00"))
    with path.open("a", encoding="utf-8") as f:
        f.write("{bad\n")
    return path, out


def raw_read(out: Path, name: str):
    """A dataset as pandas or DuckDB see it: every visible file, no journal rolled forward."""
    if not (out / name).is_dir():
        return None
    table = ds.dataset(str(out / name), format="parquet", partitioning="hive").to_table()
    return table if table.num_rows else None


def content(out: Path, read=read_dataset) -> dict:
    """What readers see, without run-specific values (scored_at, run manifests)."""
    seen = {}
    for name in ("calls", "findings", "compliance", "agents"):
        table = read(out, name)
        rows = [] if table is None else table.drop_columns([c for c in ["scored_at"] if c in table.column_names])
        seen[name] = sorted(json.dumps(r, sort_keys=True, default=str) for r in (rows.to_pylist() if rows else []))
    seen["rejected"] = sorted(p.read_text(encoding="utf-8") for p in (out / "rejected").glob("*.jsonl")) \
        if (out / "rejected").is_dir() else []
    return seen


@pytest.fixture
def expected_after(scored_once, tmp_path, default_rubric):
    """What a run that does not crash makes of the changed input."""
    path, out = scored_once
    clean = tmp_path / "clean"
    shutil.copytree(out, clean)
    run_batch(path, clean, default_rubric)
    return content(clean)


def fail_on_call(monkeypatch, module, name, n, only=None):
    original, seen = getattr(module, name), []

    def failing(*args, **kw):
        if only is None or only(*args):
            seen.append(args)
            if len(seen) == n:
                raise OSError(f"simulated crash in {name} #{n}")
        return original(*args, **kw)

    monkeypatch.setattr(module, name, failing)
    return seen


def data_move(src, dst):
    """A rename that moves a staged file into the datasets (not the journal's own rename)."""
    return STAGING in str(src) and STAGING not in str(dst)


def test_the_changed_input_changes_every_dataset(scored_once, expected_after):
    _, out = scored_once
    before = content(out)
    assert all(before[name] != expected_after[name] for name in before), "precondition of the crash tests"


def fail_on_write(monkeypatch, n):
    """Fail the n-th Parquet write of any kind: a whole table (the store), or a shard's appended part."""
    seen = []
    for owner, name in ((store.pq, "write_table"), (store.pq.ParquetWriter, "write_table")):
        original = getattr(owner, name)

        def failing(*args, _original=original, _name=name, **kw):
            seen.append(_name)
            if len(seen) == n:
                raise OSError(f"simulated crash in {_name} #{n}")
            return _original(*args, **kw)

        monkeypatch.setattr(owner, name, failing)
    return seen


@pytest.mark.parametrize("n", [1, 2, 4, 6, 8, 10])
def test_crash_while_writing_leaves_previous_outputs(scored_once, monkeypatch, default_rubric, n):
    path, out = scored_once
    before, rows = snapshot(out), count_rows(out)
    fail_on_write(monkeypatch, n)
    with pytest.raises(OSError, match="simulated crash"):
        run_batch(path, out, default_rubric)
    assert snapshot(out) == before
    assert count_rows(out) == rows
    assert not (out / STAGING).exists()


def test_crash_before_commit_leaves_previous_outputs(scored_once, monkeypatch, default_rubric):
    path, out = scored_once
    before = snapshot(out)

    def crash(self, manifest):
        raise RuntimeError("killed")

    monkeypatch.setattr(StagedWrite, "commit", crash)
    with pytest.raises(RuntimeError):
        run_batch(path, out, default_rubric)
    assert snapshot(out) == before
    assert not (out / STAGING).exists()


def test_crash_while_aggregating_leaves_previous_outputs(scored_once, monkeypatch, default_rubric):
    path, out = scored_once
    before = snapshot(out)
    fail_on_call(monkeypatch, store.pq, "write_table", 1, only=lambda table, where, *a: "agents" in str(where))
    with pytest.raises(OSError):
        run_batch(path, out, default_rubric)
    assert snapshot(out) == before


def test_staging_leftovers_are_invisible_to_readers(scored_once):
    """Files staged by a run that has not committed are never seen by readers of the datasets."""
    _, out = scored_once
    before = {name: read_dataset(out, name) for name in ("calls", "findings", "compliance", "agents")}
    writer = StagedWrite(out)
    writer.write_table(Path("calls") / f"call_date={DAY1}" / "part-zzz.parquet",
                       read_dataset(out, "calls").drop_columns(["call_date"]))
    for name, table in before.items():
        assert read_dataset(out, name).equals(table)
        assert ds.dataset(str(out / name), format="parquet", partitioning="hive").count_rows() == table.num_rows
    writer.abort()


@pytest.mark.parametrize("n", [1, 2, 5])
def test_process_dying_during_commit_is_rolled_forward_by_the_next_run(scored_once, expected_after, monkeypatch,
                                                                       default_rubric, n):
    """The process dies after n renames: nothing cleans up. The next run finishes that commit first."""
    path, out = scored_once
    before = content(out)
    monkeypatch.setattr(StagedWrite, "abort", lambda self: None)  # a dead process runs no cleanup
    fail_on_call(monkeypatch, store.os, "replace", n + 1, only=data_move)
    with pytest.raises(OSError):
        run_batch(path, out, default_rubric)
    half = content(out, raw_read)
    assert half != before and half != expected_after, "precondition: the crash left a half-applied commit"
    monkeypatch.undo()
    rolled = store.recover(out)  # what the next run does before anything else
    assert len(rolled) == 1
    assert content(out) == expected_after
    assert not (out / STAGING).exists() or not any((out / STAGING).iterdir())


@pytest.mark.parametrize("n", [1, 4])
def test_readers_never_see_a_half_applied_commit(scored_once, expected_after, monkeypatch, default_rubric, n):
    """kill -9 between the commit's moves: the next reader (not only the next run) finishes the commit."""
    path, out = scored_once
    monkeypatch.setattr(StagedWrite, "abort", lambda self: None)  # a dead process runs no cleanup
    fail_on_call(monkeypatch, store.os, "replace", n + 1, only=data_move)
    with pytest.raises(OSError):
        run_batch(path, out, default_rubric)
    monkeypatch.undo()
    assert content(out, raw_read) != expected_after, "precondition: the files on disk are half applied"
    assert not (out / store.SUCCESS).exists()  # what pandas / DuckDB users check
    assert content(out) == expected_after
    assert (out / store.SUCCESS).exists()


def test_reports_count_every_case_after_a_dead_commit(scored_once, monkeypatch, default_rubric, tmp_path):
    from scorers.reports.data import load_queue

    path, out = scored_once
    clean = tmp_path / "clean-queue"
    shutil.copytree(out, clean)
    run_batch(path, clean, default_rubric)
    expected = sorted(load_queue(clean)["finding_id"])
    monkeypatch.setattr(StagedWrite, "abort", lambda self: None)
    fail_on_call(monkeypatch, store.os, "replace", 2, only=data_move)
    with pytest.raises(OSError):
        run_batch(path, out, default_rubric)
    monkeypatch.undo()
    assert sorted(load_queue(out)["finding_id"]) == expected


def test_next_run_after_a_dead_commit_sees_the_finished_commit(scored_once, expected_after, monkeypatch,
                                                               default_rubric, make_call):
    path, out = scored_once
    monkeypatch.setattr(StagedWrite, "abort", lambda self: None)
    fail_on_call(monkeypatch, store.os, "replace", 2, only=data_move)
    with pytest.raises(OSError):
        run_batch(path, out, default_rubric)
    monkeypatch.undo()
    other = make_call(call_id="O-1", started_at=f"{DAY1}T12:00:00+08:00", file="other.jsonl")
    run_batch(other, out, default_rubric)
    calls = sorted(read_dataset(out, "calls").column("call_id").to_pylist())
    assert calls == ["K-1", "K-2", "K-3", "O-1"]
    k1 = [r for r in read_dataset(out, "calls").to_pylist() if r["call_id"] == "K-1"][0]
    assert k1["n_utterances"] == 3  # the new night's K-1, not the old one


@pytest.mark.parametrize("n", [1, 3])
def test_exception_during_commit_never_leaves_half_an_output(scored_once, expected_after, monkeypatch,
                                                             default_rubric, n):
    path, out = scored_once
    before = content(out)
    fail_on_call(monkeypatch, store.os, "replace", n + 1, only=data_move)
    with pytest.raises(OSError):
        run_batch(path, out, default_rubric)
    monkeypatch.undo()
    store.recover(out)  # what the next run does first
    assert content(out) in (before, expected_after)


# --------------------------------------------------------------------------- masking in outputs

SPOKEN = [
    f"您的卡号是{CARD},对吗",
    "卡号6222 0210 0123 4567 896",
    "卡号6222-0210-0123-4567-896",
    "六二二二零二幺零零幺二三四五六七八九六是您的卡吧",
    f"您的手机号是{MOBILE}",
    "手机幺三八 洞洞幺三 八洞洞洞对吧",
    f"身份证{ID}对吧",
    "身份证幺幺零幺零五幺九四九幺二三幺零零二叉",
    "身份证110105 19491231 002X",
]


def string_values(out: Path):
    for name in ("calls", "findings", "compliance", "transcripts", "agents"):
        table = read_dataset(out, name)
        for column in table.column_names:
            if pa.types.is_string(table.schema.field(column).type):
                for value in table.column(column).to_pylist():
                    if value:
                        yield name, column, value
    for manifest in (out / "_runs").glob("*.json"):
        yield "_runs", manifest.name, manifest.read_text(encoding="utf-8")


# Digits in any writing, independent of scorers.numbers (a checker sharing its code would share its gaps).
NUMERALS = str.maketrans({**{ch: d for d, chars in {"0": "零〇洞", "1": "一幺壹", "2": "二两兩贰貳", "3": "三叁參",
                                                   "4": "四肆", "5": "五伍", "6": "六陆陸", "7": "七拐柒",
                                                   "8": "八捌", "9": "九勾玖"}.items() for ch in chars},
                          **{chr(0xFF10 + i): str(i) for i in range(10)}, "叉": "X"})
BETWEEN_DIGITS = re.compile(r"[\s\u200b-\u200d\ufeff\-\u2010-\u2015/.,、，－]")


def leaked(value, numbers=(CARD, MOBILE, ID)):
    """The test's own numbers that ``value`` shows in full, in any writing.

    Exact: it looks for the numbers the calls spoke, not for any long run of digits, so
    a hex id that happens to hold eleven decimal digits (``part-83254232801e``) is none.
    """
    flat = BETWEEN_DIGITS.sub("", value.translate(NUMERALS)).upper()
    return [n for n in numbers if n in flat]


def scored_with_numbers(tmp_path, make_call, default_rubric, texts, file="calls.jsonl"):
    for i, text in enumerate(texts):
        make_call(call_id=f"M-{i}", utterances=[("agent", "您好"), ("customer", f"我的卡又被冻结了,太气人了,{CARD}"),
                                                 ("agent", text), ("agent", "这个理财保本保收益,稳赚不赔")], file=file)
    out = tmp_path / "out"
    run_batch(make_call.path(file), out, default_rubric)
    return out


def test_no_full_number_in_any_output(tmp_path, make_call, default_rubric):
    # a file name whose hex holds eleven decimal digits, as a batch id may: it is no leaked number
    out = scored_with_numbers(tmp_path, make_call, default_rubric, SPOKEN, file="part-83254232801e.jsonl")
    findings = read_dataset(out, "findings").to_pylist()
    leaks = [f for f in findings if f["criterion"] == "info_leak"]
    assert len(leaks) == len(SPOKEN), "precondition: every number was flagged as an info leak"
    assert all(f["evidence"] for f in leaks)
    assert [(name, column, value) for name, column, value in string_values(out) if leaked(value)] == []
    assert all(s not in "".join(v for *_, v in string_values(out)) for s in (CARD, MOBILE, ID[:17]))


def test_no_full_number_in_outputs_full_width(tmp_path, make_call, default_rubric):
    texts = ["您的号码是幺三八,洞洞幺三,八洞洞洞".replace(",", "，"), "您的手机号是１３８００１３８０００"]
    out = scored_with_numbers(tmp_path, make_call, default_rubric, texts)
    leaks = [f for f in read_dataset(out, "findings").to_pylist() if f["criterion"] == "info_leak"]
    assert len(leaks) == 2, "precondition: both numbers were flagged as info leaks"
    assert [(n, c) for n, c, v in string_values(out) if leaked(v)] == []


def test_the_leak_check_is_exact():
    assert leaked("part-83254232801e") == [] and leaked("0925c47b330f2fe7") == []
    assert leaked("批次 part-13800138000e") == [MOBILE]
    assert leaked("幺三八 洞洞幺三—八洞洞洞") == [MOBILE] and leaked("138****8000") == []


def test_a_number_read_out_over_several_turns_reaches_no_output(tmp_path, make_call, default_rubric):
    make_call(call_id="S-1", utterances=[("agent", "您好"), ("customer", "我想买理财"),
                                         ("agent", "这个理财保本保收益,您的手机号是13800"), ("customer", "嗯"),
                                         ("agent", "138000,对吗?稳赚不赔的")])
    out = tmp_path / "out"
    run_batch(make_call.path(), out, default_rubric)
    findings = sorted(read_dataset(out, "findings").to_pylist(), key=lambda f: f["utterance_index"])
    assert {2, 4} <= {f["utterance_index"] for f in findings}, "precondition: evidence rows for both parts"
    assert any(f["criterion"] == "info_leak" and f["utterance_index"] == 4 for f in findings)
    assert leaked("".join(f["evidence"] for f in findings)) == []  # read row after row


def test_ids_holding_a_personal_number_get_a_notice_and_are_stored_as_they_are(tmp_path, make_call, default_rubric):
    make_call(call_id="S-2026-11-20-064", agent_id="A1001")   # a date and a counter: no personal number
    make_call(call_id=f"M{MOBILE}", agent_id="A1001")
    path = make_call(call_id="C-3", agent_id=ID)
    summary = run_batch(path, tmp_path / "out", default_rubric)
    assert summary.notices == [f"2 calls (first {mask_text('M' + MOBILE)}) have a call_id or agent_id holding a card, "
                               "ID or mobile number: ids are stored and shown as they are, so have the vendor send "
                               "its own ids"]
    calls = read_dataset(tmp_path / "out", "calls").to_pylist()
    assert sorted(c["call_id"] for c in calls) == ["C-3", f"M{MOBILE}", "S-2026-11-20-064"]


# --------------------------------------------------------------------------- a call is stored once, whatever rubric

@pytest.fixture(scope="module")
def shipped_routing():
    from scorers.routing import load_routing

    return load_routing(Path(__file__).resolve().parents[1] / "rubrics" / "routing.yaml")


def test_a_call_rescored_with_another_rubric_is_stored_once(tmp_path, make_call, default_rubric, shipped_routing):
    """--rubric first, the routing file next: the call's rows of the first rubric go."""
    make_call(call_id="X-1", agent_id="A1", utterances=[("agent", f"您的卡号是{CARD}")])
    path = make_call(call_id="X-2", agent_id="A1")
    out = tmp_path / "out"
    wealth = shipped_routing.by_id("wealth_outbound")
    run_batch(path, out, wealth)  # every call scored with the wealth rubric
    run_batch(path, out, default_rubric)  # scored again with the default one
    calls = read_dataset(out, "calls").to_pylist()
    assert sorted((c["call_id"], c["rubric_id"]) for c in calls) == [("X-1", "default"), ("X-2", "default")]
    assert set(read_dataset(out, "findings").column("rubric_id").to_pylist()) == {"default"}
    assert read_dataset(out, "compliance").column("rubric_id").to_pylist() == ["default"]
    agents = read_dataset(out, "agents").to_pylist()
    assert [(a["rubric_id"], a["n_calls"]) for a in agents] == [("default", 2)]


def test_a_call_whose_team_changed_counts_once_in_agents(tmp_path, make_call, shipped_routing):
    first = make_call(call_id="Y-1", agent_id="A1", team="零售客服一组", file="early.jsonl")
    make_call(call_id="Y-2", agent_id="A1", team="零售客服一组", file="early.jsonl")
    second = make_call(call_id="Y-1", agent_id="A1", team="财富管理专线", file="corrected.jsonl")
    out = tmp_path / "out"
    run_batch(first, out, shipped_routing)
    run_batch(second, out, shipped_routing)  # the corrected team routes Y-1 to the wealth rubric
    calls = {c["call_id"]: c["rubric_id"] for c in read_dataset(out, "calls").to_pylist()}
    assert calls == {"Y-1": "wealth_outbound", "Y-2": "default"}
    findings = read_dataset(out, "findings").to_pylist()
    assert {f["rubric_id"] for f in findings if f["call_id"] == "Y-1"} == {"wealth_outbound"}
    agents = read_dataset(out, "agents").to_pylist()
    assert sum(a["n_calls"] for a in agents) == 2
    assert sorted((a["team"], a["rubric_id"], a["n_calls"]) for a in agents) == [
        ("财富管理专线", "wealth_outbound", 1), ("零售客服一组", "default", 1)]


# --------------------------------------------------------------------------- one bad call never costs the night

def test_a_call_that_makes_a_scorer_raise_is_rejected_and_the_night_goes_on(tmp_path, make_call, default_rubric,
                                                                            monkeypatch):
    import scorers.scoring as scoring

    judge = scoring.judge

    def flaky(criterion, ctx):
        if ctx.call.call_id == "BAD-1" and criterion.id == "jargon":
            raise ValueError(f"boom at {CARD}")  # the message may hold text: it is masked
        return judge(criterion, ctx)

    monkeypatch.setattr(scoring, "judge", flaky)
    make_call(call_id="OK-1")
    make_call(call_id="BAD-1")
    path = make_call(call_id="OK-2")
    out = tmp_path / "out"
    summary = run_batch(path, out, default_rubric)
    assert (summary.calls_scored, summary.rejected) == (2, 1)  # in = scored + rejected
    assert sorted(read_dataset(out, "calls").column("call_id").to_pylist()) == ["OK-1", "OK-2"]
    (message,) = summary.rejections
    assert "BAD-1" in message and "jargon: scoring failed: ValueError" in message and CARD not in message
    (rejected,) = [json.loads(line) for f in (out / "rejected").glob("*.jsonl")
                   for line in f.read_text(encoding="utf-8").splitlines()]
    assert rejected["field"] == "jargon" and json.loads(rejected["record"])["call_id"] == "BAD-1"


def test_without_an_error_handler_a_scoring_error_names_the_criterion(make_call, default_rubric, monkeypatch):
    import scorers.scoring as scoring
    from scorers.batch import load_batch, score_calls

    monkeypatch.setattr(scoring, "judge", lambda criterion, ctx: 1 / 0)
    batch = load_batch(make_call(call_id="X-1"))
    with pytest.raises(scoring.ScoringError, match=r"^jargon: ZeroDivisionError"):
        score_calls(batch.calls, default_rubric)


def test_a_call_id_in_two_shards_is_rejected_as_a_duplicate_like_in_one(make_call, default_rubric, tmp_path):
    for i in range(4):
        make_call(call_id=f"D-{i}")
    path = make_call(call_id="D-1", agent_id="A9")  # line 5: the third shard of two lines each
    out = tmp_path / "out"
    summary = run_batch(path, out, default_rubric, shard_calls=2)
    assert (summary.calls_scored, summary.rejected) == (4, 1)
    assert summary.rejections == [f"{path}, line 5: call_id: duplicate call_id 'D-1', first at {path}, line 2"]
    calls = read_dataset(out, "calls").to_pylist()
    assert sorted(c["call_id"] for c in calls) == ["D-0", "D-1", "D-2", "D-3"]
    assert {c["agent_id"] for c in calls if c["call_id"] == "D-1"} == {"A1001"}  # the first one stays
    (rejected,) = [json.loads(line) for f in (out / "rejected").glob("*.jsonl") for line in f.read_text().splitlines()]
    assert json.loads(rejected["record"])["agent_id"] == "A9"  # the record as it stands in the file, to replay
    assert len(read_dataset(out, "transcripts").filter(pa.compute.equal(
        read_dataset(out, "transcripts").column("call_id"), "D-1"))) == 2  # the duplicate's rows are gone


def test_a_night_reads_no_stored_footer_to_align_schemas_when_nothing_changed(make_call, default_rubric, tmp_path,
                                                                             monkeypatch):
    import scorers.batch as batch

    out = tmp_path / "out"
    run_batch(make_call(call_id="H-1", file="night1.jsonl"), out, default_rubric)
    aligned = []
    monkeypatch.setattr(batch, "align_schemas", lambda writer, criteria: aligned.append(list(criteria)) or 0)
    run_batch(make_call(call_id="H-2", file="night2.jsonl"), out, default_rubric)
    assert aligned == []  # the last commit recorded the same schemas
    (tmp_path / "out" / "_runs").joinpath(json.loads((out / "_SUCCESS").read_text())["run_id"] + ".json").write_text("{}")
    run_batch(make_call(call_id="H-3", file="night3.jsonl"), out, default_rubric)
    assert len(aligned) == 1  # nothing recorded (an output of an older callqa): aligned as before
