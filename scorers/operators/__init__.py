"""Condition operators: the building blocks of rubric criteria a QA lead writes in YAML.

    violation_when:
      all:
        - role: agent
        - lexicon: {file: lexicons/service.yaml, list: taboo, except: not_taboo}

A condition is a mapping from operator names to their settings. One key is
one operator; several keys mean ``all`` of them (``{role: agent, keywords:
[...]}``). ``not_regex`` is not an operator of its own: it refines the
``regex`` next to it. Each operator lives in its own module, with its own
tests (tests/test_op_<name>.py) and its YAML documented in the README
("Writing rubrics").
"""
from __future__ import annotations

from typing import Any, Callable

from scorers.config import closest
from scorers.operators.base import Condition, Context, Hit, Hits, Where
from scorers.operators.builtin import Builtin, BuiltinScorers
from scorers.operators.duration import Duration
from scorers.operators.interruption import Interruption
from scorers.operators.keywords import Keywords
from scorers.operators.latency import Latency
from scorers.operators.lexicon import Lexicon
from scorers.operators.logic import All, Any as AnyOf, Not
from scorers.operators.position import Position
from scorers.operators.regex import Regex
from scorers.operators.role import Role
from scorers.operators.silence import Silence
from scorers.operators.speech_rate import SpeechRate
from scorers.operators.window import Window

OPERATORS: dict[str, Callable[[Any, Where], Condition]] = {
    "keywords": Keywords.build, "regex": Regex.build, "lexicon": Lexicon.build, "role": Role.build,
    "position": Position.build, "window": Window.build, "silence": Silence.build, "latency": Latency.build,
    "speech_rate": SpeechRate.build, "interruption": Interruption.build, "duration": Duration.build,
    "all": All.build, "any": AnyOf.build, "not": Not.build, "builtin": Builtin.build,
}


def build_condition(spec: Any, where: Where) -> Condition:
    """Build the condition ``spec`` found at ``where`` (errors name file, criterion and key)."""
    if not isinstance(spec, dict) or not spec:
        raise where.error(f"a condition is a mapping of operators, e.g. {{role: agent}}; got {spec!r}")
    if "not_regex" in spec and "regex" not in spec:
        raise where.at("not_regex").error("refines a `regex` next to it, and there is none")
    parts = []
    for key, value in spec.items():
        if key == "not_regex":
            continue
        if key not in OPERATORS:
            raise where.at(str(key)).error(f"unknown operator{closest(str(key), list(OPERATORS) + ['not_regex'])}; "
                                           f"operators: {', '.join(OPERATORS)}, not_regex")
        if key == "regex":
            parts.append(Regex.build(value, where.at("regex"), spec.get("not_regex"), where.at("not_regex")))
        else:
            parts.append(OPERATORS[key](value, where.at(str(key))))
    return parts[0] if len(parts) == 1 else All(parts)


def condition_where(file, key: str, base_dir, builtins: BuiltinScorers | None = None) -> Where:
    """The root ``Where`` of a condition written at ``key`` of ``file``."""
    return Where(file, key, base_dir, build_condition, builtins)


__all__ = ["OPERATORS", "Condition", "Context", "Hit", "Hits", "Where", "BuiltinScorers", "build_condition",
           "condition_where"]
