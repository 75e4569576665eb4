"""The coaches' site: a team overview and one page per agent.

``index.html`` ranks agents, shows the score distribution, violation rates
per criterion, the night-by-night trend and the agents who fell most since
the previous period. ``agent-<id>.html`` shows one agent's nightly scores
against the team median, each criterion against the team, the calls to go
through first with their evidence, moments worth praising, and the rubric's
coaching note for each weak criterion.

Why pages may be rendered in worker processes: a page costs about 5 ms
(a template and two charts whose frames are drawn once,
:class:`~scorers.reports.charts.AgentCharts`), and a worker costs about two
CPU-seconds to start (matplotlib, fonts). So a site renders in this process
up to :data:`PARALLEL_FROM` agents, and in workers above that. The parent
computes every figure with pandas once and hands each worker plain,
already-masked values; workers draw and write pages into the staging folder.
"""
from __future__ import annotations

import hashlib
import logging
import multiprocessing
import os
import re
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd

from scorers.finding import VIOLATION
from scorers.lifetime import exit_with_parent
from scorers.numbers import mask_text
from scorers.reports import charts, metrics
from scorers.reports.data import ReportData, load_report_data, release_memory, with_details
from scorers.reports.render import Site, Text, environment, ident, masked, non_ascii_in, rubric_label
from scorers.rubric import Rubric

log = logging.getLogger(__name__)
PARALLEL_FROM = 2000  # agents; below this, starting workers costs more than it saves (400 agents: 4.5 s in-process, 9.6 s in two)
_PLAIN_ID = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.-]{0,39}")


@dataclass
class AgentReport:
    dest: Path
    agents: int
    calls: int
    pages: int
    since: str
    until: str


def page_name(agent_id: str) -> Text:
    """The file name of an agent's page: ``agent-<id>.html`` for a short plain id, else a short hash.

    A hash when the id is long (a 500-character id would exceed the file system's name limit and take
    the report down), has other characters, or holds a digit run the masking would hide (its page
    name would be masked in the link and point nowhere; a file name must not carry a number either).
    Returned as :class:`Text`, so the link is printed exactly as the file is named.
    """
    text = str(agent_id)
    if _PLAIN_ID.fullmatch(text) and mask_text(text) == text:
        return Text(f"agent-{text}.html")
    return Text(f"agent-{hashlib.sha256(text.encode('utf-8', 'surrogatepass')).hexdigest()[:12]}.html")


def _nan_list(values) -> list[float]:
    return [float(v) if v is not None and v == v else float("nan") for v in values]


def _context(data: ReportData, generated_at: str) -> dict:
    labels = data.labels
    return {"period": {"since": data.period.since, "until": data.period.until, "nights": data.period.nights},
            "previous": {"since": data.period.previous.since, "until": data.period.previous.until},
            "generated_at": Text(generated_at), "rubric_label": Text("；".join(rubric_label(r, data.versions_by.get(r.id) or None)
                                                             for r in data.rubrics)),
            "labels": labels}


def build_agent_report(scorecards: Path | str, dest: Path | str, rubric: Rubric, since=None, until=None,
                       min_calls: int = 2, workers: int | None = None) -> AgentReport:
    """Render the coaches' site for ``since``..``until`` into ``dest`` (replacing an older report there)."""
    data = load_report_data(scorecards, rubric, since, until, light=True)
    period, n_calls = data.period, len(data.current)
    generated_at = datetime.now().strftime("%Y-%m-%d %H:%M")
    ctx = _context(data, generated_at)
    summary = metrics.agent_summary(data)
    summary["page"] = [page_name(a) for a in summary["agent_id"]]
    site = Site(dest)
    try:
        env = environment()
        site.write("index.html", env.get_template("index.html").render(**ctx, **_overview(data, summary, min_calls)))
        jobs = _agent_jobs(data, summary, ctx)
        shared = _shared(data, ctx)
        # every figure is computed: let the calls go before drawing (workers are started meanwhile)
        del data, summary
        release_memory()
        n_workers = _workers(workers, len(jobs))
        if n_workers <= 1:
            chars = render_agent_pages(str(site.stage), shared, jobs)
        else:
            chars = _render_in_workers(str(site.stage), shared, jobs, n_workers)
        site.chars |= chars
        site.publish({"report": "agents", "scorecards": str(Path(scorecards).resolve()),
                      "since": str(period.since), "until": str(period.until),
                      "agents": len(jobs), "generated_at": generated_at})
    except BaseException:
        site.abort()
        raise
    return AgentReport(site.dest, len(jobs), n_calls, len(jobs) + 1, str(period.since), str(period.until))


