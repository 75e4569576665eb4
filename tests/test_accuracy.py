"""Accuracy floors on the project's own hand-labeled calls (data/labeled, data/sample).

The same utterance-level matching as ../shared/eval/evaluate.py: a gold label
(call_id, criterion, utterance_index) against findings with the mapped
criterion and outcome. A floor below the figure we measured leaves room for
deliberate trade-offs, but a word-list edit that breaks a criterion fails here.
"""
from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest

from scorers.batch import load_batch, score_calls
from scorers.rubric import load_rubric
from tests.helpers import DEFAULT_RUBRIC

DATA = Path(__file__).resolve().parents[1] / "data"
GOLD_TO_FINDING = {
    "jargon": ("jargon", "violation"), "empathy": ("empathy", "met"),
    "empathy_missing": ("empathy", "violation"), "paraphrase": ("paraphrase", "met"),
    "over_promise": ("over_promise", "violation"), "info_leak": ("info_leak", "violation"),
}
SETS = {"sample": (DATA / "sample" / "calls-2026-11-20.jsonl", DATA / "labeled" / "sample-labels.jsonl"),
        "labeled": (DATA / "labeled" / "calls.jsonl", DATA / "labeled" / "labels.jsonl")}
FLOORS = {"sample": 0.85, "labeled": 0.75}


def f1_by_criterion(calls_path: Path, labels_path: Path) -> dict[str, float]:
    rubric = load_rubric(DEFAULT_RUBRIC)
    scored = score_calls(load_batch(calls_path).calls, rubric)
    predicted = defaultdict(set)
    for s in scored:
        for f in s.findings:
            for gold, (criterion, outcome) in GOLD_TO_FINDING.items():
                if f.criterion == criterion and f.outcome == outcome:
                    predicted[gold].add((s.call.call_id, f.utterance_index))
    gold = defaultdict(set)
    for line in labels_path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            label = json.loads(line)
            gold[label["criterion"]].add((label["call_id"], int(label["utterance_index"])))
    scores = {}
    for name in GOLD_TO_FINDING:
        tp = len(gold[name] & predicted[name])
        precision = tp / len(predicted[name]) if predicted[name] else 1.0
        recall = tp / len(gold[name]) if gold[name] else 1.0
        scores[name] = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return scores


@pytest.mark.parametrize("name", SETS)
def test_every_criterion_meets_its_floor(name):
    calls, labels = SETS[name]
    scores = f1_by_criterion(calls, labels)
    low = {c: round(f, 3) for c, f in scores.items() if f < FLOORS[name]}
    assert not low, f"{name}: F1 below {FLOORS[name]}: {low} (all: {scores})"
