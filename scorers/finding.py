"""A finding: one piece of evidence that a criterion was met or violated.

Scorers produce findings without points; the rubric decides what each finding
costs (see :mod:`scorers.scoring`). ``evidence`` is always masked text: a
finding may be shown to coaches and written to disk, personal data may not.
"""
from __future__ import annotations

from dataclasses import dataclass

MET = "met"
VIOLATION = "violation"


@dataclass(slots=True)
class Finding:
    criterion: str
    outcome: str  # MET or VIOLATION
    utterance_index: int
    span_start: int
    span_end: int
    evidence: str  # masked
    rule_id: str
    confidence: float = 1.0
    scorer: str = "rule"
    detail: str = ""  # short masked explanation, e.g. the jargon term and its gloss
    severity: str = ""
    points: float = 0.0
