"""data: the period read, and scores as the reviewers left them (dismissed findings cost nothing)."""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from scorers.reports.data import Period, adjust_scores, load_queue, load_report_data, resolve_period
from scorers.reports.render import ReportError
from scorers.reports.reviews import Decision, record_decisions
from scorers.rubric import load_rubric
from tests.reports_helpers import NIGHTS, REPORTS_RUBRIC, SINCE, UNTIL, scorecards

RUBRIC = load_rubric(REPORTS_RUBRIC, build=False)
D = [date.fromisoformat(n) for n in NIGHTS]


def test_default_period_is_the_week_up_to_the_latest_night():
    period = resolve_period(D, None, None)
    assert period == Period(date(2026, 11, 14), date(2026, 11, 20)) and period.nights == 7
    assert period.previous == Period(date(2026, 11, 7), date(2026, 11, 13))


def test_explicit_period_and_its_previous_period():
    period = resolve_period(D, date(2026, 11, 19), date(2026, 11, 20))
    assert period.previous == Period(date(2026, 11, 17), date(2026, 11, 18))
    assert period.days() == [date(2026, 11, 19), date(2026, 11, 20)]


def test_since_after_until_is_refused():
    with pytest.raises(ReportError, match="after"):
        resolve_period(D, date(2026, 11, 20), date(2026, 11, 19))


def test_report_reads_both_periods_and_marks_the_current_one():
    _, out = scorecards()
    data = load_report_data(out, RUBRIC, SINCE, UNTIL)
    assert set(data.calls["night"]) == set(D)
    assert set(data.current["night"]) == {D[1], D[2]} and set(data.previous["night"]) == {D[0]}
    assert len(data.current) == 12 and len(data.previous) == 6
    assert data.versions == [RUBRIC.version]
    # no reviews yet: the report's scores are the scorecards' scores
    assert (data.calls["score"] == data.calls["total_score"]).all()
    assert (data.calls["vetoed_adj"] == data.calls["vetoed"]).all()


def test_a_dismissed_finding_gives_its_points_back_and_lifts_the_veto(tmp_path):
    _, out = scorecards(tmp_path / "out")
    findings = pd.read_parquet(out / "findings")
    leak = findings[(findings["criterion"] == "info_leak")].iloc[0]
    record_decisions(out, [Decision(leak["finding_id"], "dismissed", "王芳", "客户本人要求核对")])
    data = load_report_data(out, RUBRIC, SINCE, UNTIL)
    call = data.calls.set_index("call_id").loc[leak["call_id"]]
    assert call["total_score"] == 65.0 and leak["points"] == -30.0
    assert call["score"] == 95.0 and call["restored"] == 30.0
    assert call["vetoed"] and not call["vetoed_adj"] and call["passed_adj"]
    assert call["info_leak_status"] == "violation" and call["info_leak_state"] == "met"
    assert call["paraphrase_state"] == "violation"  # only the leak was dismissed
    assert data.findings.set_index("finding_id").loc[leak["finding_id"], "dismissed"]


def test_a_confirmed_finding_changes_nothing(tmp_path):
    _, out = scorecards(tmp_path / "out")
    promise = pd.read_parquet(out / "compliance").query("criterion == 'over_promise'").iloc[0]
    record_decisions(out, [Decision(promise["finding_id"], "confirmed", "王芳")])
    data = load_report_data(out, RUBRIC, "2026-11-18", UNTIL)
    call = data.calls.set_index("call_id").loc[promise["call_id"]]
    assert call["score"] == call["total_score"] and call["vetoed_adj"]


def test_the_last_decision_decides_the_score(tmp_path):
    _, out = scorecards(tmp_path / "out")
    leak = pd.read_parquet(out / "compliance").query("criterion == 'info_leak'").iloc[0]
    record_decisions(out, [Decision(leak["finding_id"], "dismissed", "王芳")])
    record_decisions(out, [Decision(leak["finding_id"], "confirmed", "QA 主管", "复核后确认")])
    data = load_report_data(out, RUBRIC, SINCE, UNTIL)
    assert data.calls.set_index("call_id").loc[leak["call_id"], "score"] == 65.0


def test_no_scorecards_or_another_rubric_is_a_clear_error(tmp_path):
    with pytest.raises(ReportError, match="no scorecards under"):
        load_report_data(tmp_path, RUBRIC)
    _, out = scorecards()
    other = load_rubric(REPORTS_RUBRIC, build=False)
    other.id = "mortgage"
    with pytest.raises(ReportError, match="scored with rubric 'mortgage'; found: default"):
        load_report_data(out, other)
    with pytest.raises(ReportError, match="not a date"):
        load_report_data(out, RUBRIC, since="20.11.2026")


def test_queue_has_spans_times_and_decisions(tmp_path):
    _, out = scorecards(tmp_path / "out")
    queue = load_queue(out)
    assert len(queue) == 5 and set(queue["criterion"]) == {"info_leak", "over_promise"}
    assert queue["span_end"].gt(queue["span_start"]).all()
    assert str(queue["started"].iloc[0].date()) in NIGHTS
    assert not queue["dismissed"].any()
    assert len(load_queue(out, since="2026-11-20")) == 3


