"""Rules and model together: how a criterion combines the two, as its rubric says.

    over_promise:
      scorer: over_promise/v1
      model: {mode: either, threshold: 0.9}

``mode`` is one of:

- ``rule``   — the rule scorer alone (the model is not even run for it);
- ``model``  — the model alone: a finding wherever its score reaches ``threshold``;
- ``either`` — the rule's findings, plus the model's where the rule found nothing
  (recall: phrasings nobody wrote down yet);
- ``both``   — the rule's findings the model confirms (precision: a noisy rule);
- ``suggest`` — the rule's findings count; the model's where the rule found
  nothing are *suspected*: written (``counted=False``) and queued for review,
  but they cost nothing and veto nothing until a reviewer confirms them. The
  only mode a ``veto`` criterion may use with a model: a model never fails a
  call on its own.

Every finding says its ``basis``: ``rule``, ``model``, or ``both`` (a rule
finding where the model's score also reached the threshold).

The rule's context words still count: the model adds no over-promise to an
utterance the rule's lexicon excuses (a negated disclosure, a deposit-insurance
fact, the agent's own callback, and nothing else that speaks of certainty or
outcomes), no empathy where only "我理解了" is said, no distress where only calm
words are. A rule finding keeps its evidence span and rule id (and so its finding
id, and the reviews attached to it); a model finding points at the whole
utterance, says ``scorer='model'``, ``rule_id='<criterion>.model'`` and carries
the model's score as its confidence. For empathy the combination happens on
the signals — empathy shown, customer distress — and the episode logic of
LABELING.md (no empathy in the agent's next two utterances) then runs once on
the combined signals, so a model-found apology also answers a rule-found complaint.
"""
from __future__ import annotations

from dataclasses import dataclass

from scorers.call import Call
from scorers.empathy import EmpathyScorer
from scorers.finding import MET, VIOLATION, Finding
from scorers.model_scorer import CallModel
from scorers.numbers import mask_text

MODES = ("rule", "model", "either", "both", "suggest")
# Modes in which a finding only the model made counts towards the score without a reviewer.
MODEL_COUNTS = ("model", "either")
# The model head behind each scorer a rubric may fuse, and the outcome its findings have.
HEADS = {"over_promise": ("over_promise", VIOLATION), "paraphrase": ("paraphrase", MET),
         "empathy": ("empathy", MET)}


@dataclass(frozen=True)
class Fusion:
    mode: str
    threshold: float


def combine(rule: list[Finding], model: dict[int, float], fusion: Fusion, criterion: str, outcome: str,
            call: Call, excused=None) -> list[Finding]:
    """One outcome's findings from the rule's findings and the model's scores (index -> score).

    ``excused(normalised text)``: the rule's own context says the model must not add a finding
    there (an over-promise whose every clause is a disclosure, a legal fact or a callback); it
    never removes a rule finding.
    """
    confident = {i: p for i, p in model.items() if p >= fusion.threshold}
    if fusion.mode == "rule":
        return list(rule)
    for f in rule:
        if f.utterance_index in confident:
            f.basis = "both"
    if fusion.mode == "both":
        return [f for f in rule if f.utterance_index in confident]
    model_findings = [model_finding(call, i, p, criterion, outcome, counted=fusion.mode in MODEL_COUNTS)
                      for i, p in sorted(confident.items())
                      if excused is None or not excused(call.utterances[i].norm)]
    if fusion.mode == "model":
        return model_findings
    ruled = {f.utterance_index for f in rule}
    return sorted(rule + [f for f in model_findings if f.utterance_index not in ruled],
                  key=lambda f: f.utterance_index)


def model_finding(call: Call, i: int, score: float, criterion: str, outcome: str, counted: bool = True) -> Finding:
    text = call.utterances[i].text
    detail = f"模型判定（置信度 {score:.2f}）" if counted else f"模型疑似（置信度 {score:.2f}），待复核确认后计分"
    return Finding(criterion, outcome, i, 0, len(text), mask_text(text), f"{criterion}.model",
                   confidence=round(score, 4), scorer="model", detail=detail, basis="model", counted=counted)


