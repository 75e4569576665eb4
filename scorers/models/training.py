"""Fine-tune (or build and train) the utterance classifier, and write its checkpoint and model card.

``train(examples, out)`` builds a small BERT from a character vocabulary with
transformers' config classes; ``train(examples, out, base=PATH)`` fine-tunes a
checkpoint the bank already has on disk (a Chinese RoBERTa, say) with its own
tokenizer. Either way the result is an ordinary transformers checkpoint
(``save_pretrained``), loadable with ``from_pretrained`` and nothing else. It is
written beside ``out`` and renamed into place when complete, so retraining the
folder a rubric points at never leaves that rubric half a model.

Seeded and repeatable: the split, the initial weights, the batch order and
dropout all come from ``TrainConfig.seed``, and torch runs deterministic
kernels on a fixed number of threads. A share of the examples (``holdout``)
is held back, stratified by task and label: training keeps the epoch with the
lowest held-back loss and stops after ``patience`` epochs without a better one
(a small model memorises its training set within a dozen epochs, and a
memorised model is sure of itself on everything), and the model card reports
each head's precision, recall and F1 on it.

After training, the held-back split also calibrates the heads
(:mod:`scorers.models.calibration`: a temperature per head, ECE before and
after, and the threshold that reaches ``target_precision``), and the training
texts' characters are saved for abstention (:mod:`scorers.models.abstain`). The
held-back examples the model would abstain on are left out of both, since at
scoring time the model never sees them.
"""
from __future__ import annotations

import json
import os
import random
import shutil
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from scorers.models.abstain import Abstainer
from scorers.models.architecture import Architecture
from scorers.models.calibration import ece, fit_temperature, scaled, threshold_for_precision
from scorers.models.card import CARD_FILE, pretraining_record, write_card
from scorers.models.encoding import MAX_LENGTH, build_char_tokenizer, encode, model_inputs, score_items
from scorers.models.examples import LABELS, TASK_HEADS, Example, data_hash
from scorers.normalize import normalize



@dataclass
class TrainConfig(Architecture):
    """Hyper-parameters; the defaults train the shipped model in about three minutes on 2 CPU cores."""

    seed: int = 13
    epochs: int = 12
    batch_size: int = 32
    learning_rate: float = 1e-3  # from scratch; fine-tuning a base uses base_learning_rate
    base_learning_rate: float = 3e-5
    warmup: float = 0.06
    holdout: float = 0.1
    threads: int = 2
    dropout: float = 0.2
    patience: int = 2  # epochs without a better held-back loss before training stops
    max_length: int = MAX_LENGTH
    target_precision: float = 0.9  # each head's threshold is the lowest that reaches it on held-back data


@dataclass
class TrainResult:
    out: Path
    n_train: int
    n_holdout: int
    metrics: dict[str, dict[str, float]]
    seconds: float
    card: dict = field(default_factory=dict)


def split(examples: list[Example], share: float, seed: int) -> tuple[list[Example], list[Example]]:
    """Hold back ``share`` of each (task, labels) group, so every head is measured on its own kind."""
    groups: dict[tuple, list[Example]] = {}
    for e in examples:
        groups.setdefault((e.task, tuple(sorted(e.labels))), []).append(e)
    rng = random.Random(seed)
    train, held = [], []
    for key in sorted(groups):
        group = groups[key][:]
        rng.shuffle(group)
        n = int(round(len(group) * share)) if len(group) >= 5 else 0
        held += group[:n]
        train += group[n:]
    return train, held


def _targets(batch: list[Example]):
    import torch

    target = torch.zeros(len(batch), len(LABELS))
    mask = torch.zeros(len(batch), len(LABELS))
    for row, e in enumerate(batch):
        for head in e.heads:
            col = LABELS.index(head)
            mask[row, col] = 1.0
            target[row, col] = 1.0 if head in e.labels else 0.0
    return target, mask


def _batches(examples: list[Example], size: int, rng: random.Random) -> list[list[Example]]:
    """Pairs and single utterances in separate batches (they tokenise differently), in a seeded order."""
    singles = [e for e in examples if e.task != "pair"]
    pairs = [e for e in examples if e.task == "pair"]
    batches = []
    for group in (singles, pairs):
        group = group[:]
        rng.shuffle(group)
        batches += [group[i:i + size] for i in range(0, len(group), size)]
    rng.shuffle(batches)
    return batches


def _new_model(tokenizer, config: TrainConfig):
    from transformers import BertForSequenceClassification

    bert = config.bert_config(tokenizer, config.dropout, config.max_length, num_labels=len(LABELS),
                              problem_type="multi_label_classification", id2label=dict(enumerate(LABELS)),
                              label2id={n: i for i, n in enumerate(LABELS)})
    return BertForSequenceClassification(bert)


