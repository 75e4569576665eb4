"""The figures on the coaching pages, computed once for all agents with pandas.

Kept apart from page assembly so each number has one definition that tests
can check directly. All figures use the review-adjusted columns of
:mod:`scorers.reports.data` (``score``, ``passed_adj``, ``vetoed_adj``,
``<criterion>_state``): a dismissed finding costs nothing anywhere.

Definitions:
- an agent's mean score: the mean of its calls' scores in the period;
- rank: by mean score, best first (ties: more calls first, then agent id);
- team median for a night: the median of the nightly mean scores of the
  agents of that team who took calls that night (a typical colleague);
- violation rate of a criterion: the share of calls whose criterion is in
  violation (a required behaviour never shown counts too);
- weak criterion: the agent's violation rate is above zero and above the
  team's, or any violation of a veto criterion (一票否决) at all;
- fall: previous period's mean minus this period's, for agents with at least
  ``min_calls`` calls in both.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from scorers.finding import MET, VIOLATION
from scorers.reports.data import ReportData

PRAISE_CRITERIA = ("empathy", "paraphrase")
NO_TEAM = "未分组"


def _team(calls: pd.DataFrame) -> pd.Series:
    return calls["team"].fillna("").replace("", NO_TEAM)


def agent_summary(data: ReportData) -> pd.DataFrame:
    """One row per agent with calls in the period, ranked."""
    cur = data.current.assign(team=lambda f: _team(f))
    prev = data.previous
    flags = data.findings[(data.findings["in_period"]) & (data.findings["outcome"] == VIOLATION)
                          & (~data.findings["dismissed"])
                          & (data.findings["criterion"].isin([c.id for c in data.definitions.values()
                                                               if c.severity == "critical"]))]
    summary = cur.groupby("agent_id").agg(team=("team", lambda t: t.mode().iat[0]), n_calls=("call_id", "size"),
                                          mean=("score", "mean"), pass_rate=("passed_adj", "mean"),
                                          vetoed=("vetoed_adj", "sum"), restored=("restored", "sum"))
    summary["flags"] = flags.groupby("agent_id").size().reindex(summary.index).fillna(0).astype(int)
    previous = prev.groupby("agent_id").agg(prev_calls=("call_id", "size"), prev_mean=("score", "mean"))
    summary = summary.join(previous)
    summary["prev_calls"] = summary["prev_calls"].fillna(0).astype(int)
    summary["change"] = summary["mean"] - summary["prev_mean"]
    summary["vetoed"] = summary["vetoed"].astype(int)
    summary = summary.reset_index().sort_values(["mean", "n_calls", "agent_id"], ascending=[False, False, True])
    summary["rank"] = range(1, len(summary) + 1)
    return summary.reset_index(drop=True)


def fallers(summary: pd.DataFrame, min_calls: int = 2, limit: int = 10) -> pd.DataFrame:
    comparable = summary[(summary["n_calls"] >= min_calls) & (summary["prev_calls"] >= min_calls)
                         & (summary["change"] < 0)]
    return comparable.sort_values(["change", "agent_id"]).head(limit)


def night_trend(data: ReportData) -> pd.DataFrame:
    """Per night of both periods: calls, mean and median score, pass rate."""
    nights = data.period.previous.days() + data.period.days()
    trend = data.calls.groupby("night").agg(calls=("call_id", "size"), mean=("score", "mean"),
                                            median=("score", "median"), pass_rate=("passed_adj", "mean"))
    return trend.reindex(nights)


def agent_nights(data: ReportData) -> pd.DataFrame:
    """Mean score per agent and night (both periods)."""
    return data.calls.groupby(["agent_id", "night"])["score"].mean()


def team_night_median(data: ReportData) -> pd.DataFrame:
    """Team × night: the median of the team's agents' nightly means."""
    calls = data.calls.assign(team=lambda f: _team(f))
    per_agent = calls.groupby(["team", "night", "agent_id"])["score"].mean()
    return per_agent.groupby(["team", "night"]).median().unstack("night")


def violation_rates(calls: pd.DataFrame, criteria: list[str], by: str | None = None) -> pd.DataFrame | pd.Series:
    """Share of calls in violation, among the calls whose rubric has the criterion (others are NaN).

    Counted one criterion at a time with ``numpy.bincount`` over the group codes: a frame of every
    criterion's flags for a million calls (100 MB of floats) is never built."""
    if by is None:
        codes, groups = np.zeros(len(calls), dtype=np.intp), pd.Index([None])
    else:
        codes, groups = pd.factorize(calls[by] if by != "team" else _team(calls), sort=True)
    keep = codes >= 0  # a call without an agent id belongs to no group (as in a groupby)
    codes = codes[keep]
    rates = {}
    for c in criteria:
        state = calls[f"{c}_state"]
        scored = state.notna().to_numpy()
        violated = state.eq(VIOLATION).to_numpy() & scored
        counted = np.bincount(codes, weights=scored[keep], minlength=len(groups))
        with np.errstate(invalid="ignore", divide="ignore"):
            rates[c] = np.bincount(codes, weights=violated[keep], minlength=len(groups)) / counted
    table = pd.DataFrame(rates, index=groups, columns=criteria, dtype=float)
    if by is None:
        return table.iloc[0].rename(None).fillna(0.0) if len(calls) else pd.Series(0.0, index=criteria)
    table.index.name = by
    return table


