#!/usr/bin/env python3
"""Run a command; print its CPU time (user+sys, children included), wall time, and peak memory.

    python bench/peak_rss.py -- callqa report agents -s OUT -o SITE

Peak memory two ways: ``max_rss`` (the largest single process, as ``/usr/bin/time -v``
reports it) and ``tree_rss`` (the most the command and all its worker processes held
at once, sampled every 50 ms): the budget of a nightly run is the second.
"""
from __future__ import annotations

import os
import resource
import subprocess
import sys
import time

import psutil


def tree_rss(proc: psutil.Process) -> int:
    total = 0
    for p in [proc] + proc.children(recursive=True):
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


def main() -> None:
    argv = sys.argv[1:]
    if argv and argv[0] == "--":
        argv = argv[1:]
    t0 = time.perf_counter()
    child = subprocess.Popen(argv)
    proc = psutil.Process(child.pid)
    peak = 0
    while child.poll() is None:
        try:
            peak = max(peak, tree_rss(proc))
        except psutil.Error:
            pass
        time.sleep(0.05)
    wall = time.perf_counter() - t0
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(f"rc={child.returncode} cpu={usage.ru_utime + usage.ru_stime:.1f}s (user {usage.ru_utime:.1f} "
          f"sys {usage.ru_stime:.1f}) wall={wall:.1f}s max_rss={usage.ru_maxrss / 1024:.0f}MiB "
          f"tree_rss={peak / 2**20:.0f}MiB", file=sys.stderr, flush=True)
    sys.exit(child.returncode)


if __name__ == "__main__":
    main()
