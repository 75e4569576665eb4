"""Reviewers' decisions on findings: an append-only log under ``OUT/reviews/``.

Why a log and not a column in the scorecards: the scorecards are rewritten
whenever a night is scored again, and a compliance decision must survive that
(findings keep their ``finding_id`` across re-scoring, so a decision stays
attached). Why append-only: who decided what, and when, is itself an audit
record. Every write (one ``callqa review`` or one CSV import) becomes one new
small JSONL file, created under a temporary name and linked into place, so an
existing file is never opened for writing again and a reader never sees half a
file. The latest decision per finding wins.

Notes are free text typed by people: they are masked (long numbers) before
they are stored, like every other text callqa writes.
"""
from __future__ import annotations

import csv
import io
import json
import os
import uuid
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable

import pandas as pd

from scorers.numbers import mask_text

REVIEWS = "reviews"
CONFIRMED, DISMISSED = "confirmed", "dismissed"
DECISIONS = (CONFIRMED, DISMISSED)
# What reviewers may type in a CSV (Excel users write Chinese).
DECISION_ALIASES = {"confirmed": CONFIRMED, "confirm": CONFIRMED, "确认": CONFIRMED, "成立": CONFIRMED,
                    "dismissed": DISMISSED, "dismiss": DISMISSED, "驳回": DISMISSED, "不成立": DISMISSED}
CSV_COLUMNS = ("finding_id", "decision", "reviewer", "note")
MAX_NOTE = 2000
LOG_COLUMNS = ["finding_id", "decision", "reviewer", "note", "decided_at", "source", "file", "line"]


class ReviewError(ValueError):
    """A decision that cannot be recorded; the message says which and why."""


@dataclass(frozen=True)
class Decision:
    finding_id: str
    decision: str
    reviewer: str
    note: str = ""


def normalize_decision(value: str) -> str | None:
    return DECISION_ALIASES.get(str(value).strip().lower())


def known_finding_ids(out: Path | str, among: Iterable[str] | None = None) -> set[str]:
    """Every finding id in ``OUT/findings`` (the compliance queue is a subset of it); with ``among``,
    only those of them that are there (one column scanned with a filter, not every finding held)."""
    import pyarrow as pa
    import pyarrow.dataset as ds

    from scorers.reports.data import read_table

    where = None if among is None else ds.field("finding_id").isin(pa.array(sorted(set(among)), pa.string()))
    table = read_table(out, "findings", ["finding_id"], where)
    if table is None:
        raise ReviewError(f"no scorecards under {out}: {Path(out) / 'findings'} has no Parquet files")
    return set(table.column("finding_id").to_pylist())


def _check(decision: Decision, known: set[str], where: str) -> list[str]:
    problems = []
    if not decision.finding_id:
        problems.append(f"{where}: finding_id is empty")
    elif decision.finding_id not in known:
        problems.append(f"{where}: unknown finding id {decision.finding_id!r} (not in the scorecards' findings)")
    if decision.decision not in DECISIONS:
        problems.append(f"{where}: decision must be one of {', '.join(DECISIONS)} (or 确认 / 驳回), "
                        f"got {decision.decision!r}")
    if not decision.reviewer.strip():
        problems.append(f"{where}: reviewer is empty")
    if len(decision.note) > MAX_NOTE:
        problems.append(f"{where}: note is longer than {MAX_NOTE} characters")
    return problems


