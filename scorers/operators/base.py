"""What every condition operator shares: hits, the call being judged, and reading a spec.

A rubric criterion written as conditions (``violation_when: {all: [...]}``) is
a small tree of operators. Each operator answers one question about a call —
"which utterances hold this keyword?", "where is there a silence over 20 s?" —
and returns :class:`Hits`: the utterances where it holds (one :class:`Hit`
each, with the span to show as evidence) and the utterances it could not judge
(timing operators on a call without timestamps). Keeping "could not judge"
apart from "does not hold" is what lets a criterion say *not applicable*
instead of *met* when the data to decide is missing, and lets ``not`` stay
honest: the negation of "unknown" is still unknown.

Operators are told which utterances to judge (``within``): ``all`` passes the
survivors of its cheap children (role, position) to the expensive ones (regular
expressions), so most utterances of a call are never searched at all. That is
what keeps a rubric of a dozen criteria inside the nightly time budget.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

from scorers.call import AGENT, CUSTOMER, Call
from scorers.config import ConfigError, closest
from scorers.finding import Finding

SPEAKERS = (AGENT, CUSTOMER)
ANY_SPEAKER = "any"


@dataclass(frozen=True, slots=True)
class Hit:
    """Where a condition holds in one utterance."""

    start: int  # span in the utterance text; (0, 0): the whole utterance is the evidence
    end: int
    rule: str  # the operator path that found it, e.g. "all.lexicon:taboo"; becomes part of rule_id
    detail: str = ""  # a short explanation for coaches (masked before it is stored)
    findings: tuple[Finding, ...] = ()  # a built-in scorer's own findings behind this hit

    def under(self, parent: str) -> "Hit":
        """The same hit, its rule prefixed with the operator that passed it on."""
        return Hit(self.start, self.end, f"{parent}.{self.rule}", self.detail, self.findings)


@dataclass(slots=True)
class Hits:
    """A condition's answer for one call: where it holds, and where it could not tell."""

    found: dict[int, Hit] = field(default_factory=dict)  # utterance index -> first hit there
    unknown: set[int] = field(default_factory=set)  # utterances it could not judge (missing timestamps)

    @property
    def not_applicable(self) -> bool:
        """Nothing found and something could not be judged: the call cannot be scored on this."""
        return not self.found and bool(self.unknown)


class Context:
    """One call being judged, and what operators compute once per call (built-in scorers' findings)."""

    __slots__ = ("call", "utterances", "n", "_cache")

    def __init__(self, call: Call):
        self.call = call
        self.utterances = call.utterances
        self.n = len(call.utterances)
        self._cache: dict[Any, Any] = {}

    def cached(self, key: Any, compute: Callable[[], Any]) -> Any:
        try:
            return self._cache[key]
        except KeyError:
            value = self._cache[key] = compute()
            return value

    def findings_of(self, scorer: Callable[[Call], list[Finding]]) -> list[Finding]:
        """A scorer's findings for this call, computed once however many conditions ask."""
        return self.cached(("scorer", id(scorer)), lambda: scorer(self.call))

    def speaker_indexes(self, speaker: str) -> list[int]:
        """Indexes of one speaker's utterances (all of them for ``any``), cached."""
        if speaker == ANY_SPEAKER:
            return list(range(self.n))
        return self.cached(("speaker", speaker),
                           lambda: [i for i, u in enumerate(self.utterances) if u.speaker == speaker])


class Condition:
    """An operator node. Subclasses set ``name`` and implement :meth:`evaluate`."""

    name = "condition"
    cost = 5  # evaluation order inside `all`: role/position 1, text 5, timing 3, windows and built-ins 8

    @property
    def label(self) -> str:
        """How rule ids and details name this condition."""
        return self.name

    def evaluate(self, ctx: Context, within: Sequence[int]) -> Hits:
        """Judge the utterances ``within`` (indexes in call order) and return where the condition holds."""
        raise NotImplementedError


def whole(rule: str, detail: str = "") -> Hit:
    """A hit whose evidence is the whole utterance (timing, position, negations): span (0, 0)."""
    return Hit(0, 0, rule, detail)


