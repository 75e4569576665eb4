"""Per-agent, per-day figures from the calls dataset: what coaches look at first.

Recomputed from every call stored for the day, not from this run alone, so a
second batch for the same night updates the day's figures instead of
overwriting them.

A day can hold a million calls, so the day is never read whole: each calls
file is read for the few columns the figures need and reduced to sums per
(agent, team, rubric, version) at once (:class:`AgentTally`); the sums of all
files are added up and turned into means at the end. Memory follows the
number of agents, not of calls.
"""
from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from scorers.schemas import agents_schema

GROUP = ["agent_id", "team", "rubric_id", "rubric_version"]
VIOLATION = "violation"


class AgentTally:
    """Sums per agent group, added to file by file; :meth:`table` turns them into the day's figures.

    ``criteria``: the criterion columns of ``agents/`` (a criterion the calls lack gets null rates).
    """

    def __init__(self, criteria: list[str]):
        self.criteria = list(criteria)
        self._parts: list[pa.Table] = []
        self._flags: list[pa.Table] = []

    def add_calls(self, calls: pa.Table) -> "AgentTally":
        """Calls rows (any subset of the day's): counted, scores and statuses summed per group."""
        if calls.num_rows == 0:
            return self
        columns = {k: calls.column(k) for k in GROUP}
        columns["n_calls"] = pa.array([1] * calls.num_rows, pa.int64())
        columns["score_sum"] = calls.column("total_score")
        columns["passed_sum"] = pc.cast(calls.column("passed"), pa.int64())
        columns["vetoed_sum"] = pc.cast(calls.column("vetoed"), pa.int64())
        for c in self.criteria:
            if f"{c}_status" in calls.column_names:
                # a call scored before a criterion existed has no status for it: it does not count towards the rate
                status = calls.column(f"{c}_status")
                columns[f"{c}_v"] = pc.cast(pc.equal(status, VIOLATION), pa.int64())
                columns[f"{c}_n"] = pc.cast(pc.is_valid(status), pa.int64())
        table = pa.table(columns)
        sums = [(name, "sum") for name in table.column_names if name not in GROUP]
        self._parts.append(_renamed(table.group_by(GROUP, use_threads=False).aggregate(sums)))
        return self

    def add_compliance(self, compliance: pa.Table) -> "AgentTally":
        """Compliance cases of the day: each counted one is a flag against its call's agent (a suspected
        one, model only and not confirmed, is no flag yet)."""
        if compliance.num_rows == 0:
            return self
        if "counted" in compliance.column_names:
            compliance = compliance.filter(pc.fill_null(compliance.column("counted"), True))
        flags = pa.table({**{k: compliance.column(k) for k in GROUP},
                          "flags": pa.array([1] * compliance.num_rows, pa.int64())})
        self._flags.append(_renamed(flags.group_by(GROUP, use_threads=False).aggregate([("flags", "sum")])))
        return self

    def table(self) -> pa.Table:
        """One row per (agent, team, rubric, version), sorted, in the ``agents/`` schema."""
        schema = agents_schema(self.criteria)
        if not self._parts:
            return schema.empty_table()
        parts = pa.concat_tables(self._parts, promote_options="permissive")
        sums = [(name, "sum") for name in parts.column_names if name not in GROUP]
        total = _renamed(parts.group_by(GROUP, use_threads=False).aggregate(sums))
        if self._flags:
            flags = pa.concat_tables(self._flags)
            flags = _renamed(flags.group_by(GROUP, use_threads=False).aggregate([("flags", "sum")]))
            total = total.join(flags, GROUP, join_type="left outer", use_threads=False)
        n = pc.cast(total.column("n_calls"), pa.float64())
        out = {k: total.column(k) for k in GROUP}
        out["n_calls"] = total.column("n_calls")
        out["mean_score"] = pc.round(pc.divide(total.column("score_sum"), n), 2)
        out["pass_rate"] = pc.divide(pc.cast(total.column("passed_sum"), pa.float64()), n)
        out["n_vetoed"] = total.column("vetoed_sum")
        out["compliance_flags"] = (pc.fill_null(total.column("flags"), 0) if "flags" in total.column_names
                                   else pa.array([0] * total.num_rows, pa.int64()))
        for c in self.criteria:
            if f"{c}_v" in total.column_names:
                rated = pc.cast(total.column(f"{c}_n"), pa.float64())
                rate = pc.divide(pc.cast(total.column(f"{c}_v"), pa.float64()), rated)
                out[f"{c}_violation_rate"] = pc.if_else(pc.greater(rated, 0), rate, pa.scalar(None, pa.float64()))
            else:
                out[f"{c}_violation_rate"] = pa.nulls(total.num_rows, pa.float64())
        table = pa.table({f.name: pc.cast(out[f.name], f.type) for f in schema}, schema=schema)
        return table.sort_by([(k, "ascending") for k in GROUP])


def _renamed(table: pa.Table) -> pa.Table:
    """Arrow names an aggregate ``<column>_sum``: back to the column's own name."""
    return table.rename_columns([n[:-len("_sum")] if n.endswith("_sum") and n[:-len("_sum")] not in GROUP else n
                                 for n in table.column_names])


def agent_day_table(calls_files: list[Path], compliance_files: list[Path], criteria: list[str]) -> pa.Table:
    """The ``agents/`` rows of one day, from that day's calls and compliance files, one file at a time."""
    tally = AgentTally(criteria)
    for f in calls_files:
        names = set(pq.read_schema(f).names)
        wanted = GROUP + ["total_score", "passed", "vetoed"] + [f"{c}_status" for c in criteria
                                                                if f"{c}_status" in names]
        tally.add_calls(pq.read_table(f, columns=wanted))
    for f in compliance_files:
        names = set(pq.read_schema(f).names)
        tally.add_compliance(pq.read_table(f, columns=GROUP + ["counted"] * ("counted" in names)))
    return tally.table()
