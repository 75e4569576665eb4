"""``over_promise`` (compliance): the agent guarantees what it cannot.

Works clause by clause, because one utterance often holds both a disclosure
and a promise ("不能保证今天到，但我会下午回电" is fine; "我不能保证，但肯定能批"
is not). A clause counts when it matches a stand-alone guarantee, or pairs a
certainty word with an outcome outside the agent's authority, and is neither a
negated disclosure nor an exempt fact or callback commitment.
"""
from __future__ import annotations

import re
from pathlib import Path

from scorers.call import Call
from scorers.config import ConfigError, PatternSet, load_yaml, pattern_set
from scorers.finding import VIOLATION, Finding
from scorers.numbers import mask_text

CLAUSE = re.compile(r"[^,.!?;:，。！？；：…\n]+")


class OverPromiseScorer:
    criterion = "over_promise"

    def __init__(self, guarantees: PatternSet, certainty: PatternSet, outcomes: PatternSet,
                 negations: PatternSet, exemptions: PatternSet):
        self.guarantees = guarantees
        self.certainty = certainty
        self.outcomes = outcomes
        self.negations = negations
        self.exemptions = exemptions

    @classmethod
    def from_file(cls, path: Path) -> "OverPromiseScorer":
        data = load_yaml(path)
        if not isinstance(data, dict):
            raise ConfigError(path, "(file)", "expected a mapping with guarantees, certainty, outcomes")
        return cls(*(pattern_set(data, key, path, key != "exemptions")
                     for key in ("guarantees", "certainty", "outcomes", "negations", "exemptions")))

    def promise_in(self, clause: str) -> tuple[re.Match, str] | None:
        """The hit and rule id when ``clause`` is an over-promise."""
        if self.negations.search(clause) or self.exemptions.search(clause):
            return None
        if m := self.guarantees.search(clause):
            return m, "over_promise.guarantee_phrase"
        if (m := self.certainty.search(clause)) and self.outcomes.search(clause):
            return m, "over_promise.certain_outcome"
        return None

    def __call__(self, call: Call) -> list[Finding]:
        findings = []
        for i, u in enumerate(call.utterances):
            if not u.is_agent or not (self.guarantees.search(u.norm) or self.certainty.search(u.norm)):
                continue
            for clause in CLAUSE.finditer(u.norm):
                hit = self.promise_in(clause.group())
                if hit:
                    m, rule = hit
                    start, end = clause.start() + m.start(), clause.start() + m.end()
                    findings.append(Finding(self.criterion, VIOLATION, i, clause.start(), clause.end(),
                                            mask_text(u.text), rule,
                                            confidence=0.9 if rule.endswith("phrase") else 0.8,
                                            detail=mask_text(u.text[start:end])))
                    break
        return findings
