"""``empathy``: the agent acknowledges the customer's feelings (met), and
``empathy`` violations where a distressed customer gets none (empathy missing).

The two are one criterion because coaches talk about them together: the
violation is the absence of the behaviour the met findings reward. A distress
episode starts at a distressed customer utterance and lasts while the customer
stays distressed and the agent shows no empathy; it is a violation when none of the agent's next
``window`` utterances shows empathy, reported once, at the utterance that
opened it (LABELING.md, ``empathy_missing``).
"""
from __future__ import annotations

import re
from pathlib import Path

from scorers.call import Call
from scorers.config import ConfigError, PatternSet, load_yaml, pattern_set
from scorers.finding import MET, VIOLATION, Finding
from scorers.numbers import mask_text


def first_unexcluded(patterns: PatternSet, excluded: PatternSet, text: str) -> re.Match | None:
    """The first hit of ``patterns`` in ``text`` that no ``excluded`` hit overlaps."""
    first = patterns.search(text)
    if first is None or not excluded:
        return first
    blocked = [(m.start(), m.end()) for m in excluded.finditer(text)]
    for m in patterns.finditer(text):
        if not any(s < m.end() and m.start() < e for s, e in blocked):
            return m
    return None


class EmpathyScorer:
    criterion = "empathy"

    def __init__(self, empathy: PatternSet, not_empathy: PatternSet, distress: PatternSet,
                 not_distress: PatternSet, window: int = 2):
        self.empathy = empathy
        self.not_empathy = not_empathy
        self.distress = distress
        self.not_distress = not_distress
        self.window = window

    @classmethod
    def from_file(cls, path: Path, window: int = 2) -> "EmpathyScorer":
        data = load_yaml(path)
        if not isinstance(data, dict):
            raise ConfigError(path, "(file)", "expected a mapping with empathy, not_empathy, distress")
        return cls(pattern_set(data, "empathy", path), pattern_set(data, "not_empathy", path, False),
                   pattern_set(data, "distress", path), pattern_set(data, "not_distress", path, False),
                   window)

    def shows_empathy(self, text: str) -> re.Match | None:
        return first_unexcluded(self.empathy, self.not_empathy, text)

    def shows_distress(self, text: str) -> re.Match | None:
        return first_unexcluded(self.distress, self.not_distress, text)

    def disclaims_empathy(self, text: str) -> bool:
        """The lexicon's not-empathy words ("我理解了", "没听清") are all it says: a model may not call it empathy."""
        return bool(self.not_empathy.search(text)) and self.shows_empathy(text) is None

    def disclaims_distress(self, text: str) -> bool:
        """The lexicon's calm words ("我不着急") are there and no distress cue is: a model may not call it distress."""
        return bool(self.not_distress.search(text)) and self.shows_distress(text) is None

    def __call__(self, call: Call) -> list[Finding]:
        met = self.met_findings(call)
        return self.with_missing(call, met, self.distress_spans(call))

    def met_findings(self, call: Call) -> list[Finding]:
        """One met finding per agent utterance that shows empathy."""
        findings = []
        for i, u in enumerate(call.utterances):
            if u.is_agent and (m := self.shows_empathy(u.norm)):
                findings.append(Finding(self.criterion, MET, i, m.start(), m.end(), mask_text(u.text),
                                        "empathy.phrase", detail=u.text[m.start():m.end()]))
        return findings

    def distress_spans(self, call: Call) -> dict[int, tuple[int, int]]:
        """Customer utterances that show distress, with the span of the cue."""
        return {i: m.span() for i, u in enumerate(call.utterances)
                if u.is_customer and (m := self.shows_distress(u.norm))}

    def with_missing(self, call: Call, met: list[Finding], distress: dict[int, tuple[int, int]],
                     missing_rule: str = "empathy.missing_after_distress") -> list[Finding]:
        """``met`` plus a violation at the start of each distress episode no empathy answered.

        Public so a model can supply its own empathy and distress (:mod:`scorers.fusion`):
        the episode logic stays the one of LABELING.md whoever detects the signals.
        """
        findings = list(met)
        empathic = {f.utterance_index for f in met}
        episode_open = False
        for i, u in enumerate(call.utterances):
            if u.is_agent and i in empathic:
                episode_open = False
            if not u.is_customer:
                continue
            span = distress.get(i)
            if span is None:
                episode_open = False  # the customer calmed down: a later outburst is a new episode
                continue
            if episode_open:
                continue
            replies = call.next_agent_indexes(i, self.window)
            if replies and not empathic.intersection(replies):
                episode_open = True
                start, end = span
                cue = u.text[start:end] if end > start else "模型判定"
                if end <= start:  # a signal with no span (the model's): the whole utterance is the evidence
                    start, end = 0, len(u.text)
                findings.append(Finding(self.criterion, VIOLATION, i, start, end, mask_text(u.text),
                                        missing_rule, confidence=0.8,
                                        detail=f"客户情绪信号「{mask_text(cue)}」后坐席{len(replies)}句内未安抚"))
        findings.sort(key=lambda f: f.utterance_index)
        return findings