def _one_call_two_leaks(dismissed: list[bool]):
    statuses = {f"{c}_status": "met" for c in RUBRIC.criterion_ids}
    calls = pd.DataFrame([{"call_id": "X", "total_score": 65.0, "vetoed": True, **statuses,
                           "info_leak_status": "violation", "paraphrase_status": "violation"}])
    findings = pd.DataFrame({"finding_id": ["a", "b"], "call_id": ["X", "X"], "criterion": ["info_leak"] * 2,
                             "outcome": ["violation"] * 2, "points": [-30.0, -0.0], "dismissed": dismissed})
    return adjust_scores(calls, findings, RUBRIC).iloc[0]


def test_dismissing_one_of_two_capped_violations_gives_nothing_back():
    # the weight cap made the second leak free; with the first dismissed, the second costs the 30 points
    call = _one_call_two_leaks([True, False])
    assert call["score"] == 65.0 and call["restored"] == 0.0 and call["vetoed_adj"]
    assert call["info_leak_state"] == "violation"
    both = _one_call_two_leaks([True, True])
    assert both["score"] == 95.0 and both["info_leak_restored"] == 30.0 and not both["vetoed_adj"]


def test_a_period_without_calls_is_a_clear_error():
    _, out = scorecards()
    with pytest.raises(ReportError, match=r"no calls scored in 2030-01-01..2030-01-07; .* 2026-11-18..2026-11-20"):
        load_report_data(out, RUBRIC, since="2030-01-01", until="2030-01-07")


def _spy_reads(monkeypatch) -> list:
    """Record what the reports read: (dataset, columns, filter) of every read."""
    import scorers.reports.data as data_module

    reads = []
    original = data_module.read_table

    def spy(out, name, columns=None, filter=None, dictionary=()):
        reads.append((name, columns, filter))
        return original(out, name, columns, filter, dictionary)
    monkeypatch.setattr(data_module, "read_table", spy)
    return reads


def _nights_read(out, name, filter) -> set:
    from scorers.reports.data import dataset

    table = dataset(out, name).to_table(columns=["call_date"], filter=filter)
    return set(table.column("call_date").to_pylist())


def test_a_report_of_one_night_reads_that_night_and_the_one_before_only(tmp_path, monkeypatch):
    _, out = scorecards(tmp_path / "out")
    reads = _spy_reads(monkeypatch)
    data = load_report_data(out, RUBRIC, UNTIL, UNTIL)  # period 11-20, previous period 11-19
    assert set(data.calls["night"]) == {D[1], D[2]}
    assert {name for name, _, _ in reads} == {"calls", "findings"}  # never transcripts/, agents/, compliance/
    for name, columns, where in reads:
        assert columns is not None and "evidence" not in columns or name == "findings"
        assert _nights_read(out, name, where) <= {D[1], D[2]}, name  # 2026-11-18's files are never scanned


def test_the_agent_report_reads_no_transcripts_and_few_columns(tmp_path, monkeypatch):
    from scorers.reports import build_agent_report

    _, out = scorecards(tmp_path / "out")
    for f in (out / "transcripts").rglob("*.parquet"):
        f.write_bytes(b"not parquet")  # a report that opened them would fail
    reads = _spy_reads(monkeypatch)
    build_agent_report(out, tmp_path / "site", RUBRIC, SINCE, UNTIL, workers=1)
    calls_columns = next(columns for name, columns, _ in reads if name == "calls")
    assert "source" not in calls_columns and "scored_at" not in calls_columns
    first_findings = next(columns for name, columns, _ in reads if name == "findings")
    assert "evidence" not in first_findings and "detail" not in first_findings  # texts: only for shown findings


def test_the_queue_of_a_night_reads_that_night(tmp_path, monkeypatch):
    _, out = scorecards(tmp_path / "out")
    reads = _spy_reads(monkeypatch)
    queue = load_queue(out, since=NIGHTS[2], until=NIGHTS[2])
    assert set(queue["night"]) <= {D[2]}
    for name, _, where in reads:
        assert _nights_read(out, name, where) <= {D[2]}, name


def test_compact_decisions_hold_the_same_values(tmp_path):
    """The agents report keeps decisions as categoricals (a code per finding): same values as the queue's."""
    from scorers.reports.data import with_decisions
    from scorers.reports.reviews import latest_decisions

    _, out = scorecards(tmp_path / "out")
    data = load_report_data(out, RUBRIC, SINCE, UNTIL)
    fid = data.findings["finding_id"].iloc[0]
    record_decisions(out, [Decision(fid, "dismissed", "张三", "误报")])
    findings = data.findings.drop(columns=["decision", "reviewer", "note", "decided_at", "dismissed", "confirmed"])
    plain = with_decisions(findings, latest_decisions(out))
    compact = with_decisions(findings, latest_decisions(out), compact=True)
    for column in ["decision", "reviewer", "note", "decided_at", "dismissed", "confirmed"]:
        assert compact[column].astype(object).where(compact[column].notna(), None).tolist() == \
            plain[column].astype(object).where(plain[column].notna(), None).tolist()
    assert compact["dismissed"].sum() == 1 and compact.loc[compact["finding_id"] == fid, "reviewer"].item() == "张三"
