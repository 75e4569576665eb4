"""``silence``: dead air — a gap over N seconds between one utterance and the next.

    silence: {over_s: 20}                    # any gap over 20 s
    silence: {over_s: 20, before: agent}     # only gaps the agent ends: the agent was due to speak

The gap before an utterance runs from the latest end of everything said before
it to its start, so an overlapping backchannel ("嗯") does not hide a long
silence. The hit is the utterance that ends the silence: that is where a coach
hears it. Exactly ``over_s`` is not over. Without the timestamps to measure a
gap, the utterance is *unknown*, never a silence and never "no silence".
"""
from __future__ import annotations

from typing import Any, Sequence

from scorers.operators.base import ANY_SPEAKER, Condition, Context, Hits, Params, Where, speaker_of, whole


def gaps_ms(ctx: Context) -> list[int | None]:
    """Silence before each utterance in ms (None: cannot tell; the first utterance has no gap: 0)."""
    def compute() -> list[int | None]:
        gaps: list[int | None] = [0] * ctx.n
        latest_end: int | None = None
        for i, u in enumerate(ctx.utterances):
            if i > 0:
                previous_end = ctx.utterances[i - 1].end_ms
                if u.start_ms is None or previous_end is None or latest_end is None:
                    gaps[i] = None
                else:
                    gaps[i] = u.start_ms - latest_end
            if u.end_ms is not None:
                latest_end = u.end_ms if latest_end is None else max(latest_end, u.end_ms)
        return gaps
    return ctx.cached("gaps_ms", compute)


class Silence(Condition):
    name = "silence"
    cost = 3

    def __init__(self, over_s: float, before: str = ANY_SPEAKER):
        # rounded: 2.01 * 1000 is 2009.999…, which would make a gap of exactly 2010 ms "over"
        self.over_ms, self.before = round(over_s * 1000, 6), before

    @classmethod
    def build(cls, value: Any, where: Where) -> "Silence":
        p = Params(value, where, "silence")
        over = p.number("over_s")
        before = speaker_of(p.raw("before", ANY_SPEAKER), where.at("before"))
        p.done()
        return cls(over, before)

    def evaluate(self, ctx: Context, within: Sequence[int]) -> Hits:
        gaps = gaps_ms(ctx)
        hits = Hits()
        for i in within:
            if i == 0 or (self.before != ANY_SPEAKER and ctx.utterances[i].speaker != self.before):
                continue
            gap = gaps[i]
            if gap is None:
                hits.unknown.add(i)
            elif gap > self.over_ms:
                hits.found[i] = whole("silence", f"静默{gap / 1000:.1f}秒")
        return hits
