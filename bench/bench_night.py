#!/usr/bin/env python3
"""A whole night end to end, as the scheduler runs it: wall clock, CPU and peak memory of the process tree.

    python bench/bench_night.py --calls 10000 [--workers 1 2] [--nightly] [--model] [--days 1]
    python bench/bench_night.py --input bench/distinct-100000.jsonl --workers 2 --nightly-only --model

Generates the night with ../shared/bench/gen_calls.py (seeded, kept in bench/),
then runs ``callqa score`` (rules only unless ``--model``) once per ``--workers``
value, and with ``--nightly`` also ``callqa nightly`` (the Prefect flow, with
reports; ``--nightly-only``: that alone), each in a fresh output folder, all rules
only unless ``--model``. ``--input`` times a night already written (e.g. the
distinct-text night of ``bench/distinct_night.py``) instead of a generated one. For each run it prints wall seconds,
calls/s, the CPU seconds (user + sys) of the whole process tree, and the peak
resident memory of the tree, all sampled from /proc every 0.2 s (the scoring
workers are grandchildren, which ``getrusage`` does not see). The machine is
shared: compare CPU seconds and runs of the same invocation, not one wall figure.

A benchmark, not a test: it asserts nothing, it reports.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from bench_scoring import generated_night  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            ppid = int(stat[stat.rindex(")") + 2:].split()[1])
            tree.setdefault(ppid, []).append(int(entry))
    return tree


def _tree(root: int) -> list[int]:
    tree, out, todo = _children(), [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(tree.get(pid, []))
    return out


def _sample(pid: int) -> tuple[float, int] | None:
    """(CPU seconds, resident bytes) of one process, or None when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text()
        fields = fields[fields.rindex(")") + 2:].split()
        rss = int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
    except (OSError, ValueError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / TICKS, rss


def measure(argv: list[str]) -> dict:
    started = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    cpu: dict[int, float] = {}
    own_peak: dict[int, int] = {}
    names: dict[int, str] = {}
    peak, at_peak = 0, {}
    while proc.poll() is None:
        total, now = 0, {}
        for pid in _tree(proc.pid):
            got = _sample(pid)
            if got:
                cpu[pid] = max(cpu.get(pid, 0.0), got[0])
                total += got[1]
                now[pid] = got[1]
                own_peak[pid] = max(own_peak.get(pid, 0), got[1])
                if pid not in names:
                    names[pid] = _name(pid)
        if total > peak:
            peak, at_peak = total, now
        time.sleep(0.2)
    output = proc.stdout.read()
    processes = sorted(((own_peak[pid], at_peak.get(pid, 0), cpu.get(pid, 0.0), names.get(pid, "?"))
                        for pid in own_peak), reverse=True)
    return {"rc": proc.returncode, "wall": time.perf_counter() - started, "cpu": sum(cpu.values()),
            "peak_gib": peak / 2**30, "output": output, "processes": processes}


def _name(pid: int) -> str:
    """A short name for a process of the tree: its command line, less the interpreter's path."""
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return "?"
    words = [a.decode(errors="replace") for a in argv if a]
    words = [w.rsplit("/", 1)[-1] if i < 2 else w for i, w in enumerate(words)]
    return " ".join(words)[:90]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--calls", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--days", type=int, default=1)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--nightly", action="store_true", help="also run the Prefect flow (with reports)")
    ap.add_argument("--nightly-only", action="store_true", help="only the Prefect flow")
    ap.add_argument("--input", type=Path, help="a night's JSONL to time instead of a generated one")
    ap.add_argument("--model", action="store_true", help="score with the rubric's model (default: rules only)")
    ap.add_argument("--processes", action="store_true",
                    help="also list the largest processes of the tree: own peak, share of the tree's peak, CPU")
    ap.add_argument("--log", type=Path, help="write each run's output (Prefect's timestamped log) to this file")
    args = ap.parse_args()
    if args.input:
        night = args.input
        with open(night, "rb") as f:
            args.calls = sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b""))
    else:
        night = generated_night(args.calls, args.seed, args.days)
    callqa = str(Path(sys.executable).parent / "callqa")
    rules = [] if args.model else ["--rules-only"]
    runs = [] if args.nightly_only else [
        (f"score --workers {w}", [callqa, "score", "-i", str(night), "-q", "--workers", str(w)] + rules)
        for w in args.workers]
    if args.nightly or args.nightly_only:
        runs.append((f"nightly --workers {args.workers[-1]}",
                     [callqa, "nightly", "-i", str(night), "--workers", str(args.workers[-1])] + rules))
    print(f"night: {night} ({args.calls} calls), {'rules + model' if args.model else 'rules only'}")
    for name, argv in runs:
        with tempfile.TemporaryDirectory() as out:
            r = measure(argv + ["-o", out])
        status = "ok" if r["rc"] in (0, 3) else f"FAILED (exit {r['rc']})\n{r['output'][-2000:]}"
        if args.log:
            with open(args.log, "a", encoding="utf-8") as log:
                log.write(f"=== {name}\n{r['output']}\n")
        print(f"{name:<22} {r['wall']:7.1f} s wall  {args.calls / r['wall']:7.0f} calls/s  "
              f"{r['cpu']:7.1f} CPU-s  {args.calls / max(r['cpu'], 1e-9):6.0f} calls per CPU-s  "
              f"peak {r['peak_gib']:.2f} GiB  {status}")
        if args.processes:
            print("    own peak  at tree peak    CPU-s  process")
            for own, at_peak, cpu, name in r["processes"][:8]:
                print(f"    {own / 2**30:6.2f} GiB  {at_peak / 2**30:6.2f} GiB  {cpu:7.1f}  {name}")


if __name__ == "__main__":
    main()