def record_decisions(out: Path | str, decisions: Iterable[Decision], source: str = "cli",
                     labels: list[str] | None = None) -> Path:
    """Validate every decision, then append them all as one new log file; all or nothing.

    ``labels`` name each decision in error messages (e.g. the CSV row).
    """
    out = Path(out)
    decisions = [Decision(d.finding_id.strip(), normalize_decision(d.decision) or d.decision.strip(),
                          d.reviewer.strip(), d.note or "") for d in decisions]
    if not decisions:
        raise ReviewError("no decisions to record")
    if labels is None:
        labels = [f"decision {n}" for n in range(1, len(decisions) + 1)] if len(decisions) > 1 else ["decision"]
    known = known_finding_ids(out, (d.finding_id for d in decisions))
    problems = [p for label, d in zip(labels, decisions) for p in _check(d, known, label)]
    if problems:
        raise ReviewError(_summary(problems))
    now = datetime.now(timezone.utc)
    stamp = now.isoformat(timespec="microseconds")
    folder = out / REVIEWS
    folder.mkdir(parents=True, exist_ok=True)
    final = folder / f"{now.strftime('%Y%m%dT%H%M%S%f')}Z-{uuid.uuid4().hex[:8]}.jsonl"
    tmp = folder / f".{final.name}.{os.getpid()}.tmp"
    lines = [json.dumps({**asdict(d), "reviewer": mask_text(d.reviewer), "note": mask_text(d.note),
                         "decided_at": stamp, "source": mask_text(source)}, ensure_ascii=False)
             for d in decisions]
    with tmp.open("w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
        f.flush()
        os.fsync(f.fileno())
    try:
        os.link(tmp, final)  # fails rather than replace: an existing log file is never rewritten
    finally:
        tmp.unlink(missing_ok=True)
    return final


def read_decisions_csv(path: Path | str) -> tuple[list[Decision], list[int], int]:
    """Decisions from a CSV with columns finding_id, decision, reviewer, note.

    Extra columns are ignored and rows with an empty decision are skipped, so
    the compliance report's ``queue.csv`` can be filled in and imported back.
    Returns (decisions, their line numbers, rows skipped); values are checked when recorded.
    """
    path = Path(path)
    if not path.is_file():
        raise ReviewError(f"{path}: no such file")
    try:
        text = path.read_text(encoding="utf-8-sig")  # Excel writes a BOM
    except UnicodeDecodeError as err:
        raise ReviewError(f"{path}: not UTF-8 text ({err.reason} at byte {err.start}); save the CSV as UTF-8")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip() for h in (reader.fieldnames or [])]
    reader.fieldnames = header
    missing = [c for c in CSV_COLUMNS if c not in header and c != "note"]
    if missing:
        raise ReviewError(f"{path}: missing column(s) {', '.join(missing)}; "
                          f"expected a header line {','.join(CSV_COLUMNS)}, got {','.join(header) or '(empty file)'}")
    decisions, lines, skipped = [], [], 0
    for row in reader:
        n = reader.line_num
        raw = (row.get("decision") or "").strip()
        if not raw and not (row.get("reviewer") or "").strip():
            skipped += 1
            continue
        decisions.append(Decision((row.get("finding_id") or "").strip(), normalize_decision(raw) or raw,
                                  (row.get("reviewer") or "").strip(), (row.get("note") or "").strip()))
        lines.append(n)
    return decisions, lines, skipped


def import_decisions(out: Path | str, csv_path: Path | str) -> tuple[Path, int, int]:
    """Record every decision of a CSV as one log file. Returns (file, recorded, skipped)."""
    decisions, lines, skipped = read_decisions_csv(csv_path)
    if not decisions:
        raise ReviewError(f"{csv_path}: no rows with a decision ({skipped} rows without one); nothing was recorded")
    labels = [f"{Path(csv_path).name} line {n}" for n in lines]
    written = record_decisions(out, decisions, source=f"import:{Path(csv_path).name}", labels=labels)
    return written, len(decisions), skipped


def _summary(problems: list[str], limit: int = 20) -> str:
    more = f"\n… and {len(problems) - limit} more" if len(problems) > limit else ""
    return "\n".join(problems[:limit]) + more + "\nnothing was recorded"


def read_log(out: Path | str) -> pd.DataFrame:
    """Every decision ever recorded, oldest first."""
    folder = Path(out) / REVIEWS
    rows = []
    files = sorted(p for p in folder.glob("*.jsonl") if not p.name.startswith(".")) if folder.is_dir() else []
    for path in files:
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
                rows.append({"finding_id": str(item["finding_id"]), "decision": str(item["decision"]),
                             "reviewer": str(item.get("reviewer", "")), "note": str(item.get("note", "")),
                             "decided_at": str(item["decided_at"]), "source": str(item.get("source", "")),
                             "file": path.name, "line": n})
            except (ValueError, KeyError, TypeError) as err:
                raise ReviewError(f"{path}: line {n} is not a decision record ({err}); "
                                  f"the review log is append-only and must not be edited by hand")
    log = pd.DataFrame(rows, columns=LOG_COLUMNS)
    return log.sort_values(["decided_at", "file", "line"], kind="stable").reset_index(drop=True)


def latest_decisions(out: Path | str) -> pd.DataFrame:
    """One row per finding: its latest decision (the others are history)."""
    log = read_log(out)
    log = log[log["decision"].isin(DECISIONS)]
    return log.drop_duplicates("finding_id", keep="last").set_index("finding_id")
