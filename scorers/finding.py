"""A finding: one piece of evidence that a criterion was met or violated.

Scorers produce findings without points; the rubric decides what each finding
costs (see :mod:`scorers.scoring`). ``evidence`` is always masked text: a
finding may be shown to coaches and written to disk, personal data may not.

``basis`` says who found it: the rule alone, the model alone, or both (a rule
finding the model agrees with). ``counted`` is False for a *suspected* finding:
one only the model found on a criterion whose rubric says ``mode: suggest``. It
is written and queued for review, but costs no points and vetoes nothing until
a reviewer confirms it (the review log, then the next scoring of the call).
"""
from __future__ import annotations

from dataclasses import dataclass

MET = "met"
VIOLATION = "violation"
BASES = ("rule", "model", "both")


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
    basis: str = "rule"  # rule | model | both
    counted: bool = True  # False: suspected (model only, suggest mode), not scored until confirmed
