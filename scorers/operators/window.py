"""``window``: look around another condition's hit — before, after or around it.

    window:                         # a follow-up promised without a time
      anchor: {lexicon: {file: lexicons/service.yaml, list: follow_up}}
      after: 1
      unit: agent_utterances        # utterances | agent_utterances | customer_utterances | seconds
      include_anchor: true          # the anchor utterance itself is in the window (default false)
      lacks: {lexicon: {file: lexicons/service.yaml, list: time_promise}}

Many service rules are "when X happens, Y must (or must not) follow or
precede": a follow-up needs a deadline in the same or next agent turn, a long
hold needs "请您稍等" in the agent turn before it, a sale needs the risk
disclosed before the customer agrees. So a window has an ``anchor`` condition
and a size (``before`` / ``after`` / ``around``: N units, or ``all`` for the
rest of the call), and one of:

- ``has: COND`` — holds at each anchor whose window contains a hit of COND;
- ``lacks: COND`` — holds at each anchor whose window contains none;
- neither — holds at every utterance inside some anchor's window, to combine
  with other conditions in ``all``.

``unit: agent_utterances`` counts only the agent's utterances (the customer's
"嗯" in between does not use up the window); ``seconds`` measures from the
anchor's start (before) or end (after) and needs timestamps — without them the
window is *unknown*, as is a ``lacks`` window whose content cannot be judged.
"""
from __future__ import annotations

from typing import Any, Sequence

from scorers.call import AGENT, CUSTOMER
from scorers.config import closest
from scorers.operators.base import Condition, Context, Hit, Hits, Params, Where, whole

UNITS = ("utterances", "agent_utterances", "customer_utterances", "seconds")
DIRECTIONS = ("before", "after", "around")
_UNIT_SPEAKER = {"agent_utterances": AGENT, "customer_utterances": CUSTOMER}
PARAMETERS = ("anchor",) + DIRECTIONS + ("unit", "include_anchor", "has", "lacks")


