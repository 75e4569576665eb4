"""Run the Prefect flow ``nightly_scoring`` in a child Python process.

Prefect configures process-wide logging the first time a flow runs, and its
console handler keeps whichever stream was ``sys.stderr`` at that moment. Inside
pytest that is a capture stream (or a ``CliRunner``'s buffer) that is closed a
test later, and the next flow run then dies with "I/O operation on closed file".
A child process owns its logging, so the flow runs there exactly as it does
under ``callqa nightly`` — and the tests stay independent of each other's order.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_CHILD = r"""
import dataclasses, json, sys
args = json.loads(sys.argv[1])
if args.get("break_reports"):
    import scorers.reports
    def broken(*a, **k):
        raise RuntimeError("disk full while drawing charts")
    scorers.reports.build_reports = scorers.reports.build_agent_report = broken
    scorers.reports.build_compliance_report = broken
from pipelines.flows import nightly_scoring
summary = nightly_scoring(args["input"], args["out"], args.get("rubric"), args.get("routing"))
print("SUMMARY " + json.dumps(dataclasses.asdict(summary), default=str, ensure_ascii=False))
"""


def run_flow(input_path, out, rubric=None, *, routing=None, prefect_home: Path, break_reports: bool = False,
             timeout: int = 300) -> dict:
    """The flow's :class:`~scorers.batch.BatchSummary` as a dict; fails with the child's output on error."""
    args = {"input": str(input_path), "out": str(out), "rubric": None if rubric is None else str(rubric),
            "routing": None if routing is None else str(routing), "break_reports": break_reports}
    return run_child(_CHILD, args, prefect_home=prefect_home, timeout=timeout)


def run_child(code: str, args: dict, *, prefect_home: Path, timeout: int = 300) -> dict:
    """Run ``code`` (which prints ``SUMMARY <json>``) with ``args`` as JSON in argv[1]; the JSON it printed."""
    env = dict(os.environ, PREFECT_HOME=str(prefect_home), PREFECT_SERVER_ANALYTICS_ENABLED="false",
               PYTHONPATH=str(ROOT))
    env.pop("PREFECT_API_URL", None)  # the temporary local server, never an operator's
    proc = subprocess.run([sys.executable, "-c", code, json.dumps(args)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("SUMMARY ")]
    assert proc.returncode == 0 and lines, f"flow failed (exit {proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    return json.loads(lines[-1][len("SUMMARY "):])
