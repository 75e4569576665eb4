"""``speech_rate``: speaking faster than a customer — an older one too — can follow.

    speech_rate: {over_per_min: 300, min_chars: 20}                  # per utterance, the agent
    speech_rate: {over_per_min: 280, scope: call, speaker: agent}    # the agent over the whole call

The rate is spoken characters (Chinese characters, letters, digits; no
punctuation or spaces) per minute of the utterance's own duration. Short
utterances say little about pace and their timestamps are coarse, so
utterances under ``min_chars`` are not judged. ``scope: call`` adds up the
speaker's characters and speaking time over the call and reports at the
speaker's last utterance. Exactly ``over_per_min`` is not over; without
timestamps (or with a zero duration) the rate is *unknown*.
"""
from __future__ import annotations

import re
from typing import Any, Sequence

from scorers.call import AGENT
from scorers.operators.base import Condition, Context, Hits, Params, Where, speaker_of, whole

_NOT_SPOKEN = re.compile(r"[\W_]+")


def spoken_chars(text: str) -> int:
    """Characters that take time to say: no punctuation, spaces or symbols."""
    return len(_NOT_SPOKEN.sub("", text))


class SpeechRate(Condition):
    name = "speech_rate"
    cost = 3

    def __init__(self, over_per_min: float, min_chars: int = 20, speaker: str = AGENT, scope: str = "utterance"):
        self.over, self.min_chars, self.speaker, self.scope = over_per_min, min_chars, speaker, scope

    @classmethod
    def build(cls, value: Any, where: Where) -> "SpeechRate":
        p = Params(value, where, "speech_rate")
        over = p.number("over_per_min")
        min_chars = p.count("min_chars", 20)
        speaker = speaker_of(p.raw("speaker", AGENT), where.at("speaker"))
        scope = p.choice("scope", ("utterance", "call"), "utterance")
        p.done()
        return cls(over, min_chars, speaker, scope)

    def evaluate(self, ctx: Context, within: Sequence[int]) -> Hits:
        return self._whole_call(ctx, within) if self.scope == "call" else self._per_utterance(ctx, within)

    def _per_utterance(self, ctx: Context, within: Sequence[int]) -> Hits:
        hits = Hits()
        for i in within:
            u = ctx.utterances[i]
            if self.speaker != "any" and u.speaker != self.speaker:
                continue
            if len(u.text) < self.min_chars:
                continue  # spoken characters are never more than characters
            if u.start_ms is None or u.end_ms is None or u.end_ms <= u.start_ms:
                if spoken_chars(u.text) >= self.min_chars:
                    hits.unknown.add(i)
                continue
            if len(u.text) * 60000 / (u.end_ms - u.start_ms) <= self.over:
                continue  # not over even counting punctuation: skip the exact count
            chars = spoken_chars(u.text)
            if chars < self.min_chars:
                continue
            rate = chars * 60000 / (u.end_ms - u.start_ms)
            if rate > self.over:
                hits.found[i] = whole("speech_rate", f"语速{rate:.1f}字/分钟")
        return hits

    def _whole_call(self, ctx: Context, within: Sequence[int]) -> Hits:
        indexes = ctx.speaker_indexes(self.speaker)
        if not indexes or indexes[-1] not in within:
            return Hits()
        last = indexes[-1]
        chars = millis = 0
        for i in indexes:
            u = ctx.utterances[i]
            if u.start_ms is not None and u.end_ms is not None and u.end_ms > u.start_ms:
                chars += spoken_chars(u.text)
                millis += u.end_ms - u.start_ms
        if millis == 0:
            return Hits(unknown={last})
        rate = chars * 60000 / millis
        if chars >= self.min_chars and rate > self.over:
            return Hits({last: whole("speech_rate.call", f"全通语速{rate:.1f}字/分钟")})
        return Hits()
