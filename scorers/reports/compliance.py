"""The compliance officers' review queue: over-promises and leaks, worst first.

``index.html`` lists the cases of ``OUT/compliance`` (violations of the
rubric's critical criteria: over_promise, info_leak) still waiting for a
decision, then those already decided, each with agent, time, masked evidence
and the rule that fired — the first :data:`PAGE_ROWS` of each, with the counts
of all; ``queue.csv`` holds every case for a spreadsheet. Cases are read and
ordered one night at a time and merged (:mod:`scorers.reports.queue`), so the
report's memory follows one night's cases, not the history's.

Order: severity first (critical, major, minor), then the rule's confidence,
then the most recent call — what most likely hurts a customer is read first.
The CSV keeps empty ``decision``, ``reviewer`` and ``note`` columns: filled in
and imported back with ``callqa review --import queue.csv`` they become
decisions (see :mod:`scorers.reports.reviews`). Excel and WPS run a cell that
starts with ``=``, ``+``, ``-`` or ``@`` as a formula, and evidence, notes and
ids are text from callers, agents and reviewers: every such text cell gets a
leading apostrophe (shown as text, never run).
"""
from __future__ import annotations

import csv
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd

from scorers.reports import metrics
from scorers.reports.data import as_rubrics, rule_counts, with_decisions
from scorers.reports.queue import ranked_cases
from scorers.reports.render import Site, Text, call_ref, environment, finding_ref, ident, masked, rubric_label
from scorers.reports.reviews import CONFIRMED, DISMISSED, latest_decisions
from scorers.rubric import Rubric

PAGE_ROWS = 2_000  # cases each section of the page lists, worst first; queue.csv and the workbench hold all
SEVERITY_LABEL = {"critical": "严重", "major": "较重", "minor": "轻微"}
STATUS_LABEL = {"pending": "待复核", CONFIRMED: "已确认", DISMISSED: "已驳回"}
BASIS_LABEL = {"rule": "规则", "both": "规则+模型", "model": "仅模型"}
CSV_COLUMNS = ["rank", "finding_id", "status", "severity", "confidence", "basis", "counted", "criterion", "rule_id",
               "agent_id", "team",
               "started_at", "call_id", "evidence", "detail", "reviewed_by", "review_note", "reviewed_at",
               "decision", "reviewer", "note"]


