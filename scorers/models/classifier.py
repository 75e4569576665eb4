"""A trained checkpoint on disk, loaded once, classifying utterances in batches.

Loads with transformers' ``AutoTokenizer`` / ``AutoModelForSequenceClassification``
from a local folder only (``local_files_only``: nothing is ever downloaded),
runs under ``torch.inference_mode()`` with a fixed number of threads, and
sorts inputs by length so a batch carries little padding. The same input gives
the same scores: dropout is off and no state carries between batches.
"""
from __future__ import annotations

import json
import threading
from collections import OrderedDict
from pathlib import Path

from scorers.config import ConfigError
from scorers.models.abstain import Abstainer
from scorers.models.encoding import MAX_LENGTH, score_items
from scorers.models.examples import LABELS
from scorers.models.training import CARD_FILE

Item = tuple[str, str, str]  # (task, text, context)
_IMPORT_LOCK = threading.Lock()


def import_transformers():
    """``torch`` and the transformers classes a checkpoint loads with, imported once per process.

    transformers resolves its classes lazily, on first attribute access, and that
    resolution is not thread-safe: two chunk threads importing at once have failed
    with ``cannot import name 'AutoModelForSequenceClassification'``. Every import
    goes through one process-wide lock, and the nightly flow calls this (through
    :meth:`UtteranceClassifier.load`) before its chunk threads start.
    """
    with _IMPORT_LOCK:
        import torch
        from transformers import AutoModelForSequenceClassification, AutoTokenizer
    return torch, AutoModelForSequenceClassification, AutoTokenizer


class UtteranceClassifier:
    """Scores (task, text, context) items on every head; read one head's column per criterion."""

    def __init__(self, path: Path | str, batch_size: int = 256, threads: int = 1, cache_size: int = 20_000):
        self.path = Path(path)
        self.batch_size = batch_size
        self.threads = threads
        # distinct inputs remembered across chunks: enough for the scripted sentences every call repeats;
        # each costs about 1.5 KB (measured: 200,000 grew a worker by 0.3 GiB on a night of distinct text)
        self.cache_size = cache_size
        self._cache: OrderedDict = OrderedDict()
        self._model = self._tokenizer = None
        self._lock = threading.Lock()  # chunks score in threads: guards the cache and the first load (lazy imports are not thread-safe)
        self.card = self._read_card()
        self.abstainer = Abstainer.load(self.path)
        # per-head temperature from the card's calibration (1.0: as trained); applied to every score
        self.temperatures = [float(self.card.get("calibration", {}).get(h, {}).get("temperature", 1.0))
                             for h in LABELS]
        self.name = str(self.card.get("name", self.path.name))
        self.version = str(self.card.get("version", "unversioned"))

    def _read_card(self) -> dict:
        if not (self.path / "config.json").is_file():
            raise ConfigError(self.path, "(model)", "no model checkpoint here (config.json missing): train one "
                                                    "with `callqa train` or point at a saved checkpoint")
        card = self.path / CARD_FILE
        return json.loads(card.read_text(encoding="utf-8")) if card.is_file() else {}

    def load(self) -> "UtteranceClassifier":
        """Load the checkpoint now (idempotent): callers that score from several threads call it first."""
        if self._model is None:
            with self._lock:
                if self._model is None:
                    self._load()
        return self

    def _load(self) -> None:
        """Loaded on first use: a rubric check or a run without model criteria never pays for torch."""
        torch, AutoModelForSequenceClassification, AutoTokenizer = import_transformers()
        torch.set_num_threads(self.threads)
        # oneDNN keeps a primitive (with its scratch memory) for every input shape it has seen, and
        # batches sorted by length have many shapes: 0.25 GiB more per worker, no faster for this
        # small model. Without it: same CPU time, scores within 1.5e-6 (35,000 inputs, no threshold
        # crossed; bench/RESULTS.md).
        torch.backends.mkldnn.enabled = False
        self._tokenizer = AutoTokenizer.from_pretrained(str(self.path), local_files_only=True)
        model = AutoModelForSequenceClassification.from_pretrained(str(self.path), local_files_only=True)
        labels = [model.config.id2label[i] for i in range(model.config.num_labels)]
        if labels != list(LABELS):
            raise ConfigError(self.path, "config.json: id2label", f"the heads are {labels}, callqa needs "
                                                                  f"{list(LABELS)} in that order")
        self._model = model.eval()

    def predict(self, items: list[Item]):
        """A ``(len(items), len(LABELS))`` float array of sigmoid scores, in the order of ``items``.

        Identical items are scored once, and the last ``cache_size`` distinct ones are
        remembered: a night repeats "您好,请问有什么可以帮您?" and "好的" thousands of
        times, and the same input always gets the same score.
        """
        import numpy as np

        unique: dict[Item, int] = {}
        slots = [unique.setdefault(item, len(unique)) for item in items]
        distinct = list(unique)
        scores = np.zeros((len(distinct), len(LABELS)), dtype=np.float32)
        missing = []
        with self._lock:
            for n, item in enumerate(distinct):
                row = self._cache.get(item)
                if row is None:
                    missing.append(n)
                else:
                    scores[n] = row
                    self._cache.move_to_end(item)
        if missing:
            fresh = self.predict_distinct([distinct[n] for n in missing])
            scores[missing] = fresh
            with self._lock:
                for n, row in zip(missing, fresh):
                    self._cache[distinct[n]] = row
                while len(self._cache) > self.cache_size:
                    self._cache.popitem(last=False)
        return scores[slots] if items else scores

    def predict_distinct(self, items: list[Item]):
        """:meth:`predict` without the de-duplication (what the benchmark times per input)."""
        self.load()
        return calibrated(score_items(self._model, self._tokenizer, items, self.batch_size, MAX_LENGTH),
                          self.temperatures)


def calibrated(scores, temperatures):
    """Sigmoid scores with each head's logit divided by its temperature (temperature scaling)."""
    import numpy as np

    if all(t == 1.0 for t in temperatures):
        return scores
    p = np.clip(scores.astype(np.float64), 1e-7, 1 - 1e-7)
    logits = np.log(p / (1 - p)) / np.asarray(temperatures, dtype=np.float64)
    return (1.0 / (1.0 + np.exp(-logits))).astype(np.float32)