def _base_model(base: Path):
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(base), local_files_only=True)
    model = AutoModelForSequenceClassification.from_pretrained(
        str(base), local_files_only=True, num_labels=len(LABELS), problem_type="multi_label_classification",
        id2label=dict(enumerate(LABELS)), label2id={n: i for i, n in enumerate(LABELS)},
        ignore_mismatched_sizes=True)
    return tokenizer, model


def predict_examples(model, tokenizer, examples: list[Example], max_length: int, batch_size: int = 128):
    """Sigmoid scores (n × len(LABELS), a tensor) for ``examples``, in their order."""
    import torch

    items = [(e.task, e.text, e.context) for e in examples]
    return torch.from_numpy(score_items(model, tokenizer, items, batch_size, max_length))


def heldback_loss(model, tokenizer, held: list[Example], max_length: int) -> float:
    """Mean masked binary cross-entropy on the held-back examples (what early stopping watches)."""
    scores = predict_examples(model, tokenizer, held, max_length).clamp(1e-6, 1 - 1e-6)
    target, mask = _targets(held)
    loss = -(target * scores.log() + (1 - target) * (1 - scores).log())
    return float((loss * mask).sum() / mask.sum())


def head_metrics(examples: list[Example], scores, threshold: float = 0.5) -> dict[str, dict[str, float]]:
    metrics = {}
    for head in LABELS:
        col = LABELS.index(head)
        rows = [i for i, e in enumerate(examples) if head in e.heads]
        tp = sum(1 for i in rows if scores[i, col] >= threshold and head in examples[i].labels)
        fp = sum(1 for i in rows if scores[i, col] >= threshold and head not in examples[i].labels)
        fn = sum(1 for i in rows if scores[i, col] < threshold and head in examples[i].labels)
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        metrics[head] = {"n": len(rows), "positives": tp + fn, "precision": round(p, 3), "recall": round(r, 3),
                         "f1": round(2 * p * r / (p + r), 3) if p + r else 0.0}
    return metrics


