"""The model's view of a call: which utterances it scores, and its score for each.

Only what a criterion needs is scored, so the cost stays bounded: agent
utterances (empathy, over_promise heads) when a criterion reads them,
customer utterances (distress) when empathy does, and (customer need, agent
utterance) pairs only for agent utterances that ask back — a question mark or
one of the paraphrase lexicon's checks and cues — since a restatement that
confirms nothing is not a paraphrase (LABELING.md).

The model abstains on inputs unlike its fine-tuning data (:mod:`scorers.models.abstain`:
too short once fillers and placeholders are gone, or mostly unseen characters):
those get no score, so the rule's answer stands. ``abstained`` counts why.

:meth:`CallModel.prepare` scores a whole chunk of calls in large batches
before the criteria run (much faster than call by call); a call nobody
prepared is scored on first use.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable

from scorers.call import Call
from scorers.models.abstain import Abstainer
from scorers.models.classifier import UtteranceClassifier
from scorers.models.examples import LABELS, need_of

ASKS_BACK = re.compile(r"[?？]|[吗吧呢嘛][。.!！]*$")
HEAD_TASK = {"empathy": "agent", "over_promise": "agent", "distress": "customer", "paraphrase": "pair"}


@lru_cache(maxsize=8)
def classifier_at(path: str) -> UtteranceClassifier:
    """One loaded checkpoint per process, however many rubrics or criteria use it."""
    return UtteranceClassifier(path)


@dataclass
class CallScores:
    """Per head, utterance index -> score, for the utterances the model looked at."""

    by_head: dict[str, dict[int, float]] = field(default_factory=dict)

    def of(self, head: str) -> dict[int, float]:
        return self.by_head.get(head, {})


class CallModel:
    """Scores calls on the heads some criterion of the rubric reads."""

    def __init__(self, classifier: UtteranceClassifier, heads: Iterable[str] = (), asks_back=None):
        self.classifier = classifier
        self.heads: set[str] = set(heads)
        self.asks_back = asks_back  # extra pattern (the paraphrase lexicon's checks/cues), or None
        self.abstainer = getattr(classifier, "abstainer", None) or Abstainer()
        self.abstained: Counter = Counter()  # reason -> utterances the model declined to judge
        self.looked_at = 0  # utterances considered (judged or abstained on)
        self._prepared: dict[int, tuple[Call, CallScores]] = {}
        self._last: tuple[Call, CallScores] | None = None

    @property
    def name(self) -> str:
        return self.classifier.name

    @property
    def version(self) -> str:
        return self.classifier.version

    def wants_pair(self, call: Call, i: int) -> bool:
        u = call.utterances[i]
        if not u.is_agent or len(u.norm) < 6:
            return False
        if ASKS_BACK.search(u.norm) or (self.asks_back is not None and self.asks_back.search(u.norm)):
            return any(v.is_customer for v in call.utterances[:i])
        return False

    def _items(self, call: Call) -> list[tuple[str, int, tuple[str, str, str]]]:
        tasks = {HEAD_TASK[h] for h in self.heads}
        items = []
        for i, u in enumerate(call.utterances):
            if not (u.is_agent or u.is_customer):
                continue
            self.looked_at += 1
            if why := self.abstainer.reason(u.norm):
                self.abstained[why] += 1
                continue
            if u.is_agent and "agent" in tasks:
                items.append(("agent", i, ("agent", u.text, "")))
            if u.is_customer and "customer" in tasks:
                items.append(("customer", i, ("customer", u.text, "")))
            if "pair" in tasks and self.wants_pair(call, i):
                items.append(("pair", i, ("pair", u.text, need_of(call, i))))
        return items

    def prepare(self, calls: list[Call]) -> None:
        """Score ``calls`` together (large batches); :meth:`scores` then only looks them up."""
        if self.heads:
            for call, result in zip(calls, self._score(calls)):
                self._prepared[id(call)] = (call, result)

    def _score(self, calls: list[Call]) -> list[CallScores]:
        """Every call's scores, from one classifier pass over all their inputs."""
        per_call = [self._items(c) for c in calls]
        scores = self.classifier.predict([item for items in per_call for _, _, item in items])
        results, row = [], 0
        for items in per_call:
            results.append(self._collect(items, scores[row:row + len(items)]))
            row += len(items)
        return results

    def release(self, calls: list[Call] | None = None) -> None:
        """Forget the scores of ``calls`` (all, when None); other chunks scored in other threads keep theirs."""
        if calls is None:
            self._prepared.clear()
            self._last = None
            return
        for call in calls:
            self._prepared.pop(id(call), None)

    def _collect(self, items, scores) -> CallScores:
        result = CallScores({h: {} for h in self.heads})
        for (task, i, _), row in zip(items, scores):
            for head in self.heads:
                if HEAD_TASK[head] == task:
                    result.by_head[head][i] = float(row[LABELS.index(head)])
        return result

    def scores(self, call: Call) -> CallScores:
        for hit in (self._prepared.get(id(call)), self._last):
            if hit is not None and hit[0] is call:
                return hit[1]
        (result,) = self._score([call])
        self._last = (call, result)  # one unprepared call remembered: its criteria ask in turn
        return result


def model_path(value: str, base_dir: Path) -> Path:
    path = Path(value)
    return path if path.is_absolute() else (base_dir / path).resolve()
