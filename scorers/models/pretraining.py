"""Masked-language-model pretraining of the character encoder, on text nobody labelled.

Why: a small encoder trained from scratch on a few thousand labelled lines knows
only the characters and phrasings of those lines, and is confidently wrong on
everything else ("多少钱" scored 0.99 as an over-promise). Pretraining first on
plenty of unlabelled Chinese — a bank's own archive of nights, or permissively
licensed public text — teaches it what ordinary talk looks like, so the
fine-tuned heads react to what the labels are about and not to the register.

``read_pretrain_texts(paths)`` reads transcripts (anything ``callqa score``
reads: a folder, ``.jsonl``, ``.csv``, ``.parquet``; every utterance is one
line) and plain text (``.txt``, ``.txt.gz``: one line each). Personal numbers
are masked before the model sees them, so no card number is memorised.

``Pretrainer(config).fit(texts)`` builds a character vocabulary from the texts,
trains a ``BertForMaskedLM`` with transformers' own collator (15 % of
characters masked), and ``save(out)`` writes an ordinary transformers
checkpoint that ``callqa train --base`` fine-tunes. Seeded and repeatable.
"""
from __future__ import annotations

import gzip
import random
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator

from scorers.models.architecture import Architecture
from scorers.models.encoding import MAX_LENGTH, build_char_tokenizer
from scorers.normalize import normalize
from scorers.numbers import mask_text

TEXT_SUFFIXES = (".txt", ".txt.gz")
from scorers.models.card import PRETRAINING_FILE as PRETRAIN_CARD  # noqa: E402


class PretrainError(ValueError):
    """A corpus path that cannot be read; the message names it."""


@dataclass
class PretrainConfig(Architecture):
    """Hyper-parameters; the encoder's shape (:class:`Architecture`) is the one fine-tuning uses."""

    seed: int = 13
    steps: int = 3000
    batch_size: int = 64
    learning_rate: float = 5e-4
    warmup: float = 0.05
    threads: int = 2
    dropout: float = 0.1
    max_length: int = 64  # pretraining sequences; the fine-tuned model still reads MAX_LENGTH
    min_char_count: int = 2  # a character seen once is noise, not vocabulary
    mask_share: float = 0.15
    max_seconds: float | None = None  # stop early (a time budget), keeping what was learnt


def _text_lines(path: Path) -> Iterator[str]:
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            line = line.strip()
            if line:
                yield line


def read_pretrain_texts(paths: Iterable[Path | str]) -> Iterator[str]:
    """Every utterance or line under ``paths``, normalised and masked, in a stable order."""
    from scorers.ingest import InputError, discover, iter_records
    from scorers.call import Call

    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise PretrainError(f"{path}: no such file or folder")
        texts = sorted(p for p in ([path] if path.is_file() else path.rglob("*"))
                       if p.is_file() and p.name.endswith(TEXT_SUFFIXES))
        for text_file in texts:
            for line in _text_lines(text_file):
                yield normalize(mask_text(line))
        if path.is_file() and path.name.endswith(TEXT_SUFFIXES):
            continue
        try:
            transcripts = discover(path)
        except InputError:
            transcripts = []
        if not transcripts and not texts:
            raise PretrainError(f"{path}: no transcripts (.jsonl, .csv, .parquet) or text (.txt, .txt.gz) here")
        for item in iter_records(transcripts):
            if isinstance(item, Call):  # a rejected record is not text to learn from
                for u in item.utterances:
                    if u.text.strip():
                        yield normalize(mask_text(u.text))


class Pretrainer:
    """Masked-language-model pretraining; ``fit`` returns self, learnt state in ``model_`` / ``tokenizer_``."""

    def __init__(self, config: PretrainConfig | None = None):
        self.config = config or PretrainConfig()

    def fit(self, texts: Iterable[str], progress: Callable[[str], None] | None = None) -> "Pretrainer":
        import torch
        from transformers import (BertForMaskedLM, DataCollatorForLanguageModeling,
                                  get_linear_schedule_with_warmup)

        c = self.config
        say = progress or (lambda message: None)
        started = time.perf_counter()
        lines = list(dict.fromkeys(t for t in texts if len(t) >= 2))  # distinct lines: repeats teach nothing
        if not lines:
            raise PretrainError("no text to pretrain on")
        torch.manual_seed(c.seed)
        torch.set_num_threads(c.threads)
        torch.backends.mkldnn.enabled = False  # as in training.train: the same floats whatever was loaded before
        rng = random.Random(c.seed)
        tokenizer = build_char_tokenizer(lines, min_count=c.min_char_count)
        bert = c.bert_config(tokenizer, c.dropout)
        model = BertForMaskedLM(bert)
        collator = DataCollatorForLanguageModeling(tokenizer, mlm_probability=c.mask_share, return_tensors="pt")
        optimizer = torch.optim.AdamW(model.parameters(), lr=c.learning_rate, weight_decay=0.01)
        schedule = get_linear_schedule_with_warmup(optimizer, int(c.steps * c.warmup), c.steps)
        say(f"pretraining on {len(lines)} distinct lines, vocabulary {len(tokenizer)}, {c.steps} steps of "
            f"{c.batch_size}, {sum(p.numel() for p in model.parameters()) / 1e6:.2f}M parameters")
        model.train()
        losses, step = [], 0
        order: list[int] = []
        while step < c.steps:
            if len(order) < c.batch_size:
                fresh = list(range(len(lines)))
                rng.shuffle(fresh)
                order += fresh
            batch = [lines[i] for i in order[:c.batch_size]]
            del order[:c.batch_size]
            enc = tokenizer(batch, truncation=True, max_length=c.max_length)
            features = [{"input_ids": ids} for ids in enc["input_ids"]]
            torch.manual_seed(c.seed + step)  # the collator masks with torch's global generator
            inputs = collator(features)
            loss = model(**inputs).loss
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            schedule.step()
            losses.append(loss.item())
            step += 1
            if step % 250 == 0 or step == c.steps:
                say(f"step {step}/{c.steps}: masked-LM loss {sum(losses[-250:]) / len(losses[-250:]):.3f} "
                    f"({time.perf_counter() - started:.0f} s)")
            if c.max_seconds is not None and time.perf_counter() - started > c.max_seconds:
                say(f"time budget reached after {step} steps")
                break
        self.model_, self.tokenizer_ = model.eval(), tokenizer
        self.stats_ = {"lines": len(lines), "characters": sum(map(len, lines)), "vocabulary": len(tokenizer),
                       "steps": step, "final_loss": round(sum(losses[-100:]) / len(losses[-100:]), 4),
                       "seconds": round(time.perf_counter() - started, 1), "config": asdict(c)}
        return self

    def save(self, out: Path | str, sources: list[dict] | None = None) -> Path:
        """An ordinary transformers checkpoint plus ``pretraining.json`` (corpus, licences, loss)."""
        import json

        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        self.model_.save_pretrained(str(out))
        self.tokenizer_.save_pretrained(str(out))
        (out / PRETRAIN_CARD).write_text(json.dumps({**self.stats_, "sources": sources or []}, ensure_ascii=False,
                                                    indent=2) + "\n", encoding="utf-8")
        return out
