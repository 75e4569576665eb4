"""``position``: the first or last N utterances of the call, or of one speaker.

    position: {first: 1, speaker: agent}     # the agent's opening utterance
    position: {last: 2, speaker: agent}      # the agent's last two utterances
    position: {first: 3}                     # the first three utterances, whoever speaks

Openings and closings are judged where they belong: a greeting in the middle
of a call is no opening. ``speaker`` counts that speaker's utterances only, so
"the first agent utterance" stays right when the customer speaks first.
"""
from __future__ import annotations

from typing import Any, Sequence

from scorers.operators.base import ANY_SPEAKER, Condition, Context, Hits, Params, Where, speaker_of, whole

ENDS = ("first", "last")


class Position(Condition):
    name = "position"
    cost = 1

    def __init__(self, end: str, count: int, speaker: str = ANY_SPEAKER):
        self.end, self.count, self.speaker = end, count, speaker

    @classmethod
    def build(cls, value: Any, where: Where) -> "Position":
        p = Params(value, where, "position")
        end = p.one_of(ENDS, "first: N or last: N")
        count = p.count(end, minimum=1)
        speaker = speaker_of(p.raw("speaker", ANY_SPEAKER), where.at("speaker"))
        p.done()
        return cls(end, count, speaker)

    def evaluate(self, ctx: Context, within: Sequence[int]) -> Hits:
        indexes = ctx.speaker_indexes(self.speaker)
        chosen = set(indexes[:self.count] if self.end == "first" else indexes[-self.count:])
        hit = whole(f"position:{self.end}")
        return Hits({i: hit for i in within if i in chosen})
