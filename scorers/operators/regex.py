"""``regex`` with ``not_regex``: when plain keywords are not precise enough.

    regex: '(这|那)(是|属于)系统的问题'
    regex: ['不归(我|我们)管', '(你|您)找别的部门去']     # any of them
    not_regex: '这不是您的问题'                          # sits next to `regex`

Patterns are Python regular expressions written in Simplified Chinese and
matched on the normalised utterance (Traditional, full-width and upper-case
input is converted first, the patterns too). A ``regex`` match is dropped when
a ``not_regex`` match overlaps it: an exclusion names the polite or harmless
phrase around a word, and only that occurrence of the word is forgiven — a
second, rude occurrence in the same utterance still counts.
"""
from __future__ import annotations

from typing import Any, Sequence

from scorers.config import PatternSet, normalize_pattern
from scorers.empathy import first_unexcluded
from scorers.operators.base import Condition, Context, Hit, Hits, Where
from scorers.prefilter import Prefilter


def patterns_of(value: Any, where: Where) -> PatternSet:
    patterns = [value] if isinstance(value, str) else value
    if not isinstance(patterns, list) or not patterns or not all(isinstance(p, str) and p for p in patterns):
        raise where.error(f"must be a regular expression or a list of them, got {value!r}")
    return PatternSet(patterns, where.file, where.key)


class Regex(Condition):
    name = "regex"
    cost = 5

    def __init__(self, patterns: PatternSet, excluded: PatternSet | None = None, rule: str = "regex"):
        self.patterns, self.excluded, self.rule = patterns, excluded or PatternSet([]), rule
        self.prefilter = Prefilter(normalize_pattern(p) for p in patterns.patterns)

    @classmethod
    def build(cls, value: Any, where: Where, not_value: Any = None, not_where: Where | None = None) -> "Regex":
        excluded = patterns_of(not_value, not_where) if not_value is not None else None
        return cls(patterns_of(value, where), excluded)

    def evaluate(self, ctx: Context, within: Sequence[int]) -> Hits:
        found: dict[int, Hit] = {}
        utterances = ctx.utterances
        may_match = self.prefilter.may_match
        for i in within:
            text = utterances[i].norm
            if not may_match(text):
                continue
            m = first_unexcluded(self.patterns, self.excluded, text)
            if m is not None:
                found[i] = Hit(m.start(), m.end(), self.rule, f"「{utterances[i].text[m.start():m.end()]}」")
        return Hits(found)