class Window(Condition):
    name = "window"
    cost = 8

    def __init__(self, anchor: Condition, direction: str, size: float | None, unit: str = "utterances",
                 include_anchor: bool = False, mode: str = "select", target: Condition | None = None):
        self.anchor, self.direction, self.size, self.unit = anchor, direction, size, unit
        self.include_anchor, self.mode, self.target = include_anchor, mode, target

    @classmethod
    def build(cls, value: Any, where: Where) -> "Window":
        p = Params(value, where, "window")
        for key in value:  # first, so that a misspelt anchor, after or lacks is named as such
            if key not in PARAMETERS:
                raise where.at(str(key)).error(f"unknown parameter for window{closest(str(key), PARAMETERS)}; "
                                               f"known: {', '.join(PARAMETERS)}")
        if not p.has("anchor"):
            raise where.at("anchor").error("missing: the condition the window is placed around")
        anchor = where.condition(p.raw("anchor"), "anchor")
        directions = [d for d in DIRECTIONS if p.has(d)]
        if len(directions) != 1:
            raise where.error(f"give exactly one of before, after, around (N units or all), got {sorted(value)}")
        direction = directions[0]
        size = p.raw(direction)
        if size == "all":
            size = None
        elif isinstance(size, bool) or not isinstance(size, (int, float)) or size < 0:
            raise where.at(direction).error(f"must be a number ≥ 0 or all, got {size!r}")
        unit = p.choice("unit", UNITS, "utterances")
        if unit != "seconds" and size is not None and not float(size).is_integer():
            raise where.at(direction).error(f"counts {unit}: must be a whole number, got {size!r}")
        include_anchor = p.flag("include_anchor", False)
        modes = [m for m in ("has", "lacks") if p.has(m)]
        if len(modes) > 1:
            raise where.error("give has or lacks, not both")
        mode = modes[0] if modes else "select"
        target = where.condition(p.raw(mode), mode) if modes else None
        p.done()
        return cls(anchor, direction, size, unit, include_anchor, mode, target)

    @property
    def label(self) -> str:
        return f"window.{self.mode}" if self.target is None else f"window.{self.mode}.{self.target.label}"

    def members(self, ctx: Context, i: int) -> tuple[list[int], list[int]]:
        """The utterances in anchor ``i``'s window, and those that cannot be placed (no timestamps)."""
        indexes = [i] if self.include_anchor else []
        back = self.direction in ("before", "around")
        ahead = self.direction in ("after", "around")
        if self.unit == "seconds":
            u = ctx.utterances[i]
            others = [j for j in range(ctx.n) if (j < i and back) or (j > i and ahead)]
            if u.start_ms is None or u.end_ms is None:
                return indexes, others
            reach = None if self.size is None else self.size * 1000
            uncertain = []
            for j in others:
                other = ctx.utterances[j]
                if other.start_ms is None or other.end_ms is None:
                    uncertain.append(j)
                elif reach is None or (j < i and u.start_ms - other.end_ms <= reach) or \
                        (j > i and other.start_ms - u.end_ms <= reach):
                    indexes.append(j)
            return sorted(indexes), uncertain
        pool = ctx.speaker_indexes(_UNIT_SPEAKER.get(self.unit, "any"))
        size = len(pool) if self.size is None else int(self.size)
        if back and size:
            indexes += [j for j in pool if j < i][-size:]
        if ahead and size:
            indexes += [j for j in pool if j > i][:size]
        return sorted(set(indexes)), []

    def evaluate(self, ctx: Context, within: Sequence[int]) -> Hits:
        if self.target is None:
            return self._select(ctx, within)
        anchors = self.anchor.evaluate(ctx, within)
        hits = Hits(unknown=set(anchors.unknown))
        windows = {i: self.members(ctx, i) for i in anchors.found}
        looked_at = sorted({j for members, _ in windows.values() for j in members})
        targets = self.target.evaluate(ctx, looked_at) if looked_at else Hits()
        for i, anchor_hit in anchors.found.items():
            members, unplaced = windows[i]
            seen = [j for j in members if j in targets.found]
            uncertain = bool(unplaced) or any(j in targets.unknown for j in members)
            if self.mode == "has":
                if seen:
                    hits.found[i] = self._hit(anchor_hit, f"第{seen[0] + 1}句出现")
                elif uncertain:
                    hits.unknown.add(i)
            elif not seen:
                if uncertain:
                    hits.unknown.add(i)
                else:
                    hits.found[i] = self._hit(anchor_hit, f"{self._describe()}未出现")
        return hits

    def _hit(self, anchor_hit: Hit, note: str) -> Hit:
        detail = f"{anchor_hit.detail}；{note}" if anchor_hit.detail else note
        return Hit(anchor_hit.start, anchor_hit.end, self.label, detail)

    def _describe(self) -> str:
        unit = {"utterances": "句", "agent_utterances": "句坐席话", "customer_utterances": "句客户话",
                "seconds": "秒"}[self.unit]
        size = "全通" if self.size is None else f"{self.size:g}{unit}"
        where = {"before": "之前", "after": "之后", "around": "前后"}[self.direction]
        return f"{where}{size}内" if self.size is not None else f"{where}{size}"

    def _select(self, ctx: Context, within: Sequence[int]) -> Hits:
        anchors = self.anchor.evaluate(ctx, range(ctx.n))
        wanted = set(within)
        hits = Hits()
        for i in anchors.found:
            members, unplaced = self.members(ctx, i)
            for j in members:
                if j in wanted and j not in hits.found:
                    hits.found[j] = whole(self.label, f"第{i + 1}句{self._describe()}")
            hits.unknown.update(j for j in unplaced if j in wanted)
        for i in anchors.unknown:  # an anchor that cannot be judged leaves its window's members unknown
            members, unplaced = self.members(ctx, i)
            hits.unknown.update(j for j in members + unplaced if j in wanted)
        hits.unknown -= hits.found.keys()
        return hits