def points_lost(data: ReportData) -> pd.DataFrame:
    """Agent × criterion: points lost in the period (kept violations, and required behaviour never shown)."""
    cur = data.current
    codes, agents = pd.factorize(cur["agent_id"], sort=True)
    keep = codes >= 0
    lost = {}
    for c in data.criteria:  # one criterion at a time: never a frame of every criterion for every call
        points = (data.weights(c, cur) - cur[f"{c}_score"] - cur[f"{c}_restored"]).clip(lower=0).to_numpy()
        lost[c] = np.bincount(codes[keep], weights=np.nan_to_num(points[keep]), minlength=len(agents))
    return pd.DataFrame(lost, index=pd.Index(agents, name="agent_id"), columns=data.criteria)


def team_summary(data: ReportData, summary: pd.DataFrame) -> pd.DataFrame:
    cur = data.current.assign(team=lambda f: _team(f))
    teams = cur.groupby("team").agg(calls=("call_id", "size"), mean=("score", "mean"),
                                    median=("score", "median"), pass_rate=("passed_adj", "mean"))
    teams["agents"] = summary.groupby("team").size().reindex(teams.index).fillna(0).astype(int)
    return teams.reset_index().sort_values("mean", ascending=False)


def rule_decisions(findings: pd.DataFrame) -> pd.DataFrame:
    """Per rule: findings, confirmed, dismissed, dismissal rate — which rules are noisy."""
    if not len(findings):
        return pd.DataFrame(columns=["rule_id", "criterion", "findings", "confirmed", "dismissed", "dismissal_rate"])
    rules = findings.groupby(["rule_id", "criterion"]).agg(findings=("finding_id", "size"),
                                                          confirmed=("confirmed", "sum"),
                                                          dismissed=("dismissed", "sum")).reset_index()
    return ranked_rules(rules)


def ranked_rules(rules: pd.DataFrame) -> pd.DataFrame:
    """Rows of (rule_id, criterion, findings, confirmed, dismissed), in (rule_id, criterion) order: the
    rules with a decision, noisiest first."""
    if not len(rules):
        return pd.DataFrame(columns=["rule_id", "criterion", "findings", "confirmed", "dismissed", "dismissal_rate"])
    decided = rules["confirmed"] + rules["dismissed"]
    rules["dismissal_rate"] = (rules["dismissed"] / decided.where(decided > 0)).astype(float)
    rules = rules[decided > 0]
    return rules.sort_values(["dismissed", "dismissal_rate", "rule_id"], ascending=[False, False, True])


def worst_calls(calls: pd.DataFrame, limit: int = 5) -> pd.DataFrame:
    """Each agent's calls to go through first: lowest score, vetoed first among equals, latest first.

    Calls that kept every point are never "worst".
    """
    keys = calls.iloc[_candidates(calls, limit)][["agent_id", "score", "vetoed_adj", "started", "call_id"]]
    keys = keys.assign(not_vetoed=lambda f: ~f["vetoed_adj"]).sort_values(
        ["agent_id", "score", "not_vetoed", "started", "call_id"], ascending=[True, True, True, False, True])
    picked = keys.groupby("agent_id", sort=False).head(limit)  # sorted on the keys alone: a few rows copied
    return calls.loc[picked.index].assign(not_vetoed=picked["not_vetoed"])


def _candidates(calls: pd.DataFrame, limit: int) -> np.ndarray:
    """Positions of the calls that can be among an agent's ``limit`` lowest-scored (below 100): each
    agent's calls scoring at most its ``limit``-th lowest score (ties kept). Found with numpy, so the
    full sort on five keys runs on a few rows per agent, not on a million calls."""
    score = calls["score"].to_numpy(dtype=float)
    codes, agents = pd.factorize(calls["agent_id"])  # -1: no agent id (a groupby leaves those out too)
    rows = np.flatnonzero((score < 100.0) & (codes >= 0))
    order = rows[np.lexsort((score[rows], codes[rows]))]
    grouped = codes[order]
    first = np.r_[0, np.flatnonzero(np.diff(grouped)) + 1] if len(order) else np.zeros(0, dtype=np.intp)
    position = np.arange(len(order)) - np.repeat(first, np.diff(np.r_[first, len(order)]))
    cutoff = np.full(len(agents), np.inf)
    last = position == limit - 1
    cutoff[grouped[last]] = score[order[last]]
    return rows[score[rows] <= cutoff[codes[rows]]]


def praise(findings: pd.DataFrame, limit: int = 5) -> pd.DataFrame:
    """Each agent's moments worth praising: empathy shown, the need restated — one per call and criterion,
    latest first."""
    good = findings[(findings["outcome"] == MET) & findings["criterion"].isin(PRAISE_CRITERIA)
                    & findings["in_period"]]
    good = good.sort_values(["agent_id", "started", "confidence"], ascending=[True, False, False])
    good = good.drop_duplicates(["call_id", "criterion"])
    return good.groupby("agent_id", sort=False).head(limit)
