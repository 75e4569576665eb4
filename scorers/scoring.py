"""Turn a call's findings into criterion results and a total score.

Scorers say *what happened*; this module applies the rubric to say *what it
costs*: each violation deducts ``deduction`` points until the criterion's
``weight`` is spent, a required behaviour that never happens costs
``missing_deduction``, and a violation of a ``veto`` criterion fails the call
whatever its score (一票否决). A criterion written as conditions may also be
not applicable to a call (its precondition never fired, or its timing could
not be measured: it keeps its points), and may earn a ``bonus`` when met. The
total is normalised by the sum of the weights, which may exceed 100, and
capped at 100.

A suspected finding (``counted=False``: only the model saw it, and its criterion
says ``mode: suggest``) is kept and written, but costs nothing and vetoes
nothing, unless its ``finding_id`` is among ``confirmed`` — the findings a
reviewer confirmed in the review log — in which case it counts like a rule's.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from scorers.call import Call
from scorers.conditions import judge
from scorers.finding import MET, VIOLATION, Finding
from scorers.numbers import mask_text
from scorers.operators import Context
from scorers.rubric import Criterion, Rubric

NOT_APPLICABLE = "not_applicable"


@dataclass
class CriterionResult:
    criterion: str
    status: str  # met | violation | not_applicable
    score: float  # points kept, 0..weight
    deducted: float


@dataclass
class ScoredCall:
    call: Call
    rubric_id: str
    rubric_version: str
    total_score: float
    passed: bool
    vetoed: bool
    results: dict[str, CriterionResult]
    findings: list[Finding] = field(default_factory=list)
    model_name: str = ""  # the model fused into the rubric's criteria, if any
    model_version: str = ""


def finding_id(call_id: str, f: Finding) -> str:
    """Stable across re-scoring, so reviewers' decisions stay attached."""
    key = f"{call_id}|{f.criterion}|{f.outcome}|{f.utterance_index}|{f.rule_id}"
    return hashlib.sha1(key.encode()).hexdigest()[:16]


def missing_finding(call: Call, criterion: Criterion) -> Finding:
    index = next(i for i, u in enumerate(call.utterances) if u.is_customer)
    text = call.utterances[index].text
    return Finding(criterion.id, VIOLATION, index, 0, len(text), mask_text(text), f"{criterion.id}.required_missing",
                   severity=criterion.severity, points=-criterion.missing_deduction,
                   detail=f"全通未出现：{criterion.name}")


def rewards_only(criterion: Criterion) -> bool:
    """A criterion written only as ``met_when`` (a bonus, say): it can be shown, never violated."""
    c = criterion.conditions
    return c is not None and c.met_when is not None and c.violation_when is None


class ScoringError(RuntimeError):
    """A criterion's scorer raised on one call: the call is rejected with this, the night goes on."""

    def __init__(self, criterion: str, error: Exception):
        self.criterion, self.error = criterion, error
        super().__init__(f"{criterion}: {type(error).__name__}: {error}")


def score_call(call: Call, rubric: Rubric, confirmed: frozenset[str] | set[str] = frozenset()) -> ScoredCall:
    """Score one call; ``confirmed``: finding ids reviewers confirmed (suspected findings among them count)."""
    results: dict[str, CriterionResult] = {}
    all_findings: list[Finding] = []
    vetoed = False
    has_customer = any(u.is_customer for u in call.utterances)
    ctx = Context(call)  # shared by the criteria: a scorer used by several runs once
    for criterion in rubric.criteria:
        try:
            findings, not_applicable = judge(criterion, ctx)
        except Exception as err:  # noqa: BLE001 - named, so the caller can reject this one call
            raise ScoringError(criterion.id, err) from err
        deducted = earned = 0.0
        for f in findings:
            if not f.counted and confirmed and finding_id(call.call_id, f) in confirmed:
                f.counted = True
                f.detail = (f.detail + "；" if f.detail else "") + "已复核确认"
        counted = [f for f in findings if f.counted]
        violations = [f for f in counted if f.outcome == VIOLATION]
        for f in findings:
            f.severity = criterion.severity
            if f.outcome == VIOLATION and f.counted:
                f.points = -min(criterion.deduction, criterion.weight - deducted)
                deducted -= f.points
        if violations:
            status = VIOLATION
            vetoed = vetoed or criterion.veto
        elif any(f.outcome == MET for f in counted):
            status = MET
            earned = criterion.bonus  # the score may pass the weight; the total stays capped at 100
        elif not_applicable:
            status = NOT_APPLICABLE  # its precondition never fired, or its timing could not be measured
        elif criterion.required and has_customer:
            # expected behaviour never shown: one finding at the customer's first turn (the need
            # that was never restated), so counts and coaches see it like any other violation
            status = VIOLATION
            deducted = criterion.missing_deduction
            findings = [missing_finding(call, criterion)] + findings  # suspected met findings stay visible
        elif criterion.required:
            status = NOT_APPLICABLE  # without a customer there was nothing to respond to
        elif rewards_only(criterion):
            status = NOT_APPLICABLE  # a behaviour to reward that did not happen: not "met", nothing lost
        else:
            status = MET  # a prohibition that was respected
        results[criterion.id] = CriterionResult(criterion.id, status, criterion.weight - deducted + earned,
                                                deducted)
        all_findings.extend(findings)
    total_weight = sum(c.weight for c in rubric.criteria)
    total = min(100.0, round(100.0 * sum(r.score for r in results.values()) / total_weight, 2))
    return ScoredCall(call, rubric.id, rubric.version, total, (not vetoed) and total >= rubric.pass_score,
                      vetoed, results, all_findings, getattr(rubric, "model_name", ""),
                      getattr(rubric, "model_version", ""))
