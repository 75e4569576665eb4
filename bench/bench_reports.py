#!/usr/bin/env python3
"""Time rendering both HTML reports on a month of generated scorecards.

    python bench/bench_reports.py [--calls 12000 --days 30 --agents 400 --seed 7] [--workers N] [--keep DIR]

Generates the calls with ../shared/bench/gen_calls.py (seeded, cached under
bench/), scores them with scorers.batch.run_batch (timed, but not part of the
figure), then times the coaches' site (team overview and one page per agent,
default period: the last 7 nights) and the compliance queue. Prints the time
of each, the pages written and their size. A benchmark, not a test: it
asserts nothing, it reports. Target: both reports in under 60 s on the
project's 2-core machine.

At a bank's size (a million calls a night), make the scorecards with
bench/synth_store.py (seconds, no scoring) and time the reports on them, one
process each, CPU time and peak memory included (workers counted)::

    python bench/synth_store.py --out /tmp/s1m --calls 1000000
    python bench/bench_reports.py --store /tmp/s1m
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scorers.batch import run_batch  # noqa: E402
from scorers.reports import build_agent_report, build_compliance_report  # noqa: E402
from scorers.rubric import load_rubric  # noqa: E402

GENERATOR = ROOT.parent / "shared" / "bench" / "gen_calls.py"


def generated(calls: int, days: int, agents: int, seed: int) -> Path:
    path = ROOT / "bench" / f"reports-{calls}-d{days}-a{agents}-s{seed}.jsonl"
    if not path.exists():
        if not GENERATOR.exists():
            sys.exit(f"bench: {GENERATOR} not found; pass --input FILE")
        subprocess.run([sys.executable, str(GENERATOR), "--calls", str(calls), "--days", str(days),
                        "--agents", str(agents), "--seed", str(seed), "--out", str(path)], check=True)
    return path


def size_mib(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**20


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--calls", type=int, default=12000)
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--agents", type=int, default=400)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--input", type=Path, help="score this file instead of generating one")
    ap.add_argument("--rubric", type=Path, default=ROOT / "rubrics" / "default.yaml")
    ap.add_argument("--workers", type=int, default=None, help="processes for agent pages (default: one per core)")
    ap.add_argument("--keep", type=Path, help="keep scorecards and reports in this folder")
    ap.add_argument("--store", type=Path, help="time `callqa report agents|compliance` on this scorecard folder "
                    "(e.g. from bench/synth_store.py), each in its own process, with CPU time and peak memory")
    args = ap.parse_args()
    if args.store:
        return time_store(args.store, args.keep)

    source = args.input or generated(args.calls, args.days, args.agents, args.seed)
    work = args.keep or Path(tempfile.mkdtemp(prefix="callqa-bench-reports-"))
    out = work / "out"
    try:
        t0 = time.perf_counter()
        summary = run_batch(source, out, load_rubric(args.rubric))
        t1 = time.perf_counter()
        rubric = load_rubric(args.rubric, build=False)
        agents = build_agent_report(out, out / "reports" / "agents", rubric, workers=args.workers)
        t2 = time.perf_counter()
        queue = build_compliance_report(out, out / "reports" / "compliance", rubric)
        t3 = time.perf_counter()
        print(f"input            {source} ({summary.calls_scored} calls, {len(summary.dates)} nights)")
        print(f"scoring          {t1 - t0:6.2f} s  (run_batch, not part of the report time)")
        print(f"agents report    {t2 - t1:6.2f} s  {agents.pages} pages ({agents.agents} agents, {agents.calls} calls, "
              f"{agents.since}..{agents.until}), {size_mib(agents.dest):.1f} MiB")
        print(f"compliance       {t3 - t2:6.2f} s  {queue.total} cases ({queue.pending} pending), "
              f"{size_mib(queue.dest):.1f} MiB")
        print(f"both reports     {t3 - t1:6.2f} s")
        print(f"reports in       {out / 'reports'}" if args.keep else "reports removed (use --keep DIR to look)")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


def time_store(store: Path, keep: Path | None) -> None:
    work = keep or Path(tempfile.mkdtemp(prefix="callqa-bench-reports-"))
    env = dict(__import__("os").environ, PYTHONPATH=str(ROOT))  # this checkout's code
    callqa = Path(sys.executable).with_name("callqa")
    try:
        for report in ("agents", "compliance"):
            print(f"{report} report on {store}:", flush=True)
            subprocess.run([sys.executable, str(ROOT / "bench" / "peak_rss.py"), "--", str(callqa), "report", report,
                            "-s", str(store), "-o", str(work / report)], env=env, check=True)
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
