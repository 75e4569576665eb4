#!/usr/bin/env python3
"""False alarms on text nobody here wrote: rules alone against the rubric with its model.

    python bench/check_ood.py [--calls ../shared/eval/ood/calls.jsonl] [--part measure|train|all]
                              [--rubric rubrics/default.yaml] [--sample 100 --sample-out FILE.tsv]
                              [--record NAME]
    python bench/check_ood.py --checked FILE.tsv [--record NAME]
    python bench/check_ood.py --text data/pretrain/kdconv_dialogue.txt.gz --sample 100 ...

Scores the measurement half of ``../shared/eval/ood/`` (travel-booking dialogues
from CrossWOZ and MultiWOZ-zh; the other half trains the model, see
``scorers/models/ood_split.py``) twice — ``--rules-only`` and as configured — and
prints the calls vetoed by each, and violations per 100 calls by criterion and
by basis (rule / model / both), counted or suspected (model-only findings of a
``suggest`` criterion, which cost nothing until a reviewer confirms them). These
dialogues are not bank calls: there is no investment to over-promise and
nobody's card number to read out, so nearly every compliance violation here is
a false alarm. It also prints how often the model abstained (inputs unlike its
training data) and, with ``--sample N``, writes N random model-basis findings
to a TSV for hand-checking (criterion, outcome, confidence, evidence).

``--text`` scores plain text instead (one utterance per line, e.g. the
permissively licensed corpora in ``data/pretrain/``; the ``measure`` half of
the lines, by a hash of each line, is one the heads never saw labelled, the
other half trains them, see ``data/training/text/``): consecutive lines become
calls of 10 utterances, customer and agent in turn. That yields enough model findings to
hand-check a sample of 100 when the ood half alone yields few.

A benchmark, not a test: it asserts nothing, it reports.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scorers.batch import load_batch, score_calls  # noqa: E402
from scorers.finding import VIOLATION  # noqa: E402
from scorers.models.ood_split import ood_part  # noqa: E402
from scorers.rubric import load_rubric  # noqa: E402

DEFAULT_CALLS = ROOT.parent / "shared" / "eval" / "ood" / "calls.jsonl"


def part_of(calls_path: Path, part: str, folder: Path) -> Path:
    """The calls of one half, written to ``folder`` as JSONL (the file the scorers read)."""
    out = folder / f"ood-{part}.jsonl"
    with calls_path.open(encoding="utf-8") as src, out.open("w", encoding="utf-8") as dst:
        for line in src:
            if line.strip() and (part == "all" or ood_part(json.loads(line)["call_id"]) == part):
                dst.write(line)
    return out


def text_calls(paths: list[Path], part: str, folder: Path, per_call: int = 10) -> Path:
    """Plain-text lines (.txt or .txt.gz) of one half as pseudo-calls of ``per_call`` utterances, customer first.

    The halves are split by a hash of the line, as ``data/training/text/build.py`` splits them.
    """
    import gzip

    out = folder / "text-calls.jsonl"
    with out.open("w", encoding="utf-8") as dst:
        for path in paths:
            opener = gzip.open if path.name.endswith(".gz") else open
            with opener(path, "rt", encoding="utf-8") as src:
                lines = [line.strip() for line in src
                         if line.strip() and (part == "all" or ood_part(line.strip()) == part)]
            for n, start in enumerate(range(0, len(lines) - per_call + 1, per_call)):
                turns = [{"speaker": "customer" if i % 2 == 0 else "agent", "text": t}
                         for i, t in enumerate(lines[start:start + per_call])]
                dst.write(json.dumps({"call_id": f"{path.name.split('.')[0]}-{n}", "agent_id": "text",
                                      "team": "text", "channel": "chat",
                                      "started_at": "2026-11-21T10:00:00+08:00", "utterances": turns},
                                     ensure_ascii=False) + "\n")
    return out


def tally(scored) -> dict:
    violations: Counter = Counter()
    model_findings: Counter = Counter()  # what the model alone found, met or violation
    for s in scored:
        for f in s.findings:
            if f.outcome == VIOLATION:
                violations[(f.criterion, f.basis, "counted" if f.counted else "suspected")] += 1
            if f.basis == "model":
                model_findings[(f.criterion, f.outcome)] += 1
    return {"calls": len(scored), "vetoed": sum(s.vetoed for s in scored), "violations": violations,
            "model_findings": model_findings}


def report(rules: dict, fused: dict, model) -> dict:
    """Print the comparison; return its figures (for ``--record``)."""
    n = rules["calls"]
    per100 = 100.0 / n if n else 0.0
    print(f"calls: {n}")
    print(f"vetoed: rules alone {rules['vetoed']} ({rules['vetoed'] * per100:.1f} %), "
          f"as configured {fused['vetoed']} ({fused['vetoed'] * per100:.1f} %), "
          f"difference {(fused['vetoed'] - rules['vetoed']) * per100:+.1f} points")
    print("\nviolations per 100 calls (as configured), by criterion and basis:")
    print(f"{'criterion':<22}{'rules alone':>12}{'rule':>8}{'both':>8}{'model':>8}{'suspected':>11}")
    criteria = sorted({c for c, _, _ in rules["violations"]} | {c for c, _, _ in fused["violations"]})
    for c in criteria:
        alone = sum(v for (cc, _, _), v in rules["violations"].items() if cc == c)
        by = {b: sum(v for (cc, bb, st), v in fused["violations"].items() if cc == c and bb == b and st == "counted")
              for b in ("rule", "both", "model")}
        suspected = sum(v for (cc, _, st), v in fused["violations"].items() if cc == c and st == "suspected")
        print(f"{c:<22}{alone * per100:>12.2f}{by['rule'] * per100:>8.2f}{by['both'] * per100:>8.2f}"
              f"{by['model'] * per100:>8.2f}{suspected * per100:>11.2f}")
    model_only = {f"{c} {o}": round(v * per100, 2) for (c, o), v in sorted(fused["model_findings"].items())}
    print("\nmodel-only findings per 100 calls (counted or not): "
          + (", ".join(f"{k} {v:.2f}" for k, v in model_only.items()) or "none"))
    figures = {"calls": n, "vetoed_rules_alone": rules["vetoed"], "vetoed_as_configured": fused["vetoed"],
               "model_only_findings_per_100_calls": model_only}
    if model is not None and model.looked_at:
        abstained = sum(model.abstained.values())
        reasons = ", ".join(f"{k} {v}" for k, v in sorted(model.abstained.items()))
        print(f"\nmodel {model.name} {model.version}: abstained on {abstained} of {model.looked_at} utterances "
              f"({100.0 * abstained / model.looked_at:.1f} %: {reasons})")
        figures.update({"utterances_looked_at": model.looked_at, "abstained": abstained,
                        "abstention_rate": round(abstained / model.looked_at, 4),
                        "abstained_by_reason": dict(model.abstained)})
    return figures


def checked_precision(path: Path) -> dict:
    """Precision of a hand-checked sample: the ``correct`` column filled with y / n (blank: not judged)."""
    import csv

    with path.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    judged = [r for r in rows if r.get("correct", "").strip().lower() in ("y", "n")]
    right = sum(r["correct"].strip().lower() == "y" for r in judged)
    by: dict = {}
    for r in judged:
        k = f"{r['criterion']} {r['outcome']}"
        by.setdefault(k, [0, 0])
        by[k][0] += r["correct"].strip().lower() == "y"
        by[k][1] += 1
    return {"file": path.name, "judged": len(judged), "correct": right,
            "precision": round(right / len(judged), 3) if judged else None,
            "by_kind": {k: f"{a}/{b}" for k, (a, b) in sorted(by.items())}}


def sample_model_findings(scored, n: int, seed: int, out: Path) -> int:
    rows = [(s.call, f) for s in scored for f in s.findings if f.basis == "model"]
    random.Random(seed).shuffle(rows)
    rows = rows[:n]
    with out.open("w", encoding="utf-8") as f:
        f.write("call_id\tutterance_index\tcriterion\toutcome\tcounted\tconfidence\tprevious\tevidence\tcorrect\n")
        for call, x in rows:
            i = x.utterance_index
            before = call.utterances[i - 1] if i is not None and i > 0 else None
            previous = f"{before.speaker}: {before.text}" if before is not None else ""
            f.write(f"{call.call_id}\t{i}\t{x.criterion}\t{x.outcome}\t{x.counted}\t{x.confidence:.3f}"
                    f"\t{previous.replace(chr(9), ' ')}\t{x.evidence.replace(chr(9), ' ')}\t\n")
    return len(rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--calls", type=Path, default=DEFAULT_CALLS)
    ap.add_argument("--text", type=Path, action="append", default=[],
                    help="plain text (.txt/.txt.gz, one utterance a line) to score instead of --calls")
    ap.add_argument("--part", choices=("measure", "train", "all"), default="measure")
    ap.add_argument("--rubric", type=Path, default=ROOT / "rubrics" / "default.yaml")
    ap.add_argument("--sample", type=int, default=0, help="model findings to write for hand-checking")
    ap.add_argument("--sample-out", type=Path, default=Path("ood-model-findings.tsv"))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--checked", type=Path, help="a sample TSV whose 'correct' column a person filled (y/n): "
                                                 "print its precision (and --record it) instead of scoring")
    ap.add_argument("--record", metavar="NAME", help="write the figures into the model card's evaluation[NAME] "
                                                      "(the model of --rubric)")
    args = ap.parse_args()
    if args.checked:
        figures = checked_precision(args.checked)
        print(json.dumps(figures, ensure_ascii=False, indent=1))
        if args.record:
            record(load_rubric(args.rubric), args.record, figures)
        return
    with tempfile.TemporaryDirectory() as tmp:
        if args.text:
            calls = load_batch(text_calls(args.text, args.part, Path(tmp))).calls
            print(f"{', '.join(map(str, args.text))} ({args.part} half of the lines) as calls of 10 utterances, "
                  f"rubric {args.rubric}")
        else:
            if not args.calls.is_file():
                sys.exit(f"{args.calls}: not found (the shared out-of-domain set lives in ../shared/eval/ood/)")
            calls = load_batch(part_of(args.calls, args.part, Path(tmp))).calls
            print(f"{args.calls} ({args.part} half), rubric {args.rubric}")
    rules = tally(score_calls(calls, load_rubric(args.rubric, models=False)))
    rubric = load_rubric(args.rubric)
    scored = score_calls(calls, rubric)
    figures = report(rules, tally(scored), rubric.model)
    figures["input"] = ([f"{p} ({args.part} half of the lines)" for p in args.text] if args.text
                        else f"{args.calls.name} ({args.part} half)")
    figures["rubric"] = f"{rubric.id}@{rubric.version}"
    if args.sample:
        n = sample_model_findings(scored, args.sample, args.seed, args.sample_out)
        print(f"\n{n} model findings for hand-checking: {args.sample_out}")
    if args.record:
        record(rubric, args.record, figures)


def record(rubric, name: str, figures: dict) -> None:
    """``figures`` into the model card of ``rubric``'s model, as ``evaluation[name]``."""
    from scorers.models.card import record_evaluation

    if rubric.model is None:
        sys.exit(f"{rubric.path}: no model to record figures for")
    record_evaluation(rubric.model.classifier.path, name, figures)
    print(f"recorded as evaluation[{name!r}] in {rubric.model.classifier.path}/model_card.json")


if __name__ == "__main__":
    main()
