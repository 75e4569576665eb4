"""The call transcript every scorer reads.

A :class:`Call` is built once by the ingest step and is read-only afterwards.
Each utterance carries its normalised text (``norm``) next to the original, so
scorers match on one and report spans and evidence in the other.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from scorers.normalize import normalize

AGENT = "agent"
CUSTOMER = "customer"


@dataclass(slots=True)
class Utterance:
    speaker: str
    text: str
    start_ms: int | None = None
    end_ms: int | None = None
    norm: str = field(init=False, repr=False)
    # who speaks, as attributes set once: the scorers ask about two million times per 10,000 calls,
    # and a property's call costs five times an attribute's read (about 1 % of a worker's CPU)
    is_agent: bool = field(init=False, repr=False, compare=False)
    is_customer: bool = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.norm = normalize(self.text)
        self.is_agent = self.speaker == AGENT
        self.is_customer = self.speaker == CUSTOMER


@dataclass(slots=True)
class Call:
    call_id: str
    agent_id: str
    utterances: list[Utterance]
    team: str = ""
    channel: str = ""
    started_at: str = ""
    call_date: date | None = None
    source: str = ""

    def agent_indexes(self) -> list[int]:
        return [i for i, u in enumerate(self.utterances) if u.is_agent]

    def next_agent_indexes(self, after: int, count: int) -> list[int]:
        """Indexes of the next ``count`` agent utterances after position ``after``."""
        found = []
        for i in range(after + 1, len(self.utterances)):
            if self.utterances[i].is_agent:
                found.append(i)
                if len(found) == count:
                    break
        return found