# --------------------------------------------------------------------------- reading specs

@dataclass(frozen=True)
class Where:
    """Where a spec sits: its file and key path, for errors that point at the exact line a QA lead wrote."""

    file: Path | str
    key: str  # e.g. "criteria.taboo.violation_when.all[1].keywords"
    base_dir: Path  # lexicon paths are relative to the rubric file
    build: Callable[[Any, "Where"], Condition]  # builds a nested condition (set by scorers.operators)
    builtins: Any = None  # resolves `builtin: NAME` (scorers.operators.builtin.BuiltinScorers)

    def at(self, suffix: str) -> "Where":
        sep = "" if suffix.startswith("[") else "."
        return Where(self.file, f"{self.key}{sep}{suffix}", self.base_dir, self.build, self.builtins)

    def error(self, problem: str) -> ConfigError:
        return ConfigError(self.file, self.key, problem)

    def condition(self, spec: Any, suffix: str) -> Condition:
        where = self.at(suffix)
        return where.build(spec, where)


class Params:
    """An operator's parameters, read one by one; every problem names file, criterion and key.

    >>> p = Params({"over_s": 20}, where, "silence")   # doctest: +SKIP
    >>> p.number("over_s"), p.choice("before", SPEAKERS + ("any",), "any"); p.done()
    """

    def __init__(self, value: Any, where: Where, operator: str):
        if not isinstance(value, dict):
            raise where.error(f"{operator} takes a mapping of parameters, got {value!r}")
        self.value, self.where, self.operator = value, where, operator
        self.read: list[str] = []

    def has(self, key: str) -> bool:
        return key in self.value

    def one_of(self, keys: Sequence[str], what: str) -> str:
        """The one key of ``keys`` given (``first`` or ``last``, say); a misspelt one is named."""
        given = [k for k in keys if self.has(k)]
        if len(given) != 1:
            typo = next((h for h in (closest(str(k), keys) for k in self.value if k not in keys) if h), "")
            raise self.where.error(f"give exactly one of {what}, got {sorted(map(str, self.value))}{typo}")
        return given[0]

    def raw(self, key: str, default: Any = None) -> Any:
        self.read.append(key)
        return self.value.get(key, default)

    def number(self, key: str, default: float | None = None, minimum: float = 0) -> float:
        value = self.raw(key, default)
        if value is None:
            raise self.where.at(key).error(f"missing: {self.operator} needs `{key}` (a number)")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < minimum:
            raise self.where.at(key).error(f"must be a number ≥ {minimum:g}, got {value!r}")
        return float(value)

    def count(self, key: str, default: int | None = None, minimum: int = 0) -> int:
        value = self.raw(key, default)
        if value is None:
            raise self.where.at(key).error(f"missing: {self.operator} needs `{key}` (a whole number)")
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise self.where.at(key).error(f"must be a whole number ≥ {minimum}, got {value!r}")
        return value

    def choice(self, key: str, allowed: Sequence[str], default: str | None = None) -> str:
        value = self.raw(key, default)
        if value not in allowed:
            raise self.where.at(key).error(f"must be one of {', '.join(allowed)}, got {value!r}"
                                           f"{closest(str(value), allowed)}")
        return value

    def flag(self, key: str, default: bool) -> bool:
        value = self.raw(key, default)
        if not isinstance(value, bool):
            raise self.where.at(key).error(f"must be true or false, got {value!r}")
        return value

    def done(self) -> None:
        """Refuse keys the operator does not know, suggesting the closest one."""
        for key in self.value:
            if key not in self.read:
                raise self.where.at(str(key)).error(
                    f"unknown parameter for {self.operator}{closest(str(key), self.read)}; "
                    f"known: {', '.join(self.read)}")


def speaker_of(value: Any, where: Where, allow_any: bool = True) -> str:
    allowed = SPEAKERS + ((ANY_SPEAKER,) if allow_any else ())
    if value not in allowed:
        raise where.error(f"must be one of {', '.join(allowed)}, got {value!r}{closest(str(value), allowed)}")
    return value
