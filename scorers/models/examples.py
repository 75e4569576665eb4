"""Training examples: utterance-level corpus files and labeled calls, in one shape.

Two sources, both written by people applying LABELING.md:

- ``data/training/*.jsonl``: one utterance (or need/utterance pair) a line,
  ``{"id", "task": "agent"|"customer"|"pair", "text", "context"?, "labels": [...], "unknown"?: [...]}``
  (``unknown``: heads of the task the line says nothing about, e.g. a reviewer
  judged an utterance's over-promise, not its empathy; they are left out of the loss);
- labeled calls (``calls.jsonl`` + ``labels.jsonl``, the format of
  ``../shared/eval``): every agent utterance is an example for empathy and
  over_promise, every agent utterance after a customer turn a paraphrase pair,
  and customers' utterances are distress examples where the labels decide it
  (an ``empathy_missing`` label is distress; a customer turn that no empathy
  answered and no label marks is calm). Customer turns that empathy did answer
  are left out: the labels do not say whether they were distressed.

The same :func:`need_of` builds a pair's context in training and at scoring
time, so the model sees the same kind of input in both.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from scorers.call import Call

LABELS = ("empathy", "over_promise", "distress", "paraphrase")
TASK_HEADS = {"agent": ("empathy", "over_promise"), "customer": ("distress",), "pair": ("paraphrase",)}
NEED_TURNS = 2  # customer utterances a paraphrase may restate
NEED_CHARS = 160


class ExampleError(ValueError):
    """A corpus line is unusable; the message names file, line and field."""


@dataclass(frozen=True, slots=True)
class Example:
    task: str
    text: str
    labels: frozenset[str]
    context: str = ""  # the customer's need, for pairs
    source: str = ""  # file:line, for error messages and the model card
    unknown: frozenset[str] = frozenset()  # heads of the task this example does not label

    @property
    def heads(self) -> tuple[str, ...]:
        """The heads this example teaches: its task's, less the ones it says nothing about."""
        return tuple(h for h in TASK_HEADS[self.task] if h not in self.unknown)


def need_of(call: Call, index: int) -> str:
    """What the customer said before utterance ``index`` that a paraphrase could restate."""
    said = [u.text for u in call.utterances[:index] if u.is_customer][-NEED_TURNS:]
    return "。".join(said)[-NEED_CHARS:]


def read_corpus(folder: Path) -> list[Example]:
    """Every ``*.jsonl`` under ``folder`` (sorted, so the order and the hash are stable)."""
    examples = []
    for path in sorted(Path(folder).glob("**/*.jsonl")):
        with path.open(encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                if line.strip():
                    examples.append(_corpus_line(line, f"{path.name}:{n}"))
    return examples


def _corpus_line(line: str, where: str) -> Example:
    try:
        row = json.loads(line)
    except json.JSONDecodeError as err:
        raise ExampleError(f"{where}: not JSON ({err.msg})") from None
    if not isinstance(row, dict):
        raise ExampleError(f"{where}: a line is an object with task, text, labels")
    task = row.get("task")
    if task not in TASK_HEADS:
        raise ExampleError(f"{where}: task: must be one of {', '.join(TASK_HEADS)}, got {task!r}")
    text = row.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ExampleError(f"{where}: text: missing or empty")
    labels = row.get("labels", [])
    if not isinstance(labels, list) or not set(labels) <= set(TASK_HEADS[task]):
        raise ExampleError(f"{where}: labels: a {task} example takes a list of {', '.join(TASK_HEADS[task])}, "
                           f"got {labels!r}")
    context = row.get("context", "")
    if task == "pair" and (not isinstance(context, str) or not context.strip()):
        raise ExampleError(f"{where}: context: a pair needs the customer's need")
    unknown = row.get("unknown", [])
    if not isinstance(unknown, list) or not set(unknown) <= set(TASK_HEADS[task]) or set(unknown) & set(labels) \
            or set(unknown) >= set(TASK_HEADS[task]):
        raise ExampleError(f"{where}: unknown: heads of the {task} task this line does not label, not all of them "
                           f"and none it labels; got {unknown!r}")
    return Example(task, text, frozenset(labels), context if task == "pair" else "", where, frozenset(unknown))


def examples_from_calls(calls: Iterable[Call], gold: Iterable[dict]) -> list[Example]:
    """Examples from labeled calls (``gold``: LABELING.md label rows)."""
    marks: dict[tuple[str, str], set[int]] = {}
    for row in gold:
        marks.setdefault((row["call_id"], row["criterion"]), set()).add(int(row["utterance_index"]))
    examples = []
    for call in calls:
        def marked(criterion: str) -> set[int]:
            return marks.get((call.call_id, criterion), set())

        empathic, missing = marked("empathy"), marked("empathy_missing")
        for i, u in enumerate(call.utterances):
            where = f"{call.call_id}#{i}"
            if u.is_agent:
                labels = {c for c in ("empathy", "over_promise") if i in marked(c)}
                examples.append(Example("agent", u.text, frozenset(labels), source=where))
                need = need_of(call, i)
                if need:
                    restated = frozenset({"paraphrase"}) if i in marked("paraphrase") else frozenset()
                    examples.append(Example("pair", u.text, restated, need, where))
            elif u.is_customer:
                answered = bool(empathic.intersection(call.next_agent_indexes(i, 2)))
                in_episode = any(i - 4 <= m < i for m in missing)  # later turns of an unanswered episode
                if i in missing:
                    examples.append(Example("customer", u.text, frozenset({"distress"}), source=where))
                elif not answered and not in_episode:
                    examples.append(Example("customer", u.text, frozenset(), source=where))
    return examples


def read_labeled_calls(calls_path: Path, labels_path: Path) -> list[Example]:
    """Examples from a ``calls.jsonl`` and its ``labels.jsonl``; an unreadable call is an error, not a skip."""
    from scorers.ingest import iter_records

    calls = []
    for item in iter_records([Path(calls_path)]):
        if not isinstance(item, Call):
            raise ExampleError(item.message())
        calls.append(item)
    with Path(labels_path).open(encoding="utf-8") as f:
        gold = [json.loads(line) for line in f if line.strip()]
    return examples_from_calls(calls, gold)


def data_hash(examples: Iterable[Example]) -> str:
    """sha256 over the examples as trained on: the model card's proof of what the model saw."""
    digest = hashlib.sha256()
    for e in examples:
        row = [e.task, e.text, e.context, sorted(e.labels)] + ([sorted(e.unknown)] if e.unknown else [])
        digest.update(json.dumps(row, ensure_ascii=False).encode())
    return digest.hexdigest()


def gather(labeled: Iterable[tuple[Path, Path]] = (), corpora: Iterable[Path] = ()) -> tuple[list[Example], list[str]]:
    """All examples of some labeled call sets and corpus folders, and the sources they came from."""
    examples, sources = [], []
    for calls_path, labels_path in labeled:
        examples += read_labeled_calls(Path(calls_path), Path(labels_path))
        sources.append(f"{calls_path} + {labels_path}")
    for folder in corpora:
        found = read_corpus(Path(folder))
        if not found:
            raise ExampleError(f"{folder}: no *.jsonl examples there")
        examples += found
        sources.append(str(folder))
    return examples, sources
