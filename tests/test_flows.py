"""The Prefect flow nightly_scoring, run locally (Prefect's temporary server, about 10-20 s)."""
from datetime import date

import pytest

from scorers.store import read_dataset
from tests.flow_runner import run_flow


@pytest.mark.slow
def test_nightly_scoring_flow(tmp_path, prefect_home, make_call, default_rubric_path):

    make_call(call_id="F-1", agent_id="A1", started_at="2026-11-20T09:00:00+08:00")
    make_call(call_id="F-2", agent_id="A1", started_at="2026-11-20T10:00:00+08:00",
              utterances=[("agent", "您好"), ("customer", "查一下我的卡"), ("agent", "您的卡号是6222021001234567896对吧")])
    make_call.raw("{not json")
    path = make_call(call_id="F-3", agent_id="A2", started_at="2026-11-21T08:00:00")
    out = tmp_path / "out"

    summary = run_flow(path, out, default_rubric_path, prefect_home=prefect_home)

    assert (summary["calls_scored"], summary["rejected"]) == (3, 1)
    assert summary["dates"] == ["2026-11-20", "2026-11-21"]
    assert summary["vetoed"] == 1 and summary["violations"]["info_leak"] == 1
    assert summary["files"] == [str(path)]
    calls = read_dataset(out, "calls").to_pylist()
    assert sorted(c["call_id"] for c in calls) == ["F-1", "F-2", "F-3"]
    assert {c["call_id"]: c["call_date"] for c in calls}["F-3"] == date(2026, 11, 21)
    agents = {(a["agent_id"], a["call_date"]): a["n_calls"] for a in read_dataset(out, "agents").to_pylist()}
    assert agents == {("A1", date(2026, 11, 20)): 2, ("A2", date(2026, 11, 21)): 1}
    (leak,) = read_dataset(out, "compliance").to_pylist()
    assert leak["call_id"] == "F-2" and "6222021001234567896" not in leak["evidence"]
    assert len(list((out / "rejected").glob("*.jsonl"))) == 1
    assert not (out / "_staging").exists()
