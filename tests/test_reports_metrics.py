"""metrics: the figures on the pages, checked against the scorecards made by tests/reports_helpers.py.

Period 2026-11-19..20 (previous 2026-11-17..18). Call scores by agent:
A1001 95, 100, 100, 100 (before: 100, 100); A1002 65, 100, 55, 65 (before: 100, 95);
A1003 95, 100, 100, 55 (before: 55, 100).
"""
from __future__ import annotations

import math

import pandas as pd
import pytest

from scorers.reports import metrics
from scorers.reports.data import load_report_data
from scorers.reports.reviews import Decision, record_decisions
from scorers.rubric import load_rubric
from tests.reports_helpers import REPORTS_RUBRIC, SINCE, UNTIL, scorecards

RUBRIC = load_rubric(REPORTS_RUBRIC, build=False)


@pytest.fixture(scope="module")
def data():
    return load_report_data(scorecards()[1], RUBRIC, SINCE, UNTIL)


def test_agents_are_ranked_by_mean_score(data):
    summary = metrics.agent_summary(data).set_index("agent_id")
    assert list(summary.index) == ["A1001", "A1003", "A1002"]
    assert summary["rank"].tolist() == [1, 2, 3]
    assert summary.loc["A1001", "mean"] == pytest.approx(98.75)
    assert summary.loc["A1002", "mean"] == pytest.approx(71.25)
    assert summary.loc["A1002", "prev_mean"] == pytest.approx(97.5)
    assert summary.loc["A1002", "change"] == pytest.approx(-26.25)
    assert summary.loc["A1002", "vetoed"] == 3 and summary.loc["A1002", "flags"] == 3
    assert summary.loc["A1002", "pass_rate"] == pytest.approx(0.25)
    assert summary.loc["A1003", "team"] == "零售客服二组"


def test_fallers_are_the_agents_who_lost_most(data):
    summary = metrics.agent_summary(data)
    assert metrics.fallers(summary, min_calls=2)["agent_id"].tolist() == ["A1002", "A1001"]
    assert metrics.fallers(summary, min_calls=3).empty  # two calls each in the previous period


def test_night_trend_covers_both_periods(data):
    trend = metrics.night_trend(data)
    assert [str(n) for n in trend.index] == ["2026-11-17", "2026-11-18", "2026-11-19", "2026-11-20"]
    assert math.isnan(trend.loc[trend.index[0], "mean"])
    assert trend["calls"].iloc[1:].tolist() == [6, 6, 6]


def test_team_median_is_the_median_agent_of_the_night(data):
    medians = metrics.team_night_median(data)
    last = medians.columns[-1]
    assert medians.loc["零售客服一组", last] == pytest.approx(80.0)  # A1001 100, A1002 60
    assert medians.loc["零售客服二组", last] == pytest.approx(77.5)


def test_violation_rates_per_agent_and_team(data):
    rates = metrics.violation_rates(data.current, data.criteria, by="agent_id")
    assert rates.loc["A1002", "info_leak"] == pytest.approx(0.5)
    assert rates.loc["A1002", "paraphrase"] == pytest.approx(0.75)
    assert rates.loc["A1001", "info_leak"] == 0
    teams = metrics.violation_rates(data.current, data.criteria, by="team")
    assert teams.loc["零售客服一组", "info_leak"] == pytest.approx(0.25)
    overall = metrics.violation_rates(data.current, data.criteria)
    assert overall["over_promise"] == pytest.approx(2 / 12)


def test_points_lost_per_criterion(data):
    lost = metrics.points_lost(data)
    assert lost.loc["A1002", "info_leak"] == 60 and lost.loc["A1002", "paraphrase"] == 15
    assert lost.loc["A1001", "info_leak"] == 0


