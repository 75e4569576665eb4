"""Per-agent, per-day figures from the calls dataset: what coaches look at first.

Recomputed from every call stored for the day, not from this run alone, so a
second batch for the same night updates the day's figures instead of
overwriting them.
"""
from __future__ import annotations

import pandas as pd
import pyarrow as pa

from scorers.schemas import agents_schema


def agent_day_table(calls: pd.DataFrame, compliance: pd.DataFrame, criteria: list[str]) -> pa.Table:
    """One row per (agent, team, rubric) for the calls of a single day.

    ``compliance`` holds the day's compliance cases (call_id, rubric_id); each
    counted one is a flag against the agent of its call (a suspected one is not, until confirmed).
    """
    statuses = [c for c in criteria if f"{c}_status" in calls.columns]
    # a call scored before a criterion existed has no status for it: it does not count towards the rate
    frame = calls.assign(**{f"{c}_violation": calls[f"{c}_status"].eq("violation").astype(float)
                            .where(calls[f"{c}_status"].notna()) for c in statuses})
    if "counted" in compliance.columns:  # a suspected case (model only, unconfirmed) is no flag yet
        compliance = compliance[compliance["counted"].fillna(True).astype(bool)]
    flags = compliance.groupby(["call_id", "rubric_id"]).size().rename("critical_violation")
    frame = frame.join(flags, on=["call_id", "rubric_id"])
    frame["critical_violation"] = frame["critical_violation"].fillna(0).astype(int)
    grouped = frame.groupby(["agent_id", "team", "rubric_id", "rubric_version"], dropna=False, sort=True)
    out = grouped.agg(n_calls=("call_id", "size"), mean_score=("total_score", "mean"),
                      pass_rate=("passed", "mean"), n_vetoed=("vetoed", "sum"),
                      compliance_flags=("critical_violation", "sum"),
                      **{f"{c}_violation_rate": (f"{c}_violation", "mean") for c in statuses}).reset_index()
    out["mean_score"] = out["mean_score"].round(2)
    for c in criteria:
        if f"{c}_violation_rate" not in out:
            out[f"{c}_violation_rate"] = None
    return pa.Table.from_pandas(out, schema=agents_schema(criteria), preserve_index=False)