def _render_in_workers(stage: str, shared: dict, jobs: list[dict], n_workers: int) -> set[str]:
    """Split the pages over worker processes; where processes cannot be started, draw them here."""
    chunks = [jobs[i::n_workers] for i in range(n_workers)]
    context = multiprocessing.get_context("spawn")  # no fork: callers may run threads (Prefect does)
    try:
        # exit_with_parent: a killed run must not leave workers behind, waiting for pages forever
        with ProcessPoolExecutor(n_workers, mp_context=context, initializer=exit_with_parent,
                                 initargs=(os.getpid(),)) as pool:
            return set().union(*pool.map(render_agent_pages, [stage] * n_workers, [shared] * n_workers, chunks))
    except (BrokenProcessPool, OSError) as err:  # e.g. no semaphores in a sandbox, or a main module spawn cannot re-run
        log.warning("agent pages: worker processes failed (%s); drawing them in this process", err)
        return render_agent_pages(stage, shared, jobs)


def _workers(requested: int | None, jobs: int) -> int:
    if requested is not None:
        return max(1, min(requested, jobs))
    if jobs < PARALLEL_FROM:
        return 1
    return max(1, min(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1, 8))


def _overview(data: ReportData, summary: pd.DataFrame, min_calls: int) -> dict:
    trend = metrics.night_trend(data)
    nights = list(trend.index)
    current_from = nights.index(data.period.since)
    labels = data.labels
    names = [labels[c] for c in data.criteria]
    rate = metrics.violation_rates(data.current, data.criteria)
    prev_rate = metrics.violation_rates(data.previous, data.criteria) if len(data.previous) else None
    cur, prev = data.current, data.previous
    rows = summary.assign(agent=[ident(a) for a in summary["agent_id"]]).to_dict("records")
    falls = metrics.fallers(summary, min_calls)
    return {
        "totals": {"calls": len(cur), "agents": len(summary), "mean": cur["score"].mean(),
                   "prev_mean": prev["score"].mean() if len(prev) else None,
                   "pass_rate": cur["passed_adj"].mean(), "vetoed": int(cur["vetoed_adj"].sum()),
                   "dismissed": int((data.findings["dismissed"] & data.findings["in_period"]
                                     & (data.findings["outcome"] == VIOLATION)).sum())},
        "charts": {
            "trend": charts.team_trend(charts.night_labels(nights), _nan_list(trend["mean"]),
                                       _nan_list(trend["median"]), _nan_list(trend["pass_rate"]), current_from),
            "histogram": charts.histogram(cur["score"].to_numpy(), data.rubric.pass_score),
            "criteria": charts.criterion_bars(names, rate.tolist(),
                                              prev_rate.tolist() if prev_rate is not None else [0.0] * len(names),
                                              "本周期", "上一周期"),
        },
        "criteria": [{"name": labels[c], "rate": rate[c], "prev_rate": None if prev_rate is None else prev_rate[c]}
                     for c in data.criteria],
        "agents": rows,
        "fallers": falls.assign(agent=[ident(a) for a in falls["agent_id"]]).to_dict("records"),
        "min_calls": min_calls,
        "not_shown": sorted(data.not_shown.items()),
        "teams": metrics.team_summary(data, summary).to_dict("records"),
        "rules": _rules(data.findings[data.findings["in_period"]], labels),
    }


def _rules(findings: pd.DataFrame, labels: dict) -> list[dict]:
    rules = metrics.rule_decisions(findings)
    return [dict(r, criterion=labels.get(r["criterion"], r["criterion"])) for r in rules.to_dict("records")]


def _shared(data: ReportData, ctx: dict) -> dict:
    nights = data.period.previous.days() + data.period.days()
    return {"ctx": ctx, "labels": charts.night_labels(nights), "current_from": len(data.period.previous.days()),
            "criteria": [ctx["labels"][c] for c in data.criteria]}


def _agent_jobs(data: ReportData, summary: pd.DataFrame, ctx: dict) -> list[dict]:
    """Everything each agent page shows, as plain masked values (cheap to send to a worker).

    Computed for all agents at once (group, then look up in dicts): a pandas
    call per agent would cost more than drawing the page.
    """
    nights = data.period.previous.days() + data.period.days()
    n_prev = len(data.period.previous.days())
    per_night = metrics.agent_nights(data).unstack("night").reindex(columns=nights)
    per_night = dict(zip(per_night.index, per_night.to_numpy().tolist()))
    medians = metrics.team_night_median(data).reindex(columns=nights)
    medians = dict(zip(medians.index, medians.to_numpy().tolist()))
    rates = metrics.violation_rates(data.current, data.criteria, by="agent_id").to_dict("index")
    team_rates = metrics.violation_rates(data.current, data.criteria, by="team").to_dict("index")
    lost = metrics.points_lost(data).to_dict("index")
    criteria = data.definitions
    worst = _worst(data, ctx["labels"])
    praise = _praise(data, ctx["labels"])
    nan_line = [float("nan")] * len(nights)
    jobs = []
    for row in summary.to_dict("records"):
        agent, team = row["agent_id"], row["team"]
        team_line = medians.get(team, nan_line)
        crit_rows = []
        for c in data.criteria:
            rate, team_rate = rates[agent][c], team_rates.get(team, {}).get(c, float("nan"))
            weak = rate > 0 and (rate > team_rate or criteria[c].veto)
            crit_rows.append({"name": ctx["labels"][c], "rate": rate, "team_rate": team_rate,
                              "lost": lost.get(agent, {}).get(c, 0.0), "weak": bool(weak),
                              "coaching": criteria[c].coaching or "（评分标准里没有这项的辅导建议）"})
        a = dict(row, agent=ident(agent), team=masked(team), team_median=_median_of(team_line[n_prev:]))
        jobs.append({"page": row["page"], "a": a, "n_agents": len(summary), "criteria": crit_rows,
                     "trend": (per_night.get(agent, nan_line), team_line),
                     "worst": worst.get(agent, []), "praise": praise.get(agent, [])})
    return jobs


