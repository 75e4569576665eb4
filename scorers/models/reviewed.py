"""Reviewers' decisions as training examples: what the compliance queue and the coaches confirm or dismiss.

Every ``callqa review`` decision says of one finding whether it stands. For the
model's heads that is a label on one utterance, and a dismissed finding is the
most useful kind: a hard negative the rules (or the model) got wrong.

=====================  ===========  ==========================================
finding                 confirmed    dismissed
=====================  ===========  ==========================================
over_promise violation  over_promise  not over_promise
empathy met             empathy      not empathy
empathy violation       distress     (left out: the complaint may have been
                                     real and answered, or not a complaint)
=====================  ===========  ==========================================

An example labels only the head that was reviewed; the task's other head is
``unknown`` (a reviewer who dismissed an over-promise said nothing about
empathy). Paraphrase findings are left out: the customer's need they restate
is not in the scorecards. The text is the finding's evidence — the masked
utterance — so no unmasked number reaches the corpus.
"""
from __future__ import annotations

import json
from pathlib import Path

from scorers.finding import MET, VIOLATION

# (criterion, outcome) -> (task, head, label the confirmation gives, whether a dismissal is a negative)
REVIEWED_HEADS = {("over_promise", VIOLATION): ("agent", "over_promise", True),
                  ("empathy", MET): ("agent", "empathy", True),
                  ("empathy", VIOLATION): ("customer", "distress", False)}
OTHER_HEAD = {"over_promise": "empathy", "empathy": "over_promise"}


def corpus_from_reviews(out: Path | str) -> list[dict]:
    """Corpus lines (the format of data/training) from the latest decision on each reviewed finding."""
    from scorers.reports.reviews import CONFIRMED, latest_decisions
    from scorers.store import read_dataset

    decisions = latest_decisions(out)
    findings = read_dataset(out, "findings")
    if findings is None or decisions.empty:
        return []
    rows = []
    columns = ["finding_id", "criterion", "outcome", "evidence"]
    for f in findings.select(columns).to_pylist():
        if f["finding_id"] not in decisions.index or (f["criterion"], f["outcome"]) not in REVIEWED_HEADS:
            continue
        task, head, dismissal_counts = REVIEWED_HEADS[(f["criterion"], f["outcome"])]
        confirmed = decisions.at[f["finding_id"], "decision"] == CONFIRMED
        if not (confirmed or dismissal_counts) or not (f["evidence"] or "").strip():
            continue
        row = {"id": f"review-{f['finding_id']}", "task": task, "text": f["evidence"],
               "labels": [head] if confirmed else []}
        if task == "agent":
            row["unknown"] = [OTHER_HEAD[head]]
        rows.append(row)
    return sorted(rows, key=lambda r: r["id"])


def reviewed_head(row: dict) -> str:
    """The one head a reviewed line labels."""
    from scorers.models.examples import TASK_HEADS

    (head,) = [h for h in TASK_HEADS[row["task"]] if h not in row.get("unknown", [])]
    return head


def write_corpus(rows: list[dict], path: Path | str) -> Path:
    """One JSON line each, written beside ``path`` and renamed over it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    tmp.replace(path)
    return path