class FusedScorer:
    """A rule scorer whose findings of one outcome are combined with a model head's."""

    def __init__(self, rule, model: CallModel, head: str, outcome: str, fusion: Fusion):
        self.rule, self.model, self.head, self.outcome, self.fusion = rule, model, head, outcome, fusion
        self.criterion = rule.criterion

    def __call__(self, call: Call) -> list[Finding]:
        found = self.rule(call)
        if self.fusion.mode == "rule":
            return found
        scores = self.model.scores(call).of(self.head)
        same = [f for f in found if f.outcome == self.outcome]
        other = [f for f in found if f.outcome != self.outcome]
        excused = getattr(self.rule, "disclaims", None)
        return sorted(other + combine(same, scores, self.fusion, self.criterion, self.outcome, call, excused),
                      key=lambda f: f.utterance_index)


class FusedEmpathyScorer:
    """Empathy shown and customer distress each combined, then the episodes judged once on both.

    With ``suggest`` on either signal, the episodes are judged twice: on the signals that count
    (the rule's, plus the model's where its mode lets them count) and on all of them; what only
    the second finds is written as suspected, and nothing the first found is taken away.
    """

    def __init__(self, rule: EmpathyScorer, model: CallModel, empathy: Fusion, distress: Fusion):
        self.rule, self.model, self.empathy_fusion, self.distress_fusion = rule, model, empathy, distress
        self.criterion = rule.criterion

    def __call__(self, call: Call) -> list[Finding]:
        scores = self.model.scores(call)
        rule_met = self.rule.met_findings(call)
        met = combine(rule_met, scores.of("empathy"), self.empathy_fusion, self.criterion,
                      MET, call, self.rule.disclaims_empathy)
        rule_distress = self.rule.distress_spans(call)
        model_distress = {i: p for i, p in scores.of("distress").items() if p >= self.distress_fusion.threshold
                          and not self.rule.disclaims_distress(call.utterances[i].norm)}
        distress = _combine_signals(rule_distress, model_distress, self.distress_fusion.mode)
        findings = self._mark_model_violations(self.rule.with_missing(call, met, distress), rule_distress,
                                               model_distress)
        if "suggest" not in (self.empathy_fusion.mode, self.distress_fusion.mode):
            return findings
        counted_met = [f for f in met if f.counted]
        counted_distress = distress if self.distress_fusion.mode != "suggest" else _combine_signals(
            rule_distress, model_distress, "rule")
        counted = self._mark_model_violations(self.rule.with_missing(call, counted_met, counted_distress),
                                              rule_distress, model_distress)
        have = {(f.outcome, f.utterance_index) for f in counted}
        suspected = []
        for f in findings:
            if (f.outcome, f.utterance_index) not in have:
                if f.counted:  # a violation the model's signals led to (model met findings are marked already)
                    f.counted = False
                    f.detail = (f.detail + "；" if f.detail else "") + "模型疑似，待复核确认后计分"
                suspected.append(f)
        return sorted(counted + suspected, key=lambda f: f.utterance_index)

    @staticmethod
    def _mark_model_violations(findings: list[Finding], rule_distress, model_distress) -> list[Finding]:
        for f in findings:
            if f.outcome != VIOLATION:
                continue
            if f.utterance_index not in rule_distress:  # a complaint only the model heard: say so, with its score
                f.scorer, f.basis, f.confidence = "model", "model", round(model_distress[f.utterance_index], 4)
                f.rule_id = "empathy.model_missing_after_distress"
            elif f.utterance_index in model_distress:
                f.basis = "both"
        return findings


def _combine_signals(rule: dict[int, tuple[int, int]], model: dict[int, float],
                     mode: str) -> dict[int, tuple[int, int]]:
    if mode == "rule":
        return dict(rule)
    if mode == "both":
        return {i: span for i, span in rule.items() if i in model}
    from_model = {i: (0, 0) for i in model}
    if mode == "model":
        return from_model
    return {**from_model, **rule}  # either, suggest
