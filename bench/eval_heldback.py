#!/usr/bin/env python3
"""Rules alone against rules + model on the model's held-back examples.

    python bench/eval_heldback.py [--rubric rubrics/default.yaml]

The held-back split (``split`` with the model card's seed and share) is data
the model never trained on, and the rule word lists were never tuned on the
training corpus either, so this is a fair place to ask what the model adds.
Each held-back agent utterance is scored as a one-utterance call, each pair as
a customer turn followed by the agent's, each customer utterance as a turn the
agent answers with a plain "好的" (so a violation means distress was heard),
all through the rubric's own scorers. The fused prediction follows
the rubric's own mode and threshold per criterion. Prints P/R/F1 per head.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipelines.train_cli import DEFAULT_CORPUS, DEFAULT_LABELED  # noqa: E402
from scorers.call import Call, Utterance  # noqa: E402
from scorers.finding import MET, VIOLATION  # noqa: E402
from scorers.models.examples import gather  # noqa: E402
from scorers.models.training import CARD_FILE, split  # noqa: E402
from scorers.rubric import load_rubric  # noqa: E402


def prf(gold: list[bool], pred: list[bool]) -> str:
    tp = sum(g and p for g, p in zip(gold, pred))
    fp = sum(p and not g for g, p in zip(gold, pred))
    fn = sum(g and not p for g, p in zip(gold, pred))
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return f"P {p:.2f} R {r:.2f} F1 {2 * p * r / (p + r) if p + r else 0:.2f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rubric", type=Path, default=ROOT / "rubrics" / "default.yaml")
    ap.add_argument("--record", metavar="NAME", help="also write the figures into the model card's evaluation[NAME]")
    args = ap.parse_args()
    rubric = load_rubric(args.rubric)
    crit = {c.id: c for c in rubric.criteria}
    card = json.loads((rubric.model.classifier.path / CARD_FILE).read_text(encoding="utf-8"))
    examples, _ = gather(DEFAULT_LABELED, [DEFAULT_CORPUS])
    _, held = split(examples, card["split"]["share"], card["split"]["seed"])
    empathy = crit["empathy"]
    rows = {"empathy": [], "over_promise": [], "distress": [], "paraphrase": []}
    for e in held:
        if e.task == "agent":
            call = Call("H", "A", [Utterance("agent", e.text)])
            for head, outcome in (("empathy", MET), ("over_promise", VIOLATION)):
                c = crit[head]
                rule = any(f.outcome == outcome for f in c.rule_scorer(call))
                fused = any(f.outcome == outcome for f in c.scorer(call))
                rows[head].append((head in e.labels, rule, fused))
        elif e.task == "customer":
            # a complaint no empathy answers is a violation: with a plain reply, violation <=> distress
            call = Call("H", "A", [Utterance("customer", e.text), Utterance("agent", "好的")])
            rule = any(f.outcome == VIOLATION for f in empathy.rule_scorer(call))
            fused = any(f.outcome == VIOLATION for f in empathy.scorer(call))
            rows["distress"].append(("distress" in e.labels, rule, fused))
        else:
            call = Call("H", "A", [Utterance("customer", e.context), Utterance("agent", e.text)])
            c = crit["paraphrase"]
            rule = any(f.outcome == MET for f in c.rule_scorer(call))
            fused = any(f.outcome == MET for f in c.scorer(call))
            rows["paraphrase"].append(("paraphrase" in e.labels, rule, fused))
    print(f"model {rubric.model_name} {rubric.model_version}; held-back examples: {len(held)} "
          f"(share {card['split']['share']}, seed {card['split']['seed']})")
    print(f"{'head':<14}{'n':>5}{'pos':>5}   {'rules alone':<24}{'rules + model':<24}")
    figures = {"rubric": f"{rubric.id}@{rubric.version}", "examples": len(held)}
    for head, r in rows.items():
        gold = [g for g, *_ in r]
        alone, fused = prf(gold, [x[1] for x in r]), prf(gold, [x[2] for x in r])
        print(f"{head:<14}{len(r):>5}{sum(gold):>5}   {alone:<24}{fused:<24}")
        figures[head] = {"n": len(r), "positives": sum(gold), "rules alone": alone, "rules + model": fused}
    if args.record:
        from scorers.models.card import record_evaluation

        record_evaluation(rubric.model.classifier.path, args.record, figures)
        print(f"recorded as evaluation[{args.record!r}] in the model card")


if __name__ == "__main__":
    main()
