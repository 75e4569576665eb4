"""``role``: who is speaking — ``role: agent`` or ``role: customer``.

Almost every service rule judges what the agent says; the customer's words are
context (a customer saying "我不知道" is no 服务禁语). ``role`` is the cheapest
operator, so inside ``all`` it runs first and the text operators only search
the agent's utterances.
"""
from __future__ import annotations

from typing import Any, Sequence

from scorers.operators.base import Condition, Context, Hits, Where, speaker_of, whole


class Role(Condition):
    name = "role"
    cost = 1

    def __init__(self, speaker: str):
        self.speaker = speaker

    @classmethod
    def build(cls, value: Any, where: Where) -> "Role":
        return cls(speaker_of(value, where, allow_any=False))

    def evaluate(self, ctx: Context, within: Sequence[int]) -> Hits:
        hit = whole(f"role:{self.speaker}")  # one shared hit: the whole utterance
        if within == range(ctx.n):
            return Hits(dict.fromkeys(ctx.speaker_indexes(self.speaker), hit))
        utterances = ctx.utterances
        return Hits({i: hit for i in within if utterances[i].speaker == self.speaker})
