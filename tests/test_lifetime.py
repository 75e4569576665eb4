"""lifetime: helper processes end with the process they serve, even when it is killed with SIGKILL."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from scorers.lifetime import _start_time

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc (Linux)")

# A parent that starts a helper, prints its pid, then waits to be killed.
POOL_PARENT = r"""
import multiprocessing, os, sys, time
from concurrent.futures import ProcessPoolExecutor
from scorers.lifetime import exit_with_parent
if __name__ == "__main__":
    pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"), initializer=exit_with_parent,
                               initargs=(os.getpid(),))
    print(pool.submit(os.getpid).result(), flush=True)
    time.sleep(60)
"""

REAPED_PARENT = r"""
import subprocess, sys, time
from scorers.lifetime import reap_with_me
server = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])  # a helper we did not write
reap_with_me([server.pid])
print(server.pid, flush=True)
time.sleep(60)
"""


def gone_within(pid: int, start: str, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if _start_time(pid) != start:
            return True
        time.sleep(0.1)
    return False


@pytest.mark.parametrize("parent", [POOL_PARENT, REAPED_PARENT], ids=["report-worker", "prefect-server"])
def test_a_helper_does_not_outlive_a_killed_parent(tmp_path, parent):
    script = tmp_path / "parent.py"
    script.write_text(parent, encoding="utf-8")
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True, cwd=ROOT,
                            env=dict(os.environ, PYTHONPATH=str(ROOT)))
    helper = int(proc.stdout.readline())
    start = _start_time(helper)
    assert start is not None
    try:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert gone_within(helper, start, 10), "the helper outlived its killed parent"
    finally:
        if _start_time(helper) == start:
            os.kill(helper, signal.SIGKILL)


def test_report_workers_are_started_to_exit_with_their_parent(monkeypatch):
    """The coaches' site's worker pool gets the initializer the test above shows working."""
    import scorers.reports.agents as agents
    from scorers.lifetime import exit_with_parent

    seen = {}

    class Pool:
        def __init__(self, n, **kw):
            seen.update(kw)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def map(self, fn, *args):
            return [set() for _ in args[0]]

    monkeypatch.setattr(agents, "ProcessPoolExecutor", Pool)
    agents._render_in_workers("stage", {}, [{"page": "a.html"}, {"page": "b.html"}], 2)
    assert seen["initializer"] is exit_with_parent and seen["initargs"] == (os.getpid(),)
