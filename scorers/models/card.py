"""The model card: what a model was trained on, how it was calibrated, and how it was measured.

``model_card.json`` is read back by the scorer (name, version, labels, calibration,
thresholds); ``README.md`` beside it says the same for people. Training writes
both (:func:`scorers.models.training.model_card`); measurements made later on
text the model never saw (``bench/check_ood.py --record``) are added with
:func:`record_evaluation`, so the card a bank's model-risk reviewer reads holds
every figure the README quotes.
"""
from __future__ import annotations

import json
from pathlib import Path

CARD_FILE = "model_card.json"
PRETRAINING_FILE = "pretraining.json"  # written by scorers.models.pretraining next to an encoder
SOURCES_FILE = "sources.json"  # a corpus folder's list of files, sources and licences


def pretraining_record(base: Path | str | None) -> dict:
    """What the encoder under ``base`` was pretrained on, with each corpus folder's licences when it lists them."""
    if base is None or not (Path(base) / PRETRAINING_FILE).is_file():
        return {}
    record = json.loads((Path(base) / PRETRAINING_FILE).read_text(encoding="utf-8"))
    for source in record.get("sources", []):
        listed = Path(source.get("path", "")) / SOURCES_FILE
        if listed.is_file():
            source["files"] = json.loads(listed.read_text(encoding="utf-8")).get("files", [])
    return record


def read_card(model_dir: Path | str) -> dict:
    return json.loads((Path(model_dir) / CARD_FILE).read_text(encoding="utf-8"))


def write_card(model_dir: Path | str, card: dict) -> None:
    """Both files, from the one dict."""
    model_dir = Path(model_dir)
    (model_dir / CARD_FILE).write_text(json.dumps(card, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    (model_dir / "README.md").write_text(render_readme(card), encoding="utf-8")


def record_evaluation(model_dir: Path | str, name: str, figures: dict) -> dict:
    """Add (or replace) ``evaluation[name]`` in the card; returns the card."""
    card = read_card(model_dir)
    card.setdefault("evaluation", {})[name] = figures
    write_card(model_dir, card)
    return card


def _table(header: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def render_readme(card: dict) -> str:
    """The card for people: data, pretraining and licences, held-back metrics, calibration, thresholds, evaluations."""
    data = card.get("data", {})
    parts = [f"# {card.get('name')} {card.get('version')}",
             f"Utterance classifier for callqa (heads: {', '.join(card.get('labels', []))}).",
             f"- base: {card.get('base')}\n- trained: {card.get('created')} in {card.get('training_seconds')} s, "
             f"seed {card.get('config', {}).get('seed')}\n- data: {data.get('n_examples')} examples from "
             f"{', '.join(data.get('sources', [])) or 'memory'}; sha256 {data.get('sha256')}"]
    pre = card.get("pretraining") or {}
    if pre:
        files = [f for s in pre.get("sources", []) for f in s.get("files", [])]
        parts.append(f"## Pretraining (masked-language modelling)\n\n{pre.get('lines')} distinct lines, "
                     f"{pre.get('characters')} characters, {pre.get('steps')} steps, final loss {pre.get('final_loss')}, "
                     f"from: {', '.join(s.get('path', '') for s in pre.get('sources', []))}.")
        if files:
            parts.append(_table(["file", "source", "licence"],
                                [[f.get("file"), f.get("source"), f.get("licence")] for f in files]))
    metrics = card.get("holdout_metrics_at_0.5", {})
    if metrics:
        parts.append(f"## Held-back split ({card.get('split', {}).get('holdout')} examples, threshold 0.5)\n\n" +
                     _table(["head", "n", "positives", "precision", "recall", "F1"],
                            [[h, m["n"], m["positives"], f"{m['precision']:.3f}", f"{m['recall']:.3f}",
                              f"{m['f1']:.3f}"] for h, m in metrics.items()]))
    calibration = card.get("calibration", {})
    if calibration:
        parts.append("## Calibration (temperature scaling on the held-back split)\n\n" +
                     _table(["head", "temperature", "ECE before", "ECE after"],
                            [[h, c["temperature"], c["ece_before"], c["ece_after"]] for h, c in calibration.items()]))
    thresholds = card.get("thresholds", {})
    if thresholds:
        parts.append("## Thresholds (lowest calibrated score reaching the target precision on held-back data; "
                     "above 1: unreachable, the head never fires)\n\n" +
                     _table(["head", "target precision", "threshold", "precision", "recall"],
                            [[h, t.get("target_precision"), t.get("threshold"), t.get("precision"), t.get("recall")]
                             for h, t in thresholds.items()]))
    for name, figures in card.get("evaluation", {}).items():
        parts.append(f"## Evaluation: {name}\n\n```json\n{json.dumps(figures, ensure_ascii=False, indent=1)}\n```")
    return "\n\n".join(parts) + "\n"