def train(examples: list[Example], out: Path | str, base: Path | str | None = None,
          config: TrainConfig | None = None, sources: list[str] | None = None,
          progress: Callable[[str], None] | None = None) -> TrainResult:
    """Train on ``examples`` and save the checkpoint and model card into ``out``."""
    import torch
    from transformers import get_linear_schedule_with_warmup

    config = config or TrainConfig()
    say = progress or (lambda message: None)
    started = time.perf_counter()
    torch.manual_seed(config.seed)
    torch.set_num_threads(config.threads)
    torch.use_deterministic_algorithms(True)
    # oneDNN on or off changes the float results, and loading a classifier turns it off for the
    # process (scorers/models/classifier.py): off here too, so a seed trains the same model
    # whatever this process loaded before
    torch.backends.mkldnn.enabled = False
    rng = random.Random(config.seed)
    out = Path(out)
    train_set, held = split(examples, config.holdout, config.seed)
    if not train_set:
        raise ValueError("no training examples")
    if base is None:
        tokenizer = build_char_tokenizer(a + (b or "") for a, b in
                                         (model_inputs(e.task, e.text, e.context) for e in train_set))
        model = _new_model(tokenizer, config)
        lr = config.learning_rate
    else:
        tokenizer, model = _base_model(Path(base))
        lr = config.base_learning_rate
    batches_per_epoch = len(_batches(train_set, config.batch_size, random.Random(0)))
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    total = batches_per_epoch * config.epochs
    schedule = get_linear_schedule_with_warmup(optimizer, int(total * config.warmup), total)
    loss_fn = torch.nn.BCEWithLogitsLoss(reduction="none")
    say(f"training on {len(train_set)} examples ({len(held)} held back), {config.epochs} epochs, "
        f"{'base ' + str(base) if base else 'a new character BERT'}, "
        f"{sum(p.numel() for p in model.parameters()) / 1e6:.2f}M parameters")
    best_loss, best_state, best_epoch, stale = float("inf"), None, 0, 0
    for epoch in range(1, config.epochs + 1):
        model.train()
        running, seen = 0.0, 0
        for batch in _batches(train_set, config.batch_size, rng):
            enc = encode(tokenizer, [model_inputs(e.task, e.text, e.context) for e in batch], config.max_length)
            target, mask = _targets(batch)
            logits = model(**enc).logits
            loss = (loss_fn(logits, target) * mask).sum() / mask.sum()
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            schedule.step()
            running += loss.item() * len(batch)
            seen += len(batch)
        held_loss = heldback_loss(model, tokenizer, held, config.max_length) if held else running / seen
        say(f"epoch {epoch}/{config.epochs}: loss {running / seen:.4f}, held-back loss {held_loss:.4f} "
            f"({time.perf_counter() - started:.0f} s)")
        if held_loss < best_loss - 1e-4:
            best_loss, best_epoch, stale = held_loss, epoch, 0
            best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        else:
            stale += 1
            if stale >= config.patience:
                say(f"stopping: no better held-back loss since epoch {best_epoch}")
                break
    if best_state is not None:
        model.load_state_dict(best_state)
    config_used = {"best_epoch": best_epoch, "best_heldback_loss": round(best_loss, 4)}
    held_scores = predict_examples(model, tokenizer, held, config.max_length) if held else None
    metrics = head_metrics(held, held_scores) if held else {}
    abstainer = Abstainer.fit(t for e in train_set for t in (normalize(e.text), normalize(e.context)) if t)
    calibration, thresholds = calibrate(held, held_scores.numpy() if held else None, abstainer,
                                        config.target_precision)
    config_used.update({"calibration": calibration, "thresholds": thresholds})
    staging = out.parent / f".{out.name}.staging-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        model.save_pretrained(str(staging))
        tokenizer.save_pretrained(str(staging))
        abstainer.save(staging)
        seconds = round(time.perf_counter() - started, 1)
        card = model_card(staging, out.name, examples, train_set, held, metrics, base, config, sources or [],
                          seconds, config_used)
        swap_into(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    say(f"saved {out} in {seconds} s; held-back F1: "
        + ", ".join(f"{h} {m['f1']:.2f}" for h, m in metrics.items()))
    return TrainResult(out, len(train_set), len(held), metrics, seconds, card)


def calibrate(held: list[Example], scores, abstainer: Abstainer, target: float) -> tuple[dict, dict]:
    """Per head: temperature and ECE before / after; threshold for ``target`` precision (calibrated)."""
    import numpy as np

    calibration, thresholds = {}, {}
    if not held:
        return calibration, thresholds
    judged = [i for i, e in enumerate(held) if abstainer.reason(normalize(e.text)) is None]
    for head in LABELS:
        col = LABELS.index(head)
        rows = [i for i in judged if head in held[i].heads]
        p = np.asarray([scores[i, col] for i in rows], dtype=np.float64)
        y = np.asarray([1.0 if head in held[i].labels else 0.0 for i in rows])
        t = fit_temperature(p, y)
        after = scaled(p, t) if len(p) else p
        calibration[head] = {"temperature": t, "n": len(rows), "positives": int(y.sum()),
                             "ece_before": ece(p, y), "ece_after": ece(after, y)}
        thresholds[head] = threshold_for_precision(after, y, target)
    return calibration, thresholds


def swap_into(staging: Path, out: Path) -> None:
    """Put the finished checkpoint at ``out`` with renames: a rubric pointing there (the nightly run,
    say) sees the old model or the new one, never half of one, and a crash keeps the old."""
    old = out.parent / f".{out.name}.old-{os.getpid()}"
    if out.exists():
        out.rename(old)
    staging.rename(out)
    shutil.rmtree(old, ignore_errors=True)


def model_card(out: Path, name: str, examples, train_set, held, metrics, base, config: TrainConfig,
               sources: list[str], seconds: float, training: dict | None = None) -> dict:
    """``model_card.json`` (read back by the scorer: name, version, labels) and a README.md for people
    (:mod:`scorers.models.card`)."""
    digest = data_hash(examples)
    created = datetime.now(timezone.utc)
    counts = {f"{task}:{label}": sum(1 for e in examples if e.task == task and label in e.labels)
              for task, heads in TASK_HEADS.items() for label in heads}
    counts.update({f"{task}:none": sum(1 for e in examples if e.task == task and not e.labels)
                   for task in TASK_HEADS})
    card = {"name": name, "version": f"{created:%Y%m%d}-{digest[:8]}", "created": created.isoformat(),
            "labels": list(LABELS), "tasks": {t: list(h) for t, h in TASK_HEADS.items()},
            "base": str(base) if base else "char-bert (trained from scratch)",
            "data": {"sources": sources, "n_examples": len(examples), "sha256": digest, "counts": counts},
            "split": {"train": len(train_set), "holdout": len(held), "share": config.holdout, "seed": config.seed},
            "holdout_metrics_at_0.5": metrics, "config": asdict(config), "training_seconds": seconds,
            "calibration": (training or {}).pop("calibration", {}),
            "thresholds": (training or {}).pop("thresholds", {}),
            "training": training or {}, "pretraining": pretraining_record(base)}
    write_card(out, card)
    return card
