"""Small builders shared by the scorer tests."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from scorers.call import Call, Utterance
from scorers.rubric import load_rubric

DEFAULT_RUBRIC = Path(__file__).resolve().parents[1] / "rubrics" / "default.yaml"


def call_of(*turns: str, call_id: str = "T-1") -> Call:
    """A call from turns written "A: 您好" (agent) or "C: 我想查余额" (customer)."""
    utterances = []
    for n, turn in enumerate(turns):
        who, text = turn.split(":", 1)
        speaker = {"A": "agent", "C": "customer"}[who.strip()]
        utterances.append(Utterance(speaker, text.strip(), n * 5000, n * 5000 + 4000))
    return Call(call_id=call_id, agent_id="A1", utterances=utterances)


@lru_cache(maxsize=None)
def default_scorer(criterion: str):
    rubric = load_rubric(DEFAULT_RUBRIC)
    return next(c.rule_scorer or c.scorer for c in rubric.criteria if c.id == criterion)


def hits(criterion: str, call: Call, outcome: str) -> list[int]:
    return [f.utterance_index for f in default_scorer(criterion)(call) if f.outcome == outcome]
