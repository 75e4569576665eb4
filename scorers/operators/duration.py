"""``duration``: how long the call lasts, first word to last.

    duration: {over_s: 900}    # over 15 minutes: hits the utterance where the call passed 15 minutes
    duration: {under_s: 20}    # under 20 seconds: hits the last utterance

A call-level fact still needs an utterance to point a coach at: the one where
the limit was crossed, or the last one for a call that ended too soon. Exactly
the limit is neither over nor under. Without any timestamps the duration is
*unknown* (at the last utterance).
"""
from __future__ import annotations

from typing import Any, Sequence

from scorers.operators.base import Condition, Context, Hits, Params, Where, whole


class Duration(Condition):
    name = "duration"
    cost = 3

    def __init__(self, over_s: float | None = None, under_s: float | None = None):
        self.over_ms = None if over_s is None else over_s * 1000
        self.under_ms = None if under_s is None else under_s * 1000

    @classmethod
    def build(cls, value: Any, where: Where) -> "Duration":
        p = Params(value, where, "duration")
        limits = [k for k in ("over_s", "under_s") if p.has(k)]
        if len(limits) != 1:
            raise where.error(f"give exactly one of over_s or under_s, got {sorted(value)}")
        limit = p.number(limits[0])
        p.done()
        return cls(**{limits[0]: limit})

    def evaluate(self, ctx: Context, within: Sequence[int]) -> Hits:
        if not ctx.n:
            return Hits()
        last = ctx.n - 1
        timed = [u for u in ctx.utterances if u.start_ms is not None and u.end_ms is not None]
        if not timed:
            return Hits(unknown={last} & set(within))
        start = min(u.start_ms for u in timed)
        length = max(u.end_ms for u in timed) - start
        if self.over_ms is not None and length > self.over_ms:
            crossed = next(i for i, u in enumerate(ctx.utterances)
                           if u.end_ms is not None and u.end_ms - start > self.over_ms)
            if crossed in within:
                return Hits({crossed: whole("duration.over", f"通话已超过{self.over_ms / 1000:g}秒")})
        if self.under_ms is not None and length < self.under_ms and last in within:
            return Hits({last: whole("duration.under", f"通话仅{length / 1000:.1f}秒")})
        return Hits()
