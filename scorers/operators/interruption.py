"""``interruption``: the agent starts while the customer is still speaking.

    interruption: {tolerance_s: 1.0, min_chars: 4}

An agent utterance interrupts when it starts at or after the start of the
customer's latest utterance but more than ``tolerance_s`` before its end. ASR
timestamps are approximate and people overlap a little in normal talk, hence
the tolerance (exactly ``tolerance_s`` is tolerated). ``min_chars`` ignores
short backchannels ("嗯", "好的") said over the customer, which show listening
rather than cutting in. Without timestamps the utterance is *unknown*.
"""
from __future__ import annotations

from typing import Any, Sequence

from scorers.operators.base import Condition, Context, Hits, Params, Where, whole
from scorers.operators.speech_rate import spoken_chars


class Interruption(Condition):
    name = "interruption"
    cost = 3

    def __init__(self, tolerance_s: float = 1.0, min_chars: int = 0):
        # rounded: 2.01 * 1000 is 2009.999…, which would not tolerate an overlap of exactly 2010 ms
        self.tolerance_ms, self.min_chars = round(tolerance_s * 1000, 6), min_chars

    @classmethod
    def build(cls, value: Any, where: Where) -> "Interruption":
        p = Params(value, where, "interruption")
        tolerance = p.number("tolerance_s", 1.0)
        min_chars = p.count("min_chars", 0)
        p.done()
        return cls(tolerance, min_chars)

    def evaluate(self, ctx: Context, within: Sequence[int]) -> Hits:
        hits = Hits()
        utterances = ctx.utterances
        customer = None  # the latest customer utterance so far
        wanted = set(within)
        for i, u in enumerate(utterances):
            if u.is_customer:
                customer = u
                continue
            if i not in wanted or customer is None:
                continue
            if u.start_ms is None or customer.start_ms is None or customer.end_ms is None:
                if spoken_chars(u.text) >= self.min_chars:
                    hits.unknown.add(i)
                continue
            overlap = customer.end_ms - u.start_ms
            if u.start_ms >= customer.start_ms and overlap > self.tolerance_ms and \
                    spoken_chars(u.text) >= self.min_chars:
                hits.found[i] = whole("interruption", f"客户话未说完即插话,重叠{overlap / 1000:.1f}秒")
        return hits
