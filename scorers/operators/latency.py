"""``latency``: how long the agent takes to answer the customer.

    latency: {over_s: 5}

Measured from the end of a customer utterance to the start of the agent
utterance right after it; other utterances are not judged. ``silence`` counts
any gap; ``latency`` only the customer left waiting for an answer. Exactly
``over_s`` is not over; without timestamps the agent utterance is *unknown*.
"""
from __future__ import annotations

from typing import Any, Sequence

from scorers.operators.base import Condition, Context, Hits, Params, Where, whole


class Latency(Condition):
    name = "latency"
    cost = 3

    def __init__(self, over_s: float):
        self.over_ms = round(over_s * 1000, 6)  # 2.01 * 1000 is 2009.999…: exactly 2010 ms must not be over

    @classmethod
    def build(cls, value: Any, where: Where) -> "Latency":
        p = Params(value, where, "latency")
        over = p.number("over_s")
        p.done()
        return cls(over)

    def evaluate(self, ctx: Context, within: Sequence[int]) -> Hits:
        hits = Hits()
        utterances = ctx.utterances
        for i in within:
            if i == 0 or not utterances[i].is_agent or not utterances[i - 1].is_customer:
                continue
            start, customer_end = utterances[i].start_ms, utterances[i - 1].end_ms
            if start is None or customer_end is None:
                hits.unknown.add(i)
            elif start - customer_end > self.over_ms:
                hits.found[i] = whole("latency", f"客户说完{(start - customer_end) / 1000:.1f}秒后才回应")
        return hits