@dataclass
class ComplianceReport:
    dest: Path
    total: int
    pending: int
    confirmed: int
    dismissed: int
    csv: Path


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value):
    """A text cell a spreadsheet would run as a formula ("=HYPERLINK(…)", "-2+3") is kept as text."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_START) else value


def _csv_row(r: dict, labels: dict) -> list:
    started = r["started"]
    return list(map(csv_cell, [r["rank"], finding_ref(r["finding_id"]), r["status"], r["severity"],
                               f"{_float(r['confidence']):.2f}", r["basis"], "yes" if r["counted"] else "no",
                               labels.get(r["criterion"], r["criterion"]),
                               masked(r["rule_id"]), ident(r["agent_id"]), masked(r["team"]),
                               "" if pd.isna(started) else started.strftime("%Y-%m-%d %H:%M"),
                               call_ref(r["call_id"]), masked(r["evidence"]), masked(r["detail"]),
                               masked(_text(r["reviewer"])), masked(_text(r["note"])), _text(r["decided_at"])[:19],
                               "", "", ""]))


def _float(value) -> float:
    return float("nan") if value is None else float(value)


def _text(value) -> str:
    return value if isinstance(value, str) else ""


def _beijing(stamp) -> Text:
    """A decision time (stored in UTC) as Beijing wall-clock time, labelled, like the call times beside it."""
    moment = pd.to_datetime(_text(stamp) or None, utc=True, errors="coerce")
    return Text("" if pd.isna(moment) else moment.tz_convert("Asia/Shanghai").strftime("%Y-%m-%d %H:%M") + " 北京时间")


def _page_row(r: dict, labels: dict) -> dict:
    return {**r, "criterion": labels.get(r["criterion"], r["criterion"]),
            "severity_label": SEVERITY_LABEL.get(r["severity"], r["severity"]),
            "status_label": STATUS_LABEL[r["status"]], "reviewer": _text(r["reviewer"]),
            "basis_label": BASIS_LABEL.get(r["basis"], r["basis"]) + ("" if r["counted"] else " · 疑似，确认后计分"),
            "note": _text(r["note"]), "decided": _beijing(r["decided_at"]),
            "started": None if pd.isna(r["started"]) else pd.Timestamp(r["started"]).to_pydatetime()}


def rule_stats(scorecards: Path) -> pd.DataFrame:
    """Per rule, over every stored finding: findings, confirmed, dismissed (:func:`metrics.rule_decisions`),
    counted file by file from three columns instead of holding every finding ever stored."""
    decisions = latest_decisions(scorecards)
    counted = rule_counts(scorecards, set(decisions.index))
    if counted is None:
        return metrics.rule_decisions(pd.DataFrame(columns=["finding_id", "rule_id", "criterion", "confirmed",
                                                            "dismissed"]))
    totals, decided = counted
    decided = with_decisions(decided.drop_duplicates("finding_id"), decisions)
    flags = decided.groupby(["rule_id", "criterion"]).agg(confirmed=("confirmed", "sum"),
                                                          dismissed=("dismissed", "sum"))
    rules = totals.join(flags, on=["rule_id", "criterion"])
    rules[["confirmed", "dismissed"]] = rules[["confirmed", "dismissed"]].fillna(0).astype("int64")
    rules = rules.sort_values(["rule_id", "criterion"]).reset_index(drop=True)
    return metrics.ranked_rules(rules)


def build_compliance_report(scorecards: Path | str, dest: Path | str, rubric: Rubric | list | None = None,
                            since=None, until=None, page_rows: int = PAGE_ROWS) -> ComplianceReport:
    """Render the review queue and ``queue.csv`` into ``dest`` (replacing an older report there).

    Every case goes to ``queue.csv``, in rank order, as it is merged night by night
    (:func:`scorers.reports.queue.ranked_cases`): memory follows one night's cases, not the
    history. The page lists the first ``page_rows`` cases of each section (still waiting,
    decided), with the counts of all: a month of a large bank's cases is millions of rows,
    which nobody reads as one page; they work them in the workbench or the spreadsheet.
    """
    scorecards = Path(scorecards)
    rubrics = as_rubrics(rubric) if rubric is not None else []
    labels = {cid: name for r in reversed(rubrics) for cid, name in ((c.id, c.name) for c in r.criteria)}
    generated_at = datetime.now().strftime("%Y-%m-%d %H:%M")
    scope = "全部已评分的夜晚"
    if since or until:
        scope = f"{since or '最早'} 至 {until or '最近'}"
    counts = {"total": 0, "pending": 0, "suspected": 0, "confirmed": 0, "dismissed": 0}
    sections: dict[str, list[dict]] = {"pending": [], "reviewed": []}
    site = Site(dest)
    try:
        runs = site.stage / "_runs"
        with open(site.stage / "queue.csv", "w", encoding="utf-8-sig", newline="") as f:  # BOM: Excel reads UTF-8
            writer = csv.writer(f, lineterminator="\n")
            writer.writerow(CSV_COLUMNS)
            for case in ranked_cases(scorecards, runs, since, until):
                writer.writerow(_csv_row(case, labels))
                status = case["status"]
                counts["total"] += 1
                counts[status] += 1
                counts["suspected"] += status == "pending" and not case["counted"]
                section = sections["pending" if status == "pending" else "reviewed"]
                if len(section) < page_rows:
                    section.append(_page_row(case, labels))
        shutil.rmtree(runs, ignore_errors=True)
        rules = rule_stats(scorecards)
        rule_rows = [dict(r, criterion=labels.get(r["criterion"], r["criterion"])) for r in rules.to_dict("records")]
        ctx = {"generated_at": Text(generated_at), "scope": scope, "counts": counts, "scorecards": str(scorecards),
               "rubric_label": Text("；".join(rubric_label(r) for r in rubrics)), "rules": rule_rows,
               "sections": [("待复核", sections["pending"], counts["pending"]),
                            ("已复核", sections["reviewed"], counts["confirmed"] + counts["dismissed"])]}
        site.write_stream("index.html", environment().get_template("compliance.html").generate(**ctx))
        site.publish({"report": "compliance", "scorecards": str(scorecards.resolve()), "cases": counts["total"],
                      "generated_at": generated_at})
    except BaseException:
        site.abort()
        raise
    return ComplianceReport(site.dest, counts["total"], counts["pending"], counts["confirmed"], counts["dismissed"],
                            site.dest / "queue.csv")
