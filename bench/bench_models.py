#!/usr/bin/env python3
"""Speed of the model scorers: classifier inference alone, and the whole nightly flow with models.

    python bench/bench_models.py --calls 10000 [--rubric FILE] [--skip-nightly]

1. Inference: every utterance of the generated night that the default rubric's
   model reads (agent and customer utterances, ask-back pairs) scored by the
   classifier in its production batches, on ``--threads`` threads: inputs/s.
   The generator repeats its sentences (and the classifier's cache would hide
   the cost), so with ``--distinct`` every input gets a different tail: a
   clause of 4-20 characters cut from the Tatoeba/KdConv lines in
   ``data/pretrain/``, so lengths and characters vary as real talk does.
2. Nightly: ``callqa nightly`` (the Prefect flow, rules + model, scorecards and
   reports) on the same night, wall clock, as the scheduler would run it.
A benchmark, not a test: it asserts nothing, it reports.
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
sys.path.insert(0, str(ROOT / "bench"))

from bench_scoring import generated_night  # noqa: E402
from scorers.batch import load_batch  # noqa: E402
from scorers.rubric import load_rubric  # noqa: E402


def distinct_items(items: list, seed: int) -> list:
    """Each input with a different tail of real text (:func:`distinct_night.with_tail`), so nothing is cached."""
    import random

    from distinct_night import tail_lines, with_tail

    rng, lines = random.Random(seed), tail_lines()
    return [(task, with_tail(text, n, rng, lines), context) for n, (task, text, context) in enumerate(items)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--calls", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--rubric", type=Path, default=ROOT / "rubrics" / "default.yaml")
    ap.add_argument("--skip-nightly", action="store_true")
    ap.add_argument("--inference-sample", type=int, default=50000, help="inputs timed through the model")
    ap.add_argument("--distinct", action="store_true", help="give every input a different tail (see above)")
    ap.add_argument("--threads", type=int, default=1, help="torch threads for the inference timing")
    args = ap.parse_args()

    source = generated_night(args.calls, args.seed, 1)
    rubric = load_rubric(args.rubric)
    if rubric.model is None:
        sys.exit(f"bench: {args.rubric} uses no model")
    batch = load_batch(source)
    model = rubric.model
    items = [item for call in batch.calls for _, _, item in model._items(call)]
    if args.distinct:
        items = distinct_items(items, args.seed)
    kinds = {k: sum(1 for t, _, _ in items if t == k) for k in ("agent", "customer", "pair")}
    model.classifier.predict(items[:256])  # load the checkpoint and warm up
    import torch

    torch.set_num_threads(args.threads)
    cpu0 = time.process_time()
    sample = items[:args.inference_sample]
    t0 = time.perf_counter()
    model.classifier.predict_distinct(sample)  # every input through the model, duplicates included
    seconds = time.perf_counter() - t0
    cpu = time.process_time() - cpu0
    distinct = len(set(items))
    print(f"model            {model.name} {model.version} (heads: {', '.join(sorted(model.heads))})")
    print(f"input            {source} ({len(batch.calls)} calls)")
    print(f"inputs           {len(items)} for the night ({kinds}), {distinct} distinct "
          f"(identical inputs are scored once)")
    print(f"inference        {len(sample)} inputs{' (all distinct)' if args.distinct else ', duplicates included'}, "
          f"{args.threads} thread(s): {seconds:.1f} s wall, {cpu:.1f} CPU-s: {len(sample) / seconds:.0f} inputs/s "
          f"wall, {len(sample) / cpu:.0f} inputs per CPU-second")
    print(f"peak memory      {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB (max RSS)")
    if args.skip_nightly:
        return
    with tempfile.TemporaryDirectory() as out:
        t0 = time.perf_counter()
        proc = subprocess.run([str(Path(sys.executable).parent / "callqa"), "nightly", "--input", str(source),
                               "--out", out, "--rubric", str(args.rubric)], capture_output=True, text=True)
        wall = time.perf_counter() - t0
        kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    status = "ok" if proc.returncode in (0, 3) else f"FAILED (exit {proc.returncode})\n{proc.stderr[-3000:]}"
    print(f"nightly flow     {wall:.1f} s wall clock for {len(batch.calls)} calls "
          f"({len(batch.calls) / wall:.0f} calls/s; rules + model, scorecards, reports): {status}")
    print(f"peak memory      {kids:.0f} MiB (max RSS of the nightly process)")


if __name__ == "__main__":
    main()
