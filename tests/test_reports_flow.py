"""The nightly flow renders both reports after scoring, and a report failure never costs the scorecards."""
from __future__ import annotations


import pytest

from scorers.store import read_dataset
from tests.flow_runner import run_flow
from tests.reports_helpers import CARD, page


@pytest.fixture()
def night(make_call):
    make_call(call_id="R-1", agent_id="A1", started_at="2026-11-20T09:00:00+08:00")
    return make_call(call_id="R-2", agent_id="A2", started_at="2026-11-20T10:00:00+08:00",
                     utterances=[("agent", "您好"), ("customer", "查一下我的卡"), ("agent", f"您的卡号是{CARD}对吧")])


@pytest.mark.slow
def test_the_flow_renders_both_reports(night, tmp_path, prefect_home, default_rubric_path):
    out = tmp_path / "out"
    summary = run_flow(night, out, default_rubric_path, prefect_home=prefect_home)
    assert summary["calls_scored"] == 2
    agents, queue = out / "reports" / "agents", out / "reports" / "compliance"
    assert {"A1", "A2"} <= set(page(agents / "index.html").text.split())
    assert (agents / "agent-A2.html").is_file()
    assert "6222***********4458" in page(queue / "index.html").text and (queue / "queue.csv").is_file()
    assert CARD not in (queue / "queue.csv").read_text(encoding="utf-8-sig")


@pytest.mark.slow
def test_a_failing_report_does_not_fail_the_night(night, tmp_path, prefect_home, default_rubric_path):
    out = tmp_path / "out"
    summary = run_flow(night, out, default_rubric_path, prefect_home=prefect_home, break_reports=True)
    assert summary["calls_scored"] == 2
    assert sorted(read_dataset(out, "calls").column("call_id").to_pylist()) == ["R-1", "R-2"]
    assert read_dataset(out, "agents") is not None
    assert not (out / "reports").exists()
    # issue 10 item 14: said, not swallowed — `callqa nightly` exits 4 on this
    assert [e.split(":")[0] for e in summary["report_errors"]] == ["agents report", "compliance report"]
