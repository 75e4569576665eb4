#!/usr/bin/env python3
"""False alarms on text nobody here wrote: rules alone against the rubric with its model.

    python bench/check_ood.py [--calls ../shared/eval/ood/calls.jsonl] [--part measure|train|all]
                              [--rubric rubrics/default.yaml] [--sample 100 --sample-out FILE.tsv]

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


def tally(scored) -> dict:
    violations: Counter = Counter()
    for s in scored:
        for f in s.findings:
            if f.outcome == VIOLATION:
                violations[(f.criterion, f.basis, "counted" if f.counted else "suspected")] += 1
    return {"calls": len(scored), "vetoed": sum(s.vetoed for s in scored), "violations": violations}


def report(rules: dict, fused: dict, model) -> None:
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
    if model is not None and model.looked_at:
        abstained = sum(model.abstained.values())
        reasons = ", ".join(f"{k} {v}" for k, v in sorted(model.abstained.items()))
        print(f"\nmodel {model.name} {model.version}: abstained on {abstained} of {model.looked_at} utterances "
              f"({100.0 * abstained / model.looked_at:.1f} %: {reasons})")


def sample_model_findings(scored, n: int, seed: int, out: Path) -> int:
    rows = [(s.call.call_id, f) for s in scored for f in s.findings if f.basis == "model"]
    random.Random(seed).shuffle(rows)
    rows = rows[:n]
    with out.open("w", encoding="utf-8") as f:
        f.write("call_id\tutterance_index\tcriterion\toutcome\tcounted\tconfidence\tevidence\tcorrect\n")
        for call_id, x in rows:
            f.write(f"{call_id}\t{x.utterance_index}\t{x.criterion}\t{x.outcome}\t{x.counted}\t{x.confidence:.3f}"
                    f"\t{x.evidence.replace(chr(9), ' ')}\t\n")
    return len(rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--calls", type=Path, default=DEFAULT_CALLS)
    ap.add_argument("--part", choices=("measure", "train", "all"), default="measure")
    ap.add_argument("--rubric", type=Path, default=ROOT / "rubrics" / "default.yaml")
    ap.add_argument("--sample", type=int, default=0, help="model findings to write for hand-checking")
    ap.add_argument("--sample-out", type=Path, default=Path("ood-model-findings.tsv"))
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    if not args.calls.is_file():
        sys.exit(f"{args.calls}: not found (the shared out-of-domain set lives in ../shared/eval/ood/)")
    with tempfile.TemporaryDirectory() as tmp:
        calls = load_batch(part_of(args.calls, args.part, Path(tmp))).calls
    print(f"{args.calls} ({args.part} half), rubric {args.rubric}")
    rules = tally(score_calls(calls, load_rubric(args.rubric, models=False)))
    rubric = load_rubric(args.rubric)
    scored = score_calls(calls, rubric)
    report(rules, tally(scored), rubric.model)
    if args.sample:
        n = sample_model_findings(scored, args.sample, args.seed, args.sample_out)
        print(f"\n{n} model findings for hand-checking: {args.sample_out}")


if __name__ == "__main__":
    main()
