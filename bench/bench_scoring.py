#!/usr/bin/env python3
"""Throughput and memory of scoring on a generated night.

    python bench/bench_scoring.py --calls 10000 [--input FILE] [--rubric FILE] [--rules-only] [--cpu-time]

Generates the night with ../shared/bench/gen_calls.py (seeded) unless --input
is given, then times, in this single process (one core): loading and
validating, scoring, and then the whole streamed run (``run_batch``: read, score,
write, agents, commit). Prints calls/s for scoring
alone and end to end, and the peak resident memory. A benchmark, not a test:
it asserts nothing, it reports.
"""
from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scorers.batch import load_batch, run_batch, score_calls  # noqa: E402
from scorers.rubric import load_rubric  # noqa: E402

GENERATOR = ROOT.parent / "shared" / "bench" / "gen_calls.py"


def generated_night(calls: int, seed: int, days: int) -> Path:
    path = ROOT / "bench" / f"night-{calls}-s{seed}-d{days}.jsonl"
    if not path.exists():
        if not GENERATOR.exists():
            sys.exit(f"bench: {GENERATOR} not found; pass --input FILE")
        subprocess.run([sys.executable, str(GENERATOR), "--calls", str(calls), "--seed", str(seed),
                        "--days", str(days), "--out", str(path)], check=True)
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--calls", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--days", type=int, default=1)
    ap.add_argument("--input", type=Path)
    ap.add_argument("--rubric", type=Path, default=ROOT / "rubrics" / "default.yaml")
    ap.add_argument("--rules-only", action="store_true", help="ignore the rubric's model settings (rule scorers only)")
    ap.add_argument("--cpu-time", action="store_true",
                    help="time with this process's CPU time instead of the wall clock (steadier on a shared machine)")
    args = ap.parse_args()

    source = args.input or generated_night(args.calls, args.seed, args.days)
    clock = time.process_time if args.cpu_time else time.perf_counter
    t0 = clock()
    rubric = load_rubric(args.rubric, models=not args.rules_only)
    t1 = clock()
    batch = load_batch(source)
    t2 = clock()
    score_calls(batch.calls, rubric)
    t3 = clock()
    with tempfile.TemporaryDirectory() as out:  # the night as callqa score runs it, streamed, one process
        summary = run_batch(source, Path(out), rubric, workers=1)
    t4 = clock()

    n = len(batch.calls)
    utterances = sum(len(c.utterances) for c in batch.calls)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"clock            {'process CPU time' if args.cpu_time else 'wall clock'}")
    print(f"input            {source} ({n} calls, {utterances} utterances, {len(batch.rejections)} rejected)")
    print(f"rubric           {rubric.id}@{rubric.version}, {len(rubric.criteria)} criteria, "
          f"model: {rubric.model_name or 'none (rules only)'}")
    print(f"rubric load      {t1 - t0:6.2f} s  (lexicons, jieba dictionary)")
    print(f"load + validate  {t2 - t1:6.2f} s  {n / (t2 - t1):8.0f} calls/s  (JSON, normalisation)")
    print(f"score            {t3 - t2:6.2f} s  {n / (t3 - t2):8.0f} calls/s  {utterances / (t3 - t2):8.0f} utterances/s"
          f"  {1000 * (t3 - t2) / n:.3f} ms/call")
    print(f"end to end       {t4 - t3:6.2f} s  {n / (t4 - t3):8.0f} calls/s  (run_batch: read, score, write "
          "and agents, streamed shard by shard, one process)")
    print(f"peak memory      {peak_mib:6.0f} MiB (max RSS)")
    print("findings         " + ", ".join(f"{c}: {v} violations / {summary.met[c]} met"
                                           for c, v in summary.violations.items()))


if __name__ == "__main__":
    main()
