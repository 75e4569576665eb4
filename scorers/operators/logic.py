"""``all`` / ``any`` / ``not``: conditions over conditions, judged utterance by utterance.

    all: [{role: agent}, {lexicon: {file: lexicons/service.yaml, list: taboo}}]
    any: [{keywords: [再见]}, {keywords: [感谢来电]}]
    not: {keywords: [您好, 你好]}

``all`` holds on an utterance where every child holds, ``any`` where one does,
``not`` where its child does not. A condition mapping with several operator
keys (``{role: agent, keywords: [...]}``) means ``all`` of them.

Timing operators may be unable to judge an utterance (no timestamps). That
"unknown" follows Kleene's three-valued logic: ``all`` is false as soon as one
child is false and unknown if one is unknown and none false; ``any`` is true
as soon as one child is true; ``not`` leaves unknown unknown. So a missing
timestamp never turns into a violation, and never into a clean pass either.

``all`` runs its cheapest children first (role, position) and hands only their
survivors to the others: the evidence still comes from the first child, in
the order written, that points at words rather than at the whole utterance.
"""
from __future__ import annotations

from typing import Any as Anything, Sequence

from scorers.operators.base import Condition, Context, Hit, Hits, Where, whole

# Hits from these only say "this utterance": another child's span is better evidence.
_WHOLE_UTTERANCE_RULES = ("role:", "position:")


def _children(value: Anything, where: Where, name: str) -> list[Condition]:
    if not isinstance(value, list) or not value:
        raise where.error(f"{name} takes a non-empty list of conditions, got {value!r}")
    return [where.condition(spec, f"[{k}]") for k, spec in enumerate(value)]


class All(Condition):
    name = "all"

    def __init__(self, children: list[Condition]):
        self.children = children
        self.order = sorted(range(len(children)), key=lambda k: children[k].cost)
        self.cost = max(c.cost for c in children)

    @classmethod
    def build(cls, value: Anything, where: Where) -> Condition:
        children = _children(value, where, "all")
        return children[0] if len(children) == 1 else cls(children)

    def evaluate(self, ctx: Context, within: Sequence[int]) -> Hits:
        alive = list(within)
        results: list[Hits | None] = [None] * len(self.children)
        unknown: set[int] = set()
        for k in self.order:
            if not alive:
                return Hits()
            result = results[k] = self.children[k].evaluate(ctx, alive)
            unknown |= result.unknown
            alive = [i for i in alive if i in result.found or i in result.unknown]
        found = {}
        for i in alive:
            if i in unknown:
                continue
            hits = [r.found[i] for r in results if r is not None]
            best = next((h for h in hits if not h.rule.startswith(_WHOLE_UTTERANCE_RULES)), hits[0])
            found[i] = best.under(self.name)
        return Hits(found, {i for i in alive if i in unknown})


class Any(Condition):
    name = "any"

    def __init__(self, children: list[Condition]):
        self.children = children
        self.cost = max(c.cost for c in children)

    @classmethod
    def build(cls, value: Anything, where: Where) -> Condition:
        children = _children(value, where, "any")
        return children[0] if len(children) == 1 else cls(children)

    def evaluate(self, ctx: Context, within: Sequence[int]) -> Hits:
        remaining = list(within)
        found: dict[int, Hit] = {}
        unknown: set[int] = set()
        for child in self.children:
            if not remaining:
                break
            result = child.evaluate(ctx, remaining)
            for i, hit in result.found.items():
                found[i] = hit.under(self.name)
            unknown |= result.unknown
            remaining = [i for i in remaining if i not in result.found]
        return Hits(found, unknown - found.keys())


class Not(Condition):
    name = "not"

    def __init__(self, child: Condition):
        self.child = child
        self.cost = child.cost

    @classmethod
    def build(cls, value: Anything, where: Where) -> "Not":
        if isinstance(value, list):
            raise where.error("not takes one condition; to negate several, write not: {any: [...]}")
        return cls(where.build(value, where))

    def evaluate(self, ctx: Context, within: Sequence[int]) -> Hits:
        result = self.child.evaluate(ctx, within)
        hit = whole(f"not.{self.child.label}")
        found = {i: hit for i in within if i not in result.found and i not in result.unknown}
        return Hits(found, set(result.unknown))
