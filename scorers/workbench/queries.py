"""What the workbench's pages read, one request at a time, straight from the Parquet scorecards.

Why not :func:`scorers.reports.data.load_report_data`: a report reads every
dataset once and renders hundreds of pages; a page request needs a few
hundred rows. So every read here is a pyarrow dataset scan with a filter
(the night partitions are pruned, ``team``/``agent_id``/``call_id`` filters go
down to the row groups) and only the columns the page shows. The dataset
objects (file list and unified schema) are kept until a file under the
dataset changes, which is what a scoring run does. The figures themselves —
scores with dismissed findings given back, violation rates, the team median,
the worst calls, the praise — are computed by the report code
(:mod:`scorers.reports.data`, :mod:`scorers.reports.metrics`) on the subset,
so the workbench and the offline reports never disagree on a number.

Decisions, appeals and coaching notes come from the append-only logs
(:mod:`scorers.workbench.journal`), read incrementally.
"""
from __future__ import annotations

import hashlib
import re
import threading
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from scorers.reports.data import (DEFAULT_NIGHTS, Period, ReportData, _local_time, adjust_scores, resolve_period,
                                  with_decisions)
from scorers.reports.queue import ORDER, SEVERITY_ORDER, order_keys
from scorers.reports.reviews import CONFIRMED, DECISIONS, DISMISSED
from scorers.rubric import Rubric
from scorers.schemas import PARTITION
from scorers.workbench.journal import APPEALS, COACHING, REVIEWS, LogFolder

PENDING, APPEALED = "pending", "appealed"
STATUSES = ("open", PENDING, APPEALED, CONFIRMED, DISMISSED, "all")
BASES = ("rule", "model", "both")
PAGE_SIZE = 50
MAX_SLICES = 8  # period slices kept in memory (a few MB each for a month of 400 agents)
_SAFE_REF = re.compile(r"[A-Za-z0-9_.-]{1,80}")
_LONG_DIGITS = re.compile(r"[0-9]{11,}")
QUEUE_COLUMNS = ["finding_id", "call_id", "agent_id", "team", "started_at", "criterion", "rule_id", "severity",
                 "confidence", "basis", "counted", "utterance_index", "evidence", "detail", "call_date"]


def ref(value) -> str:
    """How an id or a team appears in a URL: as it is when it is plain ASCII without a long digit run,
    else ``~`` and a hash (no personal number in URLs or access logs, whatever the vendor put in an id)."""
    text = "" if value is None else str(value)
    if _SAFE_REF.fullmatch(text) and not _LONG_DIGITS.search(text) and not text.startswith("~"):
        return text
    return "~" + hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()[:20]


@dataclass
class QueueFilter:
    criterion: str = ""
    severity: str = ""
    team: str = ""
    agent: str = ""
    night: str = ""
    status: str = "open"
    basis: str = ""
    rule: str = ""
    page: int = 1


@dataclass
class QueuePage:
    rows: list[dict]
    counts: dict
    total: int  # rows matching every filter
    page: int
    pages: int
    options: dict = field(default_factory=dict)


