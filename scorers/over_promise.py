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
from scorers.config import ConfigError, PatternSet, load_yaml, normalize_pattern, pattern_set
from scorers.finding import VIOLATION, Finding
from scorers.numbers import mask_text
from scorers.prefilter import Prefilter

CLAUSE = re.compile(r"[^,.!?;:，。！？；：…\n]+")


class OverPromiseScorer:
    criterion = "over_promise"

    def __init__(self, guarantees: PatternSet, certainty: PatternSet, standalone_certainty: PatternSet,
                 outcomes: PatternSet, negations: PatternSet, exemptions: PatternSet):
        self.guarantees = guarantees
        self.certainty = certainty
        self.standalone_certainty = standalone_certainty
        self.outcomes = outcomes
        self.negations = negations
        self.exemptions = exemptions
        # one Aho-Corasick pass tells whether an utterance may hold a guarantee or a certainty word
        self._may_promise = Prefilter(normalize_pattern(p) for p in guarantees.patterns + certainty.patterns)

    @classmethod
    def from_file(cls, path: Path) -> "OverPromiseScorer":
        data = load_yaml(path)
        if not isinstance(data, dict):
            raise ConfigError(path, "(file)", "expected a mapping with guarantees, certainty, outcomes")
        return cls(*(pattern_set(data, key, path, key != "exemptions")
                     for key in ("guarantees", "certainty", "standalone_certainty", "outcomes", "negations",
                                 "exemptions")))

    def promise_in(self, clause: str) -> tuple[re.Match, str] | None:
        """The hit and rule id when ``clause`` is an over-promise."""
        if self.negations.search(clause) or self.exemptions.search(clause):
            return None
        if m := self.guarantees.search(clause):
            return m, "over_promise.guarantee_phrase"
        if (m := self.certainty.search(clause)) and self.outcomes.search(clause):
            return m, "over_promise.certain_outcome"
        return None

    def disclaims(self, text: str) -> bool:
        """``text`` (normalised) disclaims — a disclosure, a legal fact or a callback — and no other clause
        speaks of certainty or of an outcome: the model's word alone cannot make it a promise
        (:mod:`scorers.fusion`)."""
        clauses = [c.group() for c in CLAUSE.finditer(text)]
        excused = [bool(self.negations.search(c) or self.exemptions.search(c)) for c in clauses]
        return any(excused) and all(
            excused[k] or not (self.certainty.search(c) or self.guarantees.search(c) or self.outcomes.search(c))
            for k, c in enumerate(clauses))

    def promise_across(self, clause: str, neighbours: list[str]) -> tuple[re.Match, str] | None:
        """A bare "我保证" next to the clause that says what is guaranteed ("不会影响征信的,我保证")."""
        if not (m := self.standalone_certainty.search(clause)) or self.outcomes.search(clause):
            return None
        for text in neighbours:
            if self.outcomes.search(text) and not (self.negations.search(text) or self.exemptions.search(text)
                                                   or self.negations.search(clause)):
                return m, "over_promise.certain_outcome"
        return None

    def __call__(self, call: Call) -> list[Finding]:
        findings = []
        for i, u in enumerate(call.utterances):
            if not u.is_agent or not self._may_promise.may_match(u.norm) \
                    or not (self.guarantees.search(u.norm) or self.certainty.search(u.norm)):
                continue
            clauses = list(CLAUSE.finditer(u.norm))
            for k, clause in enumerate(clauses):
                neighbours = [c.group() for c in clauses[max(0, k - 1):k] + clauses[k + 1:k + 2]]
                hit = self.promise_in(clause.group()) or self.promise_across(clause.group(), neighbours)
                if hit:
                    m, rule = hit
                    start, end = clause.start() + m.start(), clause.start() + m.end()
                    findings.append(Finding(self.criterion, VIOLATION, i, clause.start(), clause.end(),
                                            mask_text(u.text), rule,
                                            confidence=0.9 if rule.endswith("phrase") else 0.8,
                                            detail=mask_text(u.text[start:end])))
                    break
        return findings
