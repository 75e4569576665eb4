"""``builtin``: the five rule scorers (jargon, empathy, paraphrase, over_promise, info_leak) as operators.

    builtin: over_promise                          # where over_promise finds a violation
    builtin: {scorer: empathy, outcome: met}       # where the agent shows empathy

The built-in scorers carry years of tuning (word lists, clause logic, Luhn
checks) that a condition could not express; as operators they can be reused
in new criteria ("no over-promise before the risk disclosure") without
copying them. A name resolves, in this order, to: the scorer of the criterion
with that id, the scorer a criterion of this rubric configures under that
name (``scorer: over_promise/v1`` with its ``params``), or the registry's
latest version with its default word lists. Whatever references it, a scorer
runs once per call.

The hit keeps the scorer's own findings, so a criterion that is just
``violation_when: {builtin: jargon}`` reports exactly what the scorer found:
same spans, rule ids and details, so finding ids (and the reviews attached to
them) stay the same.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from scorers.config import ConfigError, closest
from scorers.finding import MET, VIOLATION, Finding
from scorers.operators.base import Condition, Context, Hit, Hits, Params, Where
from scorers.registry import FACTORIES, Scorer, create_scorer

# What `builtin: NAME` hits by default: the outcome each scorer is about. Paraphrase
# only ever finds the behaviour (met); the others are looked at for their violations.
DEFAULT_OUTCOME = {"paraphrase": MET}


def base_name(scorer_name: str) -> str:
    return scorer_name.split("/", 1)[0]


def latest_version(base: str) -> str | None:
    versions = [n for n in FACTORIES if base_name(n) == base]
    return max(versions, key=lambda n: int(n.rsplit("/v", 1)[1])) if versions else None


@dataclass
class BuiltinScorers:
    """Resolves ``builtin:`` names for one rubric; registry scorers are built once and shared."""

    configured: dict[str, tuple[str, Scorer]]  # criterion id -> (scorer name, scorer)
    base_dir: Path
    file: Path | str

    def __post_init__(self) -> None:
        self._defaults: dict[str, Scorer] = {}

    def names(self) -> list[str]:
        return sorted(set(self.configured) | {base_name(n) for n in FACTORIES} | set(FACTORIES))

    def resolve(self, name: str, where: Where) -> tuple[str, Scorer]:
        """(scorer base name, scorer) for ``name``."""
        if name in self.configured:
            scorer_name, scorer = self.configured[name]
            return base_name(scorer_name), scorer
        same = [(n, s) for n, s in self.configured.values() if name in (n, base_name(n))]
        if len({id(s) for _, s in same}) > 1:
            users = sorted(cid for cid, (n, _) in self.configured.items() if name in (n, base_name(n)))
            raise where.error(f"{name!r} is configured by several criteria ({', '.join(users)}): "
                              f"name the criterion instead, e.g. builtin: {users[0]}")
        if same:
            return base_name(same[0][0]), same[0][1]
        full = name if name in FACTORIES else latest_version(name)
        if full is None:
            raise where.error(f"unknown built-in scorer {name!r}{closest(name, self.names())}; "
                              f"known: {', '.join(sorted({base_name(n) for n in FACTORIES}))}")
        if full not in self._defaults:
            try:
                self._defaults[full] = create_scorer(full, None, self.base_dir, base_name(full), self.file)
            except ConfigError as err:
                raise where.error(f"cannot build {full} with its default word lists: {err}") from None
        return base_name(full), self._defaults[full]


class Builtin(Condition):
    name = "builtin"
    cost = 8

    def __init__(self, scorer: Scorer, outcome: str, scorer_base: str):
        self.scorer, self.outcome, self.scorer_base = scorer, outcome, scorer_base

    @classmethod
    def build(cls, value: Any, where: Where) -> "Builtin":
        if isinstance(value, str):
            value = {"scorer": value}
        p = Params(value, where, "builtin")
        name = p.raw("scorer")
        p.raw("outcome")
        p.done()  # before the scorer: `scorr: jargon` is a typo to name, not a missing scorer
        if not isinstance(name, str) or not name:
            raise where.at("scorer").error("missing: the built-in scorer, e.g. over_promise")
        if where.builtins is None:
            raise where.error("built-in scorers are only available inside a rubric")
        scorer_base, scorer = where.builtins.resolve(name, where.at("scorer"))
        outcome = p.choice("outcome", (VIOLATION, MET), DEFAULT_OUTCOME.get(scorer_base, VIOLATION))
        return cls(scorer, outcome, scorer_base)

    @property
    def label(self) -> str:
        return f"builtin:{self.scorer_base}"

    def evaluate(self, ctx: Context, within: Sequence[int]) -> Hits:
        by_index: dict[int, list[Finding]] = {}
        for f in ctx.findings_of(self.scorer):
            if f.outcome == self.outcome:
                by_index.setdefault(f.utterance_index, []).append(f)
        wanted = within if isinstance(within, range) else set(within)
        found = {}
        for i, findings in by_index.items():
            if i in wanted:
                first = findings[0]
                found[i] = Hit(first.span_start, first.span_end, first.rule_id, first.detail, tuple(findings))
        return Hits(found)