def _median_of(values: list[float]) -> float:
    present = sorted(v for v in values if v == v)
    if not present:
        return float("nan")
    mid = len(present) // 2
    return present[mid] if len(present) % 2 else (present[mid - 1] + present[mid]) / 2


def _when(value) -> datetime | None:
    return value.to_pydatetime() if pd.notna(value) else None


def _worst(data: ReportData, labels: dict) -> dict[str, list[dict]]:
    """Per agent: the calls to go through first, each with its violations (dismissed ones struck through)."""
    picked = metrics.worst_calls(data.current)
    findings = data.findings[data.findings["call_id"].isin(set(picked["call_id"]))
                             & (data.findings["outcome"] == VIOLATION)].sort_values(["call_id", "utterance_index"])
    findings = with_details(data, findings)
    # points are the rubric's; the score is points kept / total weight × 100: show both so 73.3 adds up
    total_weight = {r.id: sum(c.weight for c in r.criteria) or 100.0 for r in data.rubrics}
    by_call: dict[str, list[dict]] = {}
    for f in findings.to_dict("records"):
        weight = total_weight.get(f["rubric_id"], 100.0)
        by_call.setdefault(f["call_id"], []).append(
            {"criterion_id": f["criterion"], "criterion": labels.get(f["criterion"], f["criterion"]),
             "severity": f["severity"], "evidence": f["evidence"], "span_start": f["span_start"],
             "span_end": f["span_end"], "points": f["points"], "detail": f["detail"], "rule_id": f["rule_id"],
             "weighted": float(f["points"]) * 100.0 / weight, "total_weight": weight,
             "dismissed": bool(f["dismissed"]), "confirmed": bool(f["confirmed"]),
             "reviewer": f["reviewer"] if isinstance(f["reviewer"], str) else ""})
    out: dict[str, list[dict]] = {}
    for call in picked.to_dict("records"):
        items = by_call.get(call["call_id"], [])
        shown = {f["criterion_id"] for f in items}
        missing = [labels[c] for c in data.criteria if call[f"{c}_state"] == VIOLATION and c not in shown]
        out.setdefault(call["agent_id"], []).append(
            {"call_id": call["call_id"], "started": _when(call["started"]), "score": call["score"],
             "passed": bool(call["passed_adj"]), "vetoed": bool(call["vetoed_adj"]), "restored": call["restored"],
             "findings": items, "missing": missing})
    return out


def _praise(data: ReportData, labels: dict) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for f in with_details(data, metrics.praise(data.findings)).to_dict("records"):
        out.setdefault(f["agent_id"], []).append(
            {"criterion": labels.get(f["criterion"], f["criterion"]), "evidence": f["evidence"],
             "span_start": f["span_start"], "span_end": f["span_end"], "call_id": f["call_id"],
             "started": _when(f["started"])})
    return out


_painter: tuple[tuple, charts.AgentCharts] | None = None


def render_agent_pages(stage: str, shared: dict, jobs: list[dict]) -> set[str]:
    """Draw and write agent pages (in a worker or in-process); returns the characters used."""
    global _painter
    key = (tuple(shared["labels"]), shared["current_from"], tuple(shared["criteria"]))
    if _painter is None or _painter[0] != key:
        _painter = (key, charts.AgentCharts(shared["labels"], shared["current_from"], shared["criteria"]))
    painter = _painter[1]
    template = environment().get_template("agent.html")
    chars: set[str] = set()
    for job in jobs:
        agent_series, team_series = job["trend"]
        svg = {"trend": painter.trend(agent_series, team_series),
               "criteria": painter.criteria([c["rate"] for c in job["criteria"]],
                                            [c["team_rate"] for c in job["criteria"]])}
        html = template.render(**shared["ctx"], charts=svg, legends=charts.AGENT_LEGENDS,
                               **{k: v for k, v in job.items() if k != "trend"})
        data = html.encode("utf-8")
        Path(stage, job["page"]).write_bytes(data)
        chars |= non_ascii_in(data)
    return chars
