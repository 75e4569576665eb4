"""``duration``: how long the call lasts, first word to last.

    duration: {over_s: 900}    # over 15 minutes: hits the utterance where the call passed 15 minutes
    duration: {under_s: 20}    # under 20 seconds: hits the last utterance

A call-level fact still needs an utterance to point a coach at: the one where
the limit was crossed, or the last one for a call that ended too soon. Exactly
the limit is neither over nor under. Without any timestamps the duration is
*unknown* (at the last utterance); so is a call whose first or last utterance
is untimed, unless what was measured already settles it (over the limit).
"""
from __future__ import annotations

from typing import Any, Sequence

from scorers.operators.base import Condition, Context, Hits, Params, Where, whole

LIMITS = ("over_s", "under_s")


class Duration(Condition):
    name = "duration"
    cost = 3

    def __init__(self, over_s: float | None = None, under_s: float | None = None):
        # rounded: 2.01 * 1000 is 2009.999…, which would make a call of exactly 2010 ms "over"
        self.over_ms = None if over_s is None else round(over_s * 1000, 6)
        self.under_ms = None if under_s is None else round(under_s * 1000, 6)

    @classmethod
    def build(cls, value: Any, where: Where) -> "Duration":
        p = Params(value, where, "duration")
        key = p.one_of(LIMITS, "over_s or under_s")
        limit = p.number(key)
        p.done()
        return cls(**{key: limit})

    def evaluate(self, ctx: Context, within: Sequence[int]) -> Hits:
        if not ctx.n:
            return Hits()
        last = ctx.n - 1
        unknown = Hits(unknown={last} & set(within))
        timed = [i for i, u in enumerate(ctx.utterances) if u.start_ms is not None and u.end_ms is not None]
        if not timed:
            return unknown
        start = min(ctx.utterances[i].start_ms for i in timed)
        length = max(ctx.utterances[i].end_ms for i in timed) - start
        edges_timed = timed[0] == 0 and timed[-1] == last  # else untimed talk may make the call longer
        if self.over_ms is not None and length > self.over_ms:
            crossed = next(i for i, u in enumerate(ctx.utterances)
                           if u.end_ms is not None and u.end_ms - start > self.over_ms)
            if crossed in within:
                return Hits({crossed: whole("duration.over", f"通话已超过{self.over_ms / 1000:g}秒")})
        elif self.over_ms is not None and not edges_timed:
            return unknown
        if self.under_ms is not None and length < self.under_ms:
            if not edges_timed:
                return unknown
            if last in within:
                return Hits({last: whole("duration.under", f"通话仅{length / 1000:.1f}秒")})
        return Hits()
