"""What the workbench reads: the same figures as the reports, from filtered reads of the scorecards."""
from __future__ import annotations

import pandas as pd
import pytest

from reports_helpers import REPORTS_RUBRIC, SINCE, UNTIL, scorecards
from scorers.reports import metrics
from scorers.reports.data import load_report_data
from scorers.reports.reviews import Decision, record_decisions
from scorers.rubric import load_rubric
from scorers.workbench.journal import APPEALS, append_records, now_utc
from scorers.workbench.queries import AGENT_LIST_CALL_COLUMNS, AGENT_LIST_FINDING_COLUMNS, QueueFilter, Scorecards

RUBRIC = load_rubric(REPORTS_RUBRIC, build=False)


@pytest.fixture
def out(tmp_path):
    return scorecards(copy_to=tmp_path / "out")[1]


def summary_of(frame):
    return frame.set_index("agent_id")[["n_calls", "mean", "pass_rate", "vetoed", "flags", "rank"]]


def test_agent_figures_are_the_reports_even_after_a_dismissal(out):
    leak = pd.read_parquet(out / "compliance").query("agent_id == 'A1002' and criterion == 'info_leak'")
    record_decisions(out, [Decision(leak["finding_id"].iloc[-1], "dismissed", "张三")])
    data = Scorecards(out, RUBRIC)
    period = data.period(SINCE, UNTIL)
    light = data.report_data(period, None, finding_columns=AGENT_LIST_FINDING_COLUMNS,
                             call_columns=AGENT_LIST_CALL_COLUMNS)
    report = load_report_data(out, RUBRIC, SINCE, UNTIL)
    pd.testing.assert_frame_equal(summary_of(metrics.agent_summary(light)), summary_of(metrics.agent_summary(report)),
                                  check_dtype=False)
    team = data.report_data(period, {"零售客服一组"})
    mine = metrics.agent_summary(report)
    assert set(metrics.agent_summary(team)["agent_id"]) == {"A1001", "A1002"}
    assert metrics.agent_summary(team).set_index("agent_id")["mean"].to_dict() == \
        mine[mine["team"] == "零售客服一组"].set_index("agent_id")["mean"].to_dict()


def test_queue_status_counts_follow_decisions_and_appeals(out):
    data = Scorecards(out, RUBRIC)
    cases = pd.read_parquet(out / "compliance")["finding_id"].tolist()
    first = data.queue(QueueFilter())
    assert first.counts["pending"] == first.counts["open"] == len(cases) and first.total == len(cases)
    record_decisions(out, [Decision(cases[0], "confirmed", "张三"), Decision(cases[1], "dismissed", "张三")])
    page = data.queue(QueueFilter())
    assert (page.counts["pending"], page.counts["confirmed"], page.counts["dismissed"]) == (len(cases) - 2, 1, 1)
    assert {r["finding_id"] for r in page.rows} == set(cases[2:])
    append_records(out, APPEALS, [{"finding_id": cases[0], "reason": "x", "filed_by": "c", "filed_at": now_utc()}])
    page = data.queue(QueueFilter())
    assert page.counts["appealed"] == 1 and cases[0] in {r["finding_id"] for r in page.rows}
    assert data.queue(QueueFilter(status="appealed")).rows[0]["finding_id"] == cases[0]
    record_decisions(out, [Decision(cases[0], "confirmed", "lead")])
    assert data.queue(QueueFilter()).counts["appealed"] == 0


def test_queue_pages_and_spans(out):
    data = Scorecards(out, RUBRIC)
    cases = pd.read_parquet(out / "compliance")
    one = data.queue(QueueFilter(page=2), page_size=2)
    assert (one.page, one.pages, len(one.rows)) == (2, -(-len(cases) // 2), 2)
    assert all(r["span_end"] > r["span_start"] for r in one.rows)
    assert data.queue(QueueFilter(page=99), page_size=2).page == one.pages


def test_datasets_are_read_again_when_their_files_change(out):
    data = Scorecards(out, RUBRIC)
    first = data.dataset("calls")
    assert data.dataset("calls") is first  # unchanged files: the same dataset object
    assert [str(d) for d in data.nights()] == ["2026-11-18", "2026-11-19", "2026-11-20"]
    for part in (out / "calls").glob("call_date=2026-11-18/*.parquet"):
        part.unlink()  # as a re-run that moved the night's calls would
    assert data.dataset("calls") is not first
    assert [str(d) for d in data.nights()] == ["2026-11-19", "2026-11-20"]


def test_a_call_and_its_transcript(out):
    data = Scorecards(out, RUBRIC)
    call = data.call("T-001")
    assert call["agent_id"] == "A1001" and str(call["night"]) == "2026-11-18"
    turns = data.transcript("T-001", call["night"])
    assert [t["utterance_index"] for t in turns] == list(range(call["n_utterances"]))
    assert data.call("nope") is None and data.transcript("nope", call["night"]) == []


def test_agents_of_every_routed_rubric_are_shown_like_the_reports(tmp_path):
    """A wealth-rubric agent has an agent page too: each call judged by its own rubric, as in the reports."""
    from pathlib import Path

    from scorers.batch import run_batch
    from scorers.routing import load_routing

    root = Path(__file__).resolve().parents[1]
    routing = load_routing(root / "rubrics" / "routing.yaml", models=False)
    out = tmp_path / "out"
    run_batch(root / "data" / "sample", out, routing)
    rubrics = routing.rubrics
    assert len({r.id for r in rubrics}) == 2, "precondition: the sample night is scored with two rubrics"
    data = Scorecards(out, rubrics[0], rubrics)
    period = data.period(None, None)
    mine = metrics.agent_summary(data.report_data(period))
    report = metrics.agent_summary(load_report_data(out, routing))
    assert set(mine["agent_id"]) == set(report["agent_id"]) == set(pd.read_parquet(out / "calls")["agent_id"])
    pd.testing.assert_frame_equal(summary_of(mine).sort_index(), summary_of(report).sort_index(), check_dtype=False)
