"""A criterion written as conditions: what it looks for, and the findings that come out.

    taboo_phrases:
      weight: 10
      deduction: 5
      severity: major
      applies_when: {role: customer}          # optional precondition: not applicable when it never holds
      violation_when: {all: [{role: agent}, {lexicon: {file: lexicons/service.yaml, list: taboo}}]}
      met_when: {...}                          # optional: behaviour to reward (and `bonus`)

Each utterance where ``violation_when`` holds is one violation finding, each
where ``met_when`` holds one met finding; :mod:`scorers.scoring` then applies
the rubric's points as for any scorer (deduction per violation up to the
weight, veto, required, bonus). A finding's ``rule_id`` is the criterion id
and the operator path that fired (``taboo_phrases.all.lexicon:taboo``), its
evidence the masked utterance. Hits of a ``builtin`` operator come out as the
built-in scorer's own findings, unchanged but for the criterion.

A criterion is *not applicable* to a call when its ``applies_when`` never
holds, when the call has no utterances, or when it found nothing while a
timing operator could not judge (no timestamps): "no long silence" cannot be
claimed for a call whose silences cannot be measured.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from scorers.call import Call
from scorers.finding import MET, VIOLATION, Finding
from scorers.numbers import mask_text
from scorers.operators import BuiltinScorers, Condition, Context, Hits, condition_where

CONDITION_KEYS = ("applies_when", "violation_when", "met_when")


@dataclass
class CriterionConditions:
    criterion: str
    violation_when: Condition | None = None
    met_when: Condition | None = None
    applies_when: Condition | None = None

    @classmethod
    def build(cls, criterion: str, specs: dict[str, Any], file: Path | str, base_dir: Path,
              builtins: BuiltinScorers) -> "CriterionConditions":
        built = {}
        for key in CONDITION_KEYS:
            if specs.get(key) is not None:
                where = condition_where(file, f"criteria.{criterion}.{key}", base_dir, builtins)
                built[key] = where.build(specs[key], where)
        return cls(criterion, **built)

    def judge(self, ctx: Context) -> tuple[list[Finding], bool]:
        """(findings, not_applicable) for the call in ``ctx``."""
        if ctx.n == 0:
            return [], True
        everything = range(ctx.n)
        if self.applies_when is not None and not self.applies_when.evaluate(ctx, everything).found:
            return [], True
        results = [(outcome, condition.evaluate(ctx, everything))
                   for outcome, condition in ((MET, self.met_when), (VIOLATION, self.violation_when))
                   if condition is not None]
        findings = [f for i in sorted({i for _, hits in results for i in hits.found})
                    for outcome, hits in results if i in hits.found
                    for f in self._findings(ctx, i, outcome, hits)]
        not_applicable = not findings and any(hits.unknown for _, hits in results)
        return findings, not_applicable

    def _findings(self, ctx: Context, i: int, outcome: str, hits: Hits) -> list[Finding]:
        hit = hits.found[i]
        if hit.findings:  # a built-in scorer's own findings, re-labelled for this criterion
            return [replace(f, criterion=self.criterion, outcome=outcome, severity="", points=0.0)
                    for f in hit.findings]
        text = ctx.utterances[i].text
        start, end = (hit.start, hit.end) if hit.end else (0, len(text))  # (0, 0): the whole utterance
        return [Finding(self.criterion, outcome, i, start, end, mask_text(text),
                        f"{self.criterion}.{hit.rule}", detail=mask_text(hit.detail))]


class ConditionScorer:
    """A criterion's conditions as a plain scorer (``scorer(call) -> findings``), like the built-in ones."""

    def __init__(self, conditions: CriterionConditions):
        self.conditions = conditions
        self.criterion = conditions.criterion

    def __call__(self, call: Call) -> list[Finding]:
        return self.conditions.judge(Context(call))[0]


def judge(criterion: Any, ctx: Context) -> tuple[list[Finding], bool]:
    """A rubric criterion's findings for one call, and whether it is not applicable."""
    if criterion.conditions is not None:
        return criterion.conditions.judge(ctx)
    if criterion.scorer is None:
        return [], False
    return ctx.findings_of(criterion.scorer), False
