"""Rubric self-tests: examples each criterion must hit, and must not.

    examples:
      hit:                                   # each must make the criterion fire
        - 不知道,你自己看吧。                  # one agent utterance
        - [ "C: 我的卡又被锁了", "A: 那是系统的问题,跟我没关系" ]     # a short dialogue
        - [ "A 0-3: 好的,我查一下", "C 3.5-4: 嗯", "A 30-33: 查到了" ]  # with timestamps (seconds)
      miss:                                  # each must not
        - 我不知道您是否方便现在核对一下信息?
      expect: violation                      # optional: met | violation

A QA lead who edits a word list or a threshold runs ``callqa rubric test
FILE`` and sees at once which example stopped hitting (or started to): the
examples are the rule's specification, kept next to it. "Fire" means a
``violation`` finding for a criterion that can find violations, a ``met``
finding otherwise; ``expect`` overrides. A line is ``A: text`` (agent) or
``C: text`` (customer), optionally ``A 12.5-15: text`` with start and end in
seconds; a bare string is one agent utterance. Without timestamps, timing
operators cannot judge (not applicable), which counts as not firing.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scorers.call import AGENT, CUSTOMER, Call, Utterance
from scorers.config import ConfigError, closest, refuse_unknown_keys
from scorers.finding import MET, VIOLATION

LINE = re.compile(r"^\s*(?P<who>A|C|agent|customer|坐席|客户)"
                  r"(?:\s*\[?\s*(?P<start>\d+(?:\.\d+)?)\s*[-~]\s*(?P<end>\d+(?:\.\d+)?)\s*s?\s*\]?)?"
                  r"\s*[:：]\s*(?P<text>.*)$", re.S)
WHO = {"A": AGENT, "agent": AGENT, "坐席": AGENT, "C": CUSTOMER, "customer": CUSTOMER, "客户": CUSTOMER}
KINDS = ("hit", "miss")


@dataclass
class Example:
    kind: str  # hit | miss
    index: int
    lines: list[str]  # as written, for messages
    call: Call


@dataclass
class Failure:
    file: str
    criterion: str
    example: Example
    expected: str
    got: str

    def message(self) -> str:
        dialogue = " / ".join(self.example.lines)
        return (f"{self.file}: criteria.{self.criterion}.examples.{self.example.kind}[{self.example.index}]: "
                f"expected {self.expected}, got {self.got} — {dialogue}")


def _utterance(line: Any, file: Path | str, key: str) -> Utterance:
    if not isinstance(line, str) or not line.strip():
        raise ConfigError(file, key, f"an example line is text like \"A: 您好\" or \"C 1.5-3: 嗯\", got {line!r}")
    m = LINE.match(line)
    if m is None:  # no speaker prefix: the agent
        return Utterance(AGENT, line.strip())
    start = None if m["start"] is None else round(float(m["start"]) * 1000)
    end = None if m["end"] is None else round(float(m["end"]) * 1000)
    if start is not None and end < start:
        raise ConfigError(file, key, f"ends ({m['end']} s) before it starts ({m['start']} s): {line!r}")
    return Utterance(WHO[m["who"]], m["text"].strip(), start, end)


def call_from_lines(lines: list[str] | str, call_id: str = "example", file: Path | str = "<example>",
                    key: str = "example") -> Call:
    """A call from example lines ("A: 您好", "C 1.5-3: 嗯"; a bare line is the agent's)."""
    lines = [lines] if isinstance(lines, str) else lines
    utterances = [_utterance(line, file, f"{key}[{n}]") for n, line in enumerate(lines)]
    return Call(call_id=call_id, agent_id="example", utterances=utterances)


def parse_examples(value: Any, file: Path | str, criterion: str) -> tuple[list[Example], str | None]:
    """The examples of one criterion and its optional ``expect``; errors name file and key."""
    where = f"criteria.{criterion}.examples"
    if not isinstance(value, dict):
        raise ConfigError(file, where, "must be a mapping with hit and/or miss lists")
    refuse_unknown_keys(value, KINDS + ("expect",), file, f"{where}.", known="allowed: hit, miss, expect")
    expect = value.get("expect")
    if expect is not None and expect not in (MET, VIOLATION):
        raise ConfigError(file, f"{where}.expect", f"must be met or violation, got {expect!r}"
                                                   f"{closest(str(expect), (MET, VIOLATION))}")
    examples = []
    for kind in KINDS:
        cases = value.get(kind) or []
        if not isinstance(cases, list):
            raise ConfigError(file, f"{where}.{kind}", "must be a list of utterances or dialogues")
        for k, case in enumerate(cases):
            lines = case if isinstance(case, list) else [case]
            if not lines:
                raise ConfigError(file, f"{where}.{kind}[{k}]", "an empty dialogue")
            key = f"{where}.{kind}[{k}]"
            if isinstance(case, list):
                call = call_from_lines(lines, f"example-{criterion}-{kind}-{k}", file, key)
            else:
                call = Call(f"example-{criterion}-{kind}-{k}", "example", [_utterance(case, file, key)])
            examples.append(Example(kind, k, [str(x) for x in lines], call))
    return examples, expect


def expected_outcome(criterion: Any) -> str:
    """What "fires" means for a criterion: its violations if it can find any, else its met findings."""
    from scorers.operators.builtin import DEFAULT_OUTCOME, base_name

    if criterion.expect:
        return criterion.expect
    if criterion.conditions is not None:
        return VIOLATION if criterion.conditions.violation_when is not None else MET
    return DEFAULT_OUTCOME.get(base_name(criterion.scorer_name), VIOLATION)


def run_examples(rubric: Any) -> tuple[int, list[Failure]]:
    """(examples run, failures) for every criterion of a built rubric."""
    from scorers.conditions import judge
    from scorers.operators import Context

    ran, failures = 0, []
    for criterion in rubric.criteria:
        target = expected_outcome(criterion)
        for example in criterion.examples:
            ran += 1
            findings, not_applicable = judge(criterion, Context(example.call))
            fired = [f for f in findings if f.outcome == target]
            if example.kind == "hit" and not fired:
                got = "not applicable" if not_applicable else (
                    "no finding" if not findings else "only " + ", ".join(sorted({f.outcome for f in findings})))
                failures.append(Failure(str(rubric.path), criterion.id, example, f"a {target}", got))
            elif example.kind == "miss" and fired:
                got = ", ".join(f"{f.rule_id} at utterance {f.utterance_index}" for f in fired)
                failures.append(Failure(str(rubric.path), criterion.id, example, f"no {target}", got))
    return ran, failures
