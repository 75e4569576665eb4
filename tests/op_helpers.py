"""Builders for the operator tests: a call from dialogue lines, a condition from its YAML."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

from scorers.call import Call, Utterance
from scorers.operators import BuiltinScorers, Condition, Context, Hits, condition_where
from scorers.selftest import call_from_lines

RUBRICS = Path(__file__).resolve().parents[1] / "rubrics"


def dialogue(*lines: str) -> Call:
    """"A 0-3: 您好" (agent, 0 s to 3 s), "C: 嗯" (customer, no timestamps); see scorers.selftest."""
    return call_from_lines(list(lines), call_id="T-1")


def timed(*turns: tuple) -> Call:
    """A call from (speaker, text, start_ms, end_ms) tuples; None for a missing timestamp."""
    who = {"A": "agent", "C": "customer"}
    return Call("T-1", "A1", [Utterance(who[s], text, start, end) for s, text, start, end in turns])


EMPTY = Call("T-0", "A1", [])


@lru_cache(maxsize=1)
def default_builtins() -> BuiltinScorers:
    from scorers.rubric import load_rubric

    rubric = load_rubric(RUBRICS / "default.yaml")
    return BuiltinScorers({c.id: (c.scorer_name, c.scorer) for c in rubric.criteria if c.scorer_name},
                          RUBRICS, RUBRICS / "default.yaml")


def condition(spec, builtins: BuiltinScorers | None = None) -> Condition:
    """Build a condition from a YAML string or a dict, as if written at criteria.c.violation_when."""
    if isinstance(spec, str):
        spec = yaml.safe_load(spec)
    where = condition_where(RUBRICS / "test.yaml", "criteria.c.violation_when", RUBRICS, builtins)
    return where.build(spec, where)


def evaluate(spec, call: Call, builtins: BuiltinScorers | None = None) -> Hits:
    return condition(spec, builtins).evaluate(Context(call), range(len(call.utterances)))


def found(spec, call: Call, builtins: BuiltinScorers | None = None) -> list[int]:
    """Indexes where the condition holds."""
    return sorted(evaluate(spec, call, builtins).found)


def unknown(spec, call: Call) -> list[int]:
    return sorted(evaluate(spec, call).unknown)


def assert_config_error(spec, key: str, fragment: str) -> None:
    """Building ``spec`` fails with a ConfigError at ``key`` whose message holds ``fragment`` and starts
    with the file it names."""
    import pytest

    from scorers.config import ConfigError

    with pytest.raises(ConfigError) as info:
        condition(spec)
    assert info.value.key == key and fragment in str(info.value)
    assert str(info.value).startswith(str(info.value.file))