def test_worst_calls_lowest_first_vetoed_and_latest_first_among_equals(data):
    worst = metrics.worst_calls(data.current)
    assert worst[worst["agent_id"] == "A1002"]["call_id"].tolist() == ["T-011", "T-012", "T-009"]
    assert worst[worst["agent_id"] == "A1001"]["call_id"].tolist() == ["T-004"]  # 100-point calls are never worst


def test_praise_is_empathy_or_paraphrase_met(data):
    good = metrics.praise(data.findings)
    assert set(good["criterion"]) <= {"empathy", "paraphrase"}
    assert good[good["agent_id"] == "A1002"]["call_id"].tolist() == ["T-010"]
    assert set(good[good["agent_id"] == "A1003"]["criterion"]) == {"empathy", "paraphrase"}


def test_rule_decisions_count_dismissals_per_rule(tmp_path):
    _, out = scorecards(tmp_path / "out")
    queue = pd.read_parquet(out / "compliance")
    promises = queue[queue["criterion"] == "over_promise"]["finding_id"].tolist()
    leak = queue[queue["criterion"] == "info_leak"]["finding_id"].iloc[0]
    record_decisions(out, [Decision(promises[0], "dismissed", "王芳"), Decision(promises[1], "dismissed", "王芳"),
                           Decision(leak, "confirmed", "王芳")])
    data = load_report_data(out, RUBRIC, "2026-11-18", UNTIL)
    rules = metrics.rule_decisions(data.findings).set_index("rule_id")
    assert rules.loc["over_promise.guarantee_phrase", "dismissed"] == 2
    assert rules.loc["over_promise.guarantee_phrase", "dismissal_rate"] == 1.0
    assert rules.loc["info_leak.full_number", "confirmed"] == 1
    assert rules.loc["info_leak.full_number", "dismissal_rate"] == 0.0
    assert list(rules.index)[0] == "over_promise.guarantee_phrase"  # noisiest first


def _naive_worst(calls: pd.DataFrame, limit: int = 5) -> list[str]:
    keys = calls[calls["score"] < 100.0].assign(not_vetoed=lambda f: ~f["vetoed_adj"])
    keys = keys.sort_values(["agent_id", "score", "not_vetoed", "started", "call_id"],
                            ascending=[True, True, True, False, True])
    return keys.groupby("agent_id", sort=False).head(limit)["call_id"].tolist()


def test_worst_calls_match_a_full_sort_with_ties_at_the_cut():
    """The numpy pre-cut keeps every call tied with an agent's fifth-lowest score: the result is the
    full five-key sort's, on scores drawn from a few values (many ties) and agents with few calls."""
    import numpy as np

    rng = np.random.default_rng(3)
    n = 3000
    calls = pd.DataFrame({
        "call_id": [f"C{i:05d}" for i in range(n)],
        "agent_id": rng.choice([f"A{k}" for k in range(40)] + [None], n),
        "score": rng.choice([55.0, 65.0, 80.0, 95.0, 100.0, float("nan")], n),
        "vetoed_adj": rng.random(n) < 0.2,
        "started": pd.Timestamp("2026-11-20") + pd.to_timedelta(rng.integers(0, 5, n), unit="h"),
    })
    assert metrics.worst_calls(calls)["call_id"].tolist() == _naive_worst(calls)
    assert metrics.worst_calls(calls, limit=1)["call_id"].tolist() == _naive_worst(calls, limit=1)


def test_violation_rates_leave_out_calls_whose_rubric_lacks_the_criterion():
    calls = pd.DataFrame({"agent_id": ["A", "A", "B", "B"],
                          "team": ["T", "T", None, ""],
                          "x_state": ["violation", "met", None, "violation"]})
    by_agent = metrics.violation_rates(calls, ["x"], by="agent_id")
    assert by_agent.loc["A", "x"] == 0.5 and by_agent.loc["B", "x"] == 1.0
    assert metrics.violation_rates(calls, ["x"])["x"] == pytest.approx(2 / 3)
    assert metrics.violation_rates(calls, ["x"], by="team").loc[metrics.NO_TEAM, "x"] == 1.0