class Scorecards:
    """Read access to one scorecard folder (``OUT``) for the workbench."""

    def __init__(self, out: Path | str, rubric: Rubric, rubrics: list[Rubric] | None = None):
        self.out = Path(out)
        self.rubric = rubric
        every = [rubric] + [r for r in (rubrics or []) if r.id != rubric.id]
        self.every = every  # calls of each of these rubrics are shown, each judged by its own rubric
        self.labels = {c.id: c.name for r in reversed(every) for c in r.criteria}
        self.coaching_notes = {c.id: c.coaching for r in reversed(every) for c in r.criteria}
        self.critical = {c.id for r in every for c in r.criteria if c.severity == "critical"}
        self.reviews = LogFolder(self.out, REVIEWS)
        self.appeals = LogFolder(self.out, APPEALS)
        self.coached = LogFolder(self.out, COACHING)
        self._datasets: dict[str, tuple] = {}
        self._memo: dict[tuple, tuple] = {}
        self._lock = threading.Lock()

    # --- datasets ------------------------------------------------------------------------------

    def _files(self, name: str) -> list[Path]:
        root = self.out / name
        if not root.is_dir():
            return []
        return sorted(f for f in root.rglob("*.parquet")
                      if not any(p.startswith(("_", ".")) for p in f.relative_to(root).parts))

    def dataset(self, name: str) -> ds.Dataset | None:
        files = self._files(name)
        if not files:
            return None
        signature = tuple((str(f), f.stat().st_mtime_ns) for f in files)
        with self._lock:
            cached = self._datasets.get(name)
            if cached and cached[0] == signature:
                return cached[1]
        schema = pa.unify_schemas([pq.read_schema(f) for f in files] + [PARTITION], promote_options="permissive")
        dataset = ds.dataset([str(f) for f in files], format="parquet", schema=schema,
                             partitioning=ds.partitioning(PARTITION, flavor="hive"),
                             partition_base_dir=str(self.out / name))
        with self._lock:
            self._datasets[name] = (signature, dataset)
        return dataset

    def read(self, name: str, filter=None, columns: list[str] | None = None) -> pd.DataFrame | None:
        dataset = self.dataset(name)
        if dataset is None:
            return None
        if columns is not None:
            columns = [c for c in columns if c in dataset.schema.names]
        return frame(dataset.to_table(filter=filter, columns=columns))

    def _memoized(self, key: str, names: tuple[str, ...], compute, bounded: bool = False):
        """``compute()`` again only when a file of one of ``names`` changed (a scoring run).

        ``bounded``: one of the per-period slices, of which only the latest few are kept.
        """
        signature = tuple((n, tuple((str(f), f.stat().st_mtime_ns) for f in self._files(n))) for n in names)
        with self._lock:
            hit = self._memo.get(key)
            if hit and hit[0] == signature:
                return hit[1]
        value = compute()
        with self._lock:
            self._memo[key] = (signature, value)
            if bounded:
                slices = [k for k in self._memo if k.startswith("period:")]
                for old in slices[:-MAX_SLICES]:
                    del self._memo[old]
        return value

    def nights(self) -> list[date]:
        def compute():
            table = self.read("calls", columns=["call_date"])
            return [] if table is None else sorted({_day(d) for d in table["call_date"]})
        return self._memoized("nights", ("calls",), compute)

    # --- the logs ------------------------------------------------------------------------------

    def decision_log(self) -> pd.DataFrame:
        columns = ["finding_id", "decision", "reviewer", "note", "decided_at", "source", "file", "line"]
        rows = [r for r in self.reviews.records() if r.get("decision") in DECISIONS and "finding_id" in r]
        log = pd.DataFrame([{c: r.get(c, "") for c in columns} for r in rows], columns=columns)
        return log.sort_values(["decided_at", "file", "line"], kind="stable").reset_index(drop=True)

    def latest(self) -> pd.DataFrame:
        """One row per finding: its latest decision, and whether reviewers ever disagreed on it."""
        log = self.decision_log()
        latest = log.drop_duplicates("finding_id", keep="last").set_index("finding_id")
        kinds = log.groupby("finding_id")["decision"].nunique()
        latest["disputed"] = kinds.reindex(latest.index).fillna(1).gt(1)
        return latest

    def open_appeals(self, latest: pd.DataFrame | None = None) -> dict[str, dict]:
        """finding_id → its latest appeal, when no decision was recorded after it."""
        latest = self.latest() if latest is None else latest
        decided = latest["decided_at"].to_dict() if len(latest) else {}
        last: dict[str, dict] = {}
        for row in self.appeals.records():
            if row.get("finding_id"):
                last[row["finding_id"]] = row
        return {fid: row for fid, row in last.items() if str(row.get("filed_at", "")) > str(decided.get(fid, ""))}

    def coaching_of(self, call_ids: set[str]) -> dict[str, list[dict]]:
        out: dict[str, list[dict]] = {}
        for row in self.coached.records():
            if row.get("call_id") in call_ids:
                out.setdefault(row["call_id"], []).append(row)
        return out

    # --- the compliance queue ------------------------------------------------------------------

    def queue_options(self) -> dict:
        def compute():
            table = self.read("compliance", columns=["criterion", "severity", "team", "agent_id", "rule_id",
                                                      "call_date"])
            if table is None or not len(table):
                return {"criteria": [], "severities": [], "teams": [], "agents": [], "rules": [], "nights": []}
            return {"criteria": sorted(set(table["criterion"])),
                    "severities": sorted(set(table["severity"]), key=lambda s: SEVERITY_ORDER.get(s, 9)),
                    "teams": sorted(set(table["team"].fillna(""))), "agents": sorted(set(table["agent_id"])),
                    "rules": sorted(set(table["rule_id"])),
                    "nights": sorted({_day(d) for d in table["call_date"]}, reverse=True)}
        return self._memoized("queue_options", ("compliance",), compute)

    def _resolve(self, value: str, choices: list[str]) -> str | None:
        """A filter value from a URL (a ref) back to the value it stands for; None when unknown."""
        for choice in choices:
            if ref(choice) == value:
                return choice
        return None

    def queue_frame(self, f: QueueFilter) -> tuple[pd.DataFrame, dict]:
        """The cases matching the filters (status aside), with status; and the counts per status."""
        options = self.queue_options()
        expr = None

        def both(e):
            nonlocal expr
            expr = e if expr is None else expr & e

        for column, value, choices in (("criterion", f.criterion, options["criteria"]),
                                       ("severity", f.severity, options["severities"]),
                                       ("team", f.team, options["teams"]),
                                       ("agent_id", f.agent, options["agents"]),
                                       ("rule_id", f.rule, options["rules"])):
            if value:
                real = self._resolve(value, choices)
                both(ds.field(column) == (real if real is not None else "\0no such value"))
        if f.night:
            try:
                both(ds.field("call_date") == pa.scalar(date.fromisoformat(f.night), pa.date32()))
            except ValueError:
                both(ds.field("call_date") == pa.scalar(date(1970, 1, 1), pa.date32()))
        queue = self.read("compliance", expr, QUEUE_COLUMNS)
        if queue is None:
            queue = pd.DataFrame(columns=QUEUE_COLUMNS)
        queue = queue.drop_duplicates("finding_id", keep="last").copy()
        queue["basis"] = queue["basis"].fillna("rule") if "basis" in queue else "rule"
        queue["counted"] = queue["counted"].fillna(True).astype(bool) if "counted" in queue else True
        if f.basis in BASES:
            queue = queue[queue["basis"] == f.basis]
        latest = self.latest()
        queue = queue.join(latest[["decision", "reviewer", "note", "decided_at", "disputed"]], on="finding_id")
        appeals = self.open_appeals(latest)
        queue["appealed"] = queue["finding_id"].isin(set(appeals))
        queue["status"] = queue["decision"].where(queue["decision"].isin(DECISIONS), PENDING)
        queue.loc[queue["appealed"], "status"] = APPEALED
        queue["disputed"] = queue["disputed"].fillna(False).astype(bool)
        counts = {s: int((queue["status"] == s).sum()) for s in (PENDING, APPEALED, CONFIRMED, DISMISSED)}
        counts["open"] = counts[PENDING] + counts[APPEALED]
        counts["all"] = len(queue)
        wanted = {"open": (PENDING, APPEALED), "all": (PENDING, APPEALED, CONFIRMED, DISMISSED)}.get(
            f.status, (f.status,))
        queue = queue[queue["status"].isin(wanted)]
        # open cases first, then the compliance report's order (scorers/reports/queue.py)
        queue = queue.assign(_open=~queue["status"].isin([PENDING, APPEALED]), **order_keys(queue))
        queue = queue.sort_values(["_open", *ORDER], kind="stable")
        queue = queue.drop(columns=["_open", *ORDER[:3]]).reset_index(drop=True)
        queue["appeal"] = queue["finding_id"].map(appeals)
        return queue, counts

    def queue(self, f: QueueFilter, page_size: int = PAGE_SIZE) -> QueuePage:
        queue, counts = self.queue_frame(f)
        pages = max(1, -(-len(queue) // page_size))
        page = min(max(1, f.page), pages)
        rows = queue.iloc[(page - 1) * page_size: page * page_size].copy()
        rows = self._with_spans(rows)
        rows["started"] = _local_time(rows["started_at"]) if len(rows) else rows.get("started_at")
        return QueuePage(rows.to_dict("records"), counts, len(queue), page, pages, self.queue_options())

    def _with_spans(self, rows: pd.DataFrame) -> pd.DataFrame:
        if not len(rows):
            return rows.assign(span_start=None, span_end=None)
        nights = [pa.scalar(_day(d), pa.date32()) for d in set(rows["call_date"])]
        spans = self.read("findings", ds.field("call_date").isin(pa.array([n.as_py() for n in nights], pa.date32()))
                          & ds.field("finding_id").isin(pa.array(list(rows["finding_id"]), pa.string())),
                          ["finding_id", "span_start", "span_end"])
        spans = spans.drop_duplicates("finding_id", keep="last").set_index("finding_id")
        return rows.join(spans, on="finding_id")

    def pending_of_rule(self, rule_id: str, night: str) -> list[str]:
        """Finding ids of one rule on one night still waiting for a decision (for a bulk dismissal)."""
        queue, _ = self.queue_frame(QueueFilter(rule=ref(rule_id), night=night, status=PENDING))
        return list(queue["finding_id"])

    # --- one finding, one call -----------------------------------------------------------------

    def finding(self, finding_id: str) -> dict | None:
        rows = self.read("findings", ds.field("finding_id") == finding_id)
        if rows is None or not len(rows):
            return None
        return rows.iloc[-1].to_dict()

    def call_by_ref(self, call_ref: str) -> dict | None:
        if call_ref.startswith("~"):
            def compute():
                table = self.read("calls", columns=["call_id"])
                return {} if table is None else {ref(c): c for c in table["call_id"]}
            call_id = self._memoized("call_refs", ("calls",), compute).get(call_ref)
            if call_id is None:
                return None
        else:
            call_id = call_ref
        return self.call(call_id)

    def call(self, call_id: str, night: date | None = None) -> dict | None:
        expr = ds.field("call_id") == call_id
        if night is not None:
            expr = expr & (ds.field("call_date") == pa.scalar(_day(night), pa.date32()))
        rows = self.read("calls", expr)
        if rows is None or not len(rows):
            return None
        row = rows.iloc[-1].to_dict()
        row["started"] = _local_time(pd.Series([row["started_at"]])).iloc[0]
        row["night"] = _day(row["call_date"])
        return row

    def transcript(self, call_id: str, night: date) -> list[dict]:
        rows = self.read("transcripts", (ds.field("call_id") == call_id)
                         & (ds.field("call_date") == pa.scalar(_day(night), pa.date32())))
        if rows is None or not len(rows):
            return []
        return rows.drop_duplicates("utterance_index", keep="last").sort_values("utterance_index").to_dict("records")

    def call_findings(self, call_id: str, night: date) -> pd.DataFrame:
        rows = self.read("findings", (ds.field("call_id") == call_id)
                         & (ds.field("call_date") == pa.scalar(_day(night), pa.date32())))
        if rows is None:
            return pd.DataFrame(columns=["finding_id", "utterance_index", "criterion", "outcome"])
        rows = rows.drop_duplicates("finding_id", keep="last")
        latest = self.latest()
        rows = rows.join(latest[["decision", "reviewer", "decided_at"]], on="finding_id")
        appeals = self.open_appeals(latest)
        rows["appealed"] = rows["finding_id"].isin(set(appeals))
        rows["critical"] = rows["criterion"].isin(self.critical)
        return rows.sort_values(["utterance_index", "span_start", "criterion"]).reset_index(drop=True)

    def history(self, finding_id: str) -> list[dict]:
        """Every decision and appeal on a finding, oldest first."""
        log = self.decision_log()
        items = [dict(r, kind="decision", at=r["decided_at"], text=r["note"]) for r in
                 log[log["finding_id"] == finding_id].to_dict("records")]
        items += [dict(r, kind="appeal", at=str(r.get("filed_at", "")), text=str(r.get("reason", "")),
                       filed_by=str(r.get("filed_by", "")), agent_id=str(r.get("agent_id", "")))
                  for r in self.appeals.records() if r.get("finding_id") == finding_id]
        return sorted(items, key=lambda r: r["at"])

    # --- agents --------------------------------------------------------------------------------

    def period(self, since=None, until=None) -> Period:
        from scorers.reports.data import parse_day

        return resolve_period(self.nights(), parse_day(since, "since"), parse_day(until, "until"), DEFAULT_NIGHTS)

    def period_table(self, name: str, period: Period, columns: list[str] | None = None) -> pa.Table | None:
        """``name``'s rows of this rubric in both periods, as Arrow; kept until a file of the dataset changes.

        The nights are partitions (only theirs are read); a page then filters
        this slice by team or agent in memory, a millisecond instead of a
        Parquet scan per request.
        """
        def compute():
            dataset = self.dataset(name)
            if dataset is None:
                return None
            needed = ["call_id", "agent_id", "team", "call_date", "rubric_id"]  # what slices filter and join on
            wanted = None if columns is None else [c for c in dict.fromkeys(needed + list(columns))
                                                   if c in dataset.schema.names]
            return dataset.to_table(columns=wanted, filter=(
                (ds.field("call_date") >= pa.scalar(period.previous.since, pa.date32()))
                & (ds.field("call_date") <= pa.scalar(period.until, pa.date32()))
                & ds.field("rubric_id").isin([r.id for r in self.every])))
        return self._memoized(f"period:{name}:{period.previous.since}:{period.until}:{columns}", (name,), compute,
                              bounded=True)

    def _slice(self, name: str, period: Period, columns, teams: set[str] | None, agent: str | None):
        table = self.period_table(name, period, columns)
        if table is None:
            return None
        if teams is not None:
            table = table.filter(pc.is_in(table["team"], value_set=pa.array(sorted(teams), pa.string())))
        if agent is not None:
            table = table.filter(pc.equal(table["agent_id"], agent))
        return frame(table)

    def report_data(self, period: Period, teams: set[str] | None = None, agent: str | None = None,
                    finding_columns: list[str] | None = None, call_columns: list[str] | None = None) -> ReportData:
        """The report's data (:class:`ReportData`) for the calls of ``teams`` (None: all) in both periods."""
        calls = self._slice("calls", period, call_columns, teams, agent)
        if calls is None:
            calls = pd.DataFrame(columns=["call_id", "agent_id", "team", "call_date", "total_score", "passed",
                                          "vetoed", "started_at", "rubric_version", "rubric_id"])
        calls = calls.drop_duplicates("call_id", keep="last").copy()
        calls["night"] = [_day(d) for d in calls["call_date"]]
        calls["in_period"] = calls["night"] >= period.since
        calls["started"] = _local_time(calls["started_at"])
        findings = self._slice("findings", period, finding_columns, teams, agent)
        if findings is None:
            findings = pd.DataFrame(columns=["finding_id", "call_id", "criterion", "outcome", "points", "agent_id",
                                             "rubric_id"])
        findings = findings.drop_duplicates("finding_id", keep="last")
        findings = findings.drop(columns=[c for c in ("call_date", "started_at") if c in findings])
        findings = findings.merge(calls[["call_id", "night", "in_period", "started"]], on="call_id", how="inner")
        findings = with_decisions(findings, self.latest())
        present = [r for r in self.every if r.id in set(calls["rubric_id"])] or [self.rubric]
        calls = pd.concat([adjust_scores(calls[calls["rubric_id"] == r.id], findings[findings["rubric_id"] == r.id], r)
                           for r in present])
        versions = sorted(set(calls.loc[calls["in_period"], "rubric_version"])) if "rubric_version" in calls else []
        return ReportData(present[0], period, calls.reset_index(drop=True), findings.reset_index(drop=True),
                          versions, present)

    def agent_data(self, agent_id: str, team: str, period: Period) -> ReportData:
        """The team's calls (for the team median and rates) with only the agent's findings in full.

        Scores are adjusted with every team finding (light columns); the
        evidence, spans and details the page prints are read for the agent alone.
        """
        team_data = self.report_data(period, {team}, finding_columns=AGENT_LIST_FINDING_COLUMNS)
        mine = self.report_data(period, {team}, agent=agent_id)
        return ReportData(team_data.rubric, period, team_data.calls, mine.findings, team_data.versions,
                          team_data.rubrics)

    def agent_team(self, agent_id: str, period: Period) -> str | None:
        """The team an agent worked for most in the period (as the reports count it); None: no calls."""
        calls = self._slice("calls", period, None, None, agent_id)
        if calls is None or not len(calls):
            return None
        current = calls[[_day(d) >= period.since for d in calls["call_date"]]]
        return (current if len(current) else calls)["team"].fillna("").mode().iat[0]

    def agent_by_ref(self, agent_ref: str) -> str | None:
        if not agent_ref.startswith("~"):
            return agent_ref

        def compute():
            table = self.read("calls", columns=["agent_id"])
            return {} if table is None else {ref(a): a for a in set(table["agent_id"])}
        return self._memoized("agent_refs", ("calls",), compute).get(agent_ref)


def frame(table: pa.Table) -> pd.DataFrame:
    """A DataFrame with text as plain Python strings (object columns).

    pandas 3 would give Arrow-backed strings, and the report code walks ids
    in Python (``for call_id in calls["call_id"]``): element by element an
    Arrow array is many times slower, enough to cost a page its 300 ms.
    """
    columns = {}
    for name, column in zip(table.column_names, table.columns):
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            columns[name] = pd.Series(column.to_numpy(zero_copy_only=False), dtype=object)
        else:
            columns[name] = column.to_pandas()
    return pd.DataFrame(columns, index=pd.RangeIndex(table.num_rows))


def _day(value) -> date:
    return value if isinstance(value, date) else pd.Timestamp(value).date()


AGENT_LIST_CALL_COLUMNS = ["call_id", "agent_id", "team", "call_date", "started_at", "total_score", "passed",
                           "vetoed", "rubric_version"]
AGENT_LIST_FINDING_COLUMNS = ["finding_id", "call_id", "agent_id", "criterion", "outcome", "points", "rule_id",
                              "severity"]
