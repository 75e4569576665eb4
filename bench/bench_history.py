#!/usr/bin/env python3
"""Does a night's store cost grow with the history already stored? Stage + commit time, night after night.

    python bench/bench_history.py --nights 31 --calls 2000

Generates one file per night (../shared/bench/gen_calls.py, one day each, seeded
per night, call ids made unique per night), scores night after night into the
same OUT with the rules, and prints for each night the CPU seconds of planning,
scoring the shards (read, score, write their part files) and staging the night
(the rows it replaces in stored files, agents, commit). Issue 9 asks that the 31st
night's writing cost stay within 20 % of the 1st's. A benchmark, not a test.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scorers.batch import commit_batch, open_night, score_shards, stage_agents, stage_night  # noqa: E402
from scorers.store import Store  # noqa: E402
from scorers.rubric import load_rubric  # noqa: E402

GENERATOR = ROOT.parent / "shared" / "bench" / "gen_calls.py"


def night_file(folder: Path, n: int, calls: int, day: date) -> Path:
    raw = folder / f"raw-{n}.jsonl"
    subprocess.run([sys.executable, str(GENERATOR), "--calls", str(calls), "--seed", str(100 + n), "--out", str(raw)],
                   check=True, capture_output=True)
    out = folder / f"night-{day.isoformat()}.jsonl"
    with raw.open(encoding="utf-8") as src, out.open("w", encoding="utf-8") as dst:
        for line in src:
            record = json.loads(line)
            record["call_id"] = f"{day.isoformat()}-{record['call_id']}"
            record["started_at"] = f"{day.isoformat()}T10:00:00+08:00"
            dst.write(json.dumps(record, ensure_ascii=False) + "\n")
    raw.unlink()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--nights", type=int, default=31)
    ap.add_argument("--calls", type=int, default=2000)
    args = ap.parse_args()
    rubric = load_rubric(ROOT / "rubrics" / "default.yaml", models=False)
    first = date(2026, 11, 1)
    writes = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        out = tmp / "out"
        for n in range(args.nights):
            path = night_file(tmp, n, args.calls, first + timedelta(days=n))
            with Store(out).acquire() as lock:
                t0 = time.process_time()
                night = open_night(path, out, rubric, lock)
                t1 = time.process_time()
                results = score_shards(night)  # read, score, write the shards' part files
                t2 = time.process_time()
                staged = stage_night(night, results)  # the night's rows replace, duplicates, totals
                stage_agents(staged)
                commit_batch(staged)
                t3 = time.process_time()
            writes.append(t3 - t2)
            print(f"night {n + 1:>2}: plan {t1 - t0:5.2f}  score shards {t2 - t1:5.2f}  "
                  f"stage + agents + commit {t3 - t2:5.2f} CPU-s")
    print(f"stage + agents + commit, night {args.nights} / night 1: {writes[-1] / writes[0]:.2f}×; "
          f"mean of the last 3 / first 3: {sum(writes[-3:]) / sum(writes[:3]):.2f}×")


if __name__ == "__main__":
    main()
