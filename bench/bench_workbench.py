#!/usr/bin/env python3
"""Time the workbench's pages on a month of generated scorecards.

    python bench/bench_workbench.py [--calls 12000 --days 30 --agents 400 --seed 7] [--requests 20] [--keep DIR]

Generates the calls with ../shared/bench/gen_calls.py (seeded, cached under
bench/), scores them with the rules alone (what ``callqa score --rules-only``
does; not part of the figures), signs in through the app (FastAPI's
TestClient, in process: the server's own work, no network), then requests
each page ``--requests`` times and prints the median and the slowest: the
compliance queue (first page, default filters), the queue filtered by team,
a case page, the agent list, an agent page. The first request of each page is
shown apart (``first ms``) and not in the median: it reads the datasets'
schemas and the period's rows, which later requests reuse until a scoring
run changes a file. Target: the
queue and an agent page each under 300 ms (median). A benchmark, not a test.
"""
from __future__ import annotations

import argparse
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fastapi.testclient import TestClient  # noqa: E402

from pipelines.paths import load_router  # noqa: E402
from scorers.batch import run_batch  # noqa: E402
from scorers.rubric import load_rubric  # noqa: E402
from scorers.store import read_dataset  # noqa: E402
from scorers.workbench.app import create_app  # noqa: E402
from scorers.workbench.queries import ref  # noqa: E402
from scorers.workbench.users import add_user  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
from bench_reports import generated  # noqa: E402

PASSWORD = "bench-password-1"


def timed(client: TestClient, url: str, n: int) -> tuple[float, float, float, int]:
    start = time.perf_counter()
    first = client.get(url)
    cold = time.perf_counter() - start
    assert first.status_code == 200, (url, first.status_code, first.text[:500])
    times = []
    for _ in range(n):
        start = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - start)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(times) * 1000, max(times) * 1000, cold * 1000, len(first.content)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=12000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--agents", type=int, default=400)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--keep", type=Path, help="scorecard folder to reuse (scored if empty)")
    args = parser.parse_args()

    rubric_path = ROOT / "rubrics" / "default.yaml"
    work = Path(tempfile.mkdtemp(prefix="callqa-bench-wb-"))
    out = args.keep or work / "out"
    try:
        if not (out / "calls").is_dir():
            source = generated(args.calls, args.days, args.agents, args.seed)
            start = time.perf_counter()
            summary = run_batch(source, out, load_router(None, None, models=False))
            print(f"scored {summary.calls_scored} calls (rules only) in {time.perf_counter() - start:.1f} s")
        compliance = read_dataset(out, "compliance")
        findings = read_dataset(out, "findings")
        calls = read_dataset(out, "calls")
        print(f"scorecards: {calls.num_rows} calls, {findings.num_rows} findings, "
              f"{compliance.num_rows} compliance cases, {len(set(calls.column('agent_id').to_pylist()))} agents")
        users = work / "users.json"
        add_user(users, "bench", "qa_lead", password=PASSWORD)
        app = create_app(out, users, load_rubric(rubric_path, build=False))
        client = TestClient(app, follow_redirects=False)
        page = client.get("/login")
        token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
        assert client.post("/login", data={"csrf": token, "username": "bench", "password": PASSWORD}).status_code == 303
        queue = client.get("/queue").text
        case = re.search(r'data-finding="([0-9a-f]+)"', queue).group(1)
        team = calls.column("team").to_pylist()[0]
        agent = calls.column("agent_id").to_pylist()[0]
        pages = [("compliance queue", "/queue"), ("queue, one team", f"/queue?team={ref(team)}"),
                 ("case page", f"/cases/{case}"), ("agent list", "/agents"), ("agent page", f"/agents/{ref(agent)}")]
        print(f"{'page':<18}{'median ms':>10}{'max ms':>9}{'first ms':>10}{'KiB':>8}   "
              f"({args.requests} requests each after the first)")
        for name, url in pages:
            median, slowest, cold, size = timed(client, url, args.requests)
            print(f"{name:<18}{median:>10.0f}{slowest:>9.0f}{cold:>10.0f}{size / 1024:>8.0f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
