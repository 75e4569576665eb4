"""``callqa train``: fit the utterance classifier from labeled calls and the training corpus."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

from pipelines.paths import PROJECT_ROOT as ROOT

console = Console(stderr=True)
DEFAULT_LABELED = [(ROOT / "data" / "labeled" / "calls.jsonl", ROOT / "data" / "labeled" / "labels.jsonl"),
                   (ROOT / "data" / "sample" / "calls-2026-11-20.jsonl",
                    ROOT / "data" / "labeled" / "sample-labels.jsonl")]
DEFAULT_CORPUS = ROOT / "data" / "training"


def train_command(
        out: Path = typer.Option(..., "--out", "-o", help="checkpoint folder to write, e.g. models/callqa-small"),
        calls: Optional[list[Path]] = typer.Option(None, "--calls", help="labeled calls.jsonl (repeatable; "
                                                   "default: the project's labeled sets)"),
        labels: Optional[list[Path]] = typer.Option(None, "--labels", help="its labels.jsonl, one per --calls"),
        corpus: Optional[list[Path]] = typer.Option(None, "--corpus", help="utterance corpus folder "
                                                    "(repeatable; default data/training)"),
        base: Optional[Path] = typer.Option(None, "--base", help="a pretrained checkpoint on disk to fine-tune "
                                            "(e.g. a Chinese RoBERTa); default: a new character BERT"),
        pretrain_corpus: Optional[list[Path]] = typer.Option(
            None, "--pretrain-corpus", help="unlabelled text to pretrain the encoder on first (masked-language "
            "modelling; repeatable): a folder of transcripts (.jsonl/.csv/.parquet, e.g. an archive of nights) "
            "or plain text (.txt, .txt.gz, one line each); the encoder is kept in OUT-encoder"),
        pretrain_steps: int = typer.Option(3000, "--pretrain-steps", help="pretraining steps of 64 lines"),
        learning_rate: Optional[float] = typer.Option(None, "--learning-rate",
                                                      help="fine-tuning learning rate (default: 1e-3 from "
                                                           "scratch, 3e-4 from a pretrained encoder, 3e-5 from --base)"),
        epochs: Optional[int] = typer.Option(None, "--epochs", help="passes over the data"),
        seed: int = typer.Option(13, "--seed")) -> None:
    """Train the model scorers' classifier (seeded; a few minutes on 2 CPU cores, plus pretraining)."""
    from scorers.models.examples import ExampleError, gather
    from scorers.models.training import TrainConfig, train

    calls, labels = list(calls or []), list(labels or [])
    if len(calls) != len(labels):
        console.print(f"[red]usage[/red] give one --labels per --calls ({len(calls)} calls, {len(labels)} labels)")
        raise typer.Exit(2)
    labeled = list(zip(calls, labels)) if calls else DEFAULT_LABELED
    try:
        examples, sources = gather(labeled, corpus if corpus else [DEFAULT_CORPUS])
    except (ExampleError, OSError) as err:
        console.print(f"[red]training data error[/red] {err}")
        raise typer.Exit(2)
    if base is not None and not (base / "config.json").is_file():
        console.print(f"[red]no checkpoint[/red] {base} has no config.json")
        raise typer.Exit(2)
    if pretrain_corpus and base is not None:
        console.print("[red]usage[/red] give --base (a pretrained checkpoint) or --pretrain-corpus, not both")
        raise typer.Exit(2)
    overrides = {"epochs": epochs} if epochs else {}
    if pretrain_corpus:
        base = _pretrain(pretrain_corpus, out, pretrain_steps, seed)
        overrides["base_learning_rate"] = 3e-4  # a small encoder of our own, not a large public model
    if learning_rate:
        overrides["learning_rate" if base is None else "base_learning_rate"] = learning_rate
    config = TrainConfig(seed=seed, **overrides)
    result = train(examples, out, base=base, config=config, sources=[_short(s) for s in sources],
                   progress=lambda message: console.print(message, highlight=False))
    console.print(f"model: {result.out} ({result.card['name']} {result.card['version']}), "
                  f"card: {result.out / 'model_card.json'}")


def _pretrain(paths: list[Path], out: Path, steps: int, seed: int) -> Path:
    """Pretrain the encoder on ``paths`` into ``OUT-encoder`` and return that folder."""
    from scorers.models.pretraining import PretrainConfig, PretrainError, Pretrainer, read_pretrain_texts

    encoder = out.parent / f"{out.name}-encoder"
    try:
        texts = list(read_pretrain_texts(paths))
        model = Pretrainer(PretrainConfig(steps=steps, seed=seed)).fit(
            texts, progress=lambda message: console.print(message, highlight=False))
    except PretrainError as err:
        console.print(f"[red]pretraining corpus error[/red] {err}")
        raise typer.Exit(2)
    model.save(encoder, sources=[{"path": _short(str(p.resolve()))} for p in paths])
    console.print(f"encoder: {encoder}", highlight=False)
    return encoder


def _short(source: str) -> str:
    """Sources relative to the project, so the model card does not depend on where it was trained."""
    return source.replace(str(ROOT) + "/", "")


def review_corpus_command(
        scorecards: Path = typer.Option(..., "--scorecards", help="the scorecard folder whose reviews/ to read"),
        out: Path = typer.Option(..., "--out", "-o", help="corpus file to write, e.g. data/reviewed/2026-12.jsonl")
) -> None:
    """Turn reviewers' decisions into training examples (confirmed: positive; dismissed: a hard negative)."""
    from collections import Counter

    from scorers.models.reviewed import corpus_from_reviews, reviewed_head, write_corpus
    from scorers.reports import ReviewError

    if not (scorecards / "findings").is_dir():
        console.print(f"[red]no scorecards[/red] {scorecards} has no findings/")
        raise typer.Exit(2)
    try:
        rows = corpus_from_reviews(scorecards)
    except ReviewError as err:
        console.print(f"[red]review log error[/red] {err}")
        raise typer.Exit(2)
    write_corpus(rows, out)
    counts = Counter(f"{r['task']}:{'' if r['labels'] else 'not '}{reviewed_head(r)}" for r in rows)
    console.print(f"{len(rows)} examples → {out} ({dict(sorted(counts.items()))}); "
                  f"train with --corpus {out.parent}", highlight=False)
