"""pipelines.server: the nightly CLI's own start of Prefect's temporary server.

Each case runs in a child Python process: Prefect reads its settings once per process,
and the cases need different ones (a profile naming a server, none).
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from scorers.lifetime import _start_time

ROOT = Path(__file__).resolve().parents[1]


def _child(code: str, prefect_home: Path, **env) -> dict:
    # a new PREFECT_HOME: the first boot builds the database (13 s seen on a busy machine); these
    # tests are about which server runs and ends, not about how fast it boots
    full = dict(os.environ, PREFECT_HOME=str(prefect_home), PYTHONPATH=str(ROOT),
                PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="120", **env)
    full.pop("PREFECT_API_URL", None)
    full.update(env)
    proc = subprocess.run([sys.executable, "-c", code], cwd=prefect_home, env=full, capture_output=True,
                          text=True, timeout=120)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
    assert proc.returncode == 0 and lines, f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return json.loads(lines[-1][len("RESULT "):])


def _alive(pid: int) -> bool:
    return _start_time(pid) is not None  # a zombie counts as gone


SERVE = r"""
import json, urllib.request
from pipelines.server import TemporaryServer
server = TemporaryServer.launch()
pid = server.process.pid
with server.serving() as url:
    from prefect.settings import PREFECT_API_URL, PREFECT_FLOWS_HEARTBEAT_FREQUENCY, PREFECT_UI_URL
    seen, beats = PREFECT_API_URL.value(), PREFECT_FLOWS_HEARTBEAT_FREQUENCY.value()
    health = urllib.request.urlopen(url + "/health", timeout=5).status
    import sys
    server_modules = [m for m in sys.modules if m.startswith("prefect.server")]
print("RESULT " + json.dumps({"url": url, "seen": seen, "health": health, "pid": pid,
                              "server_modules": server_modules, "ui": PREFECT_UI_URL.value(), "beats": beats,
                              "beats_after": PREFECT_FLOWS_HEARTBEAT_FREQUENCY.value()}))
"""


@pytest.mark.skipif(not Path("/proc").exists(), reason="checks processes in /proc")
def test_the_server_answers_the_flow_points_at_it_and_it_ends_with_the_process(tmp_path):
    result = _child(SERVE, tmp_path)
    assert result["health"] == 200
    assert result["seen"] == result["url"] and result["url"].startswith("http://127.0.0.1:")
    assert not result["server_modules"]  # this process never imported the server's code
    # no heartbeats to a server that dies with the run (the flow's end waited up to a second for their thread)
    assert result["beats"] is None and result["beats_after"] is not None
    assert not _alive(result["pid"])  # stopped at exit


def test_a_configured_server_means_none_is_started(tmp_path):
    code = ("from pipelines.server import TemporaryServer\n"
            "print('RESULT ' + str(TemporaryServer.launch() is None).lower())")
    assert _child(code, tmp_path, PREFECT_API_URL="http://127.0.0.1:4200/api") is True


@pytest.mark.skipif(not Path("/proc").exists(), reason="checks processes in /proc")
def test_a_server_named_in_a_prefect_profile_stops_the_one_just_started(tmp_path):
    (tmp_path / "profiles.toml").write_text(
        'active = "bank"\n[profiles.bank]\nPREFECT_API_URL = "http://10.0.0.9:4200/api"\n', encoding="utf-8")
    code = r"""
import json
from pipelines import server as S
started = []
original = S.TemporaryServer.start
def start(self):
    original(self)
    started.append(self.process.pid)
    return self
S.TemporaryServer.start = start
launched = S.TemporaryServer.launch()
print("RESULT " + json.dumps({"none": launched is None, "pids": started}))
"""
    result = _child(code, tmp_path, PREFECT_PROFILES_PATH=str(tmp_path / "profiles.toml"))
    assert result["none"] is True
    assert len(result["pids"]) == 1 and not _alive(result["pids"][0])  # one was started, then stopped


@pytest.mark.skipif(not Path("/proc").exists(), reason="checks processes in /proc")
def test_a_port_taken_before_the_server_binds_it_means_another_port(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code = r"""
import json
from pipelines import server as S
ports = iter([%d])
free = S._free_port
S._free_port = lambda: next(ports, None) or free()
server = S.TemporaryServer.launch()
first = server.port
server.wait_ready()
print("RESULT " + json.dumps({"first": first, "port": server.port}))
""" % port
        result = _child(code, tmp_path)
    assert result["first"] == port and result["port"] != port


@pytest.mark.skipif(not Path("/proc").exists(), reason="checks processes in /proc")
def test_a_run_killed_while_the_server_still_boots_leaves_no_server(tmp_path):
    import signal
    import time

    code = ("import time\nfrom pipelines.server import TemporaryServer\n"
            "server = TemporaryServer.launch()\nprint(server.process.pid, flush=True)\ntime.sleep(60)\n")
    env = dict(os.environ, PREFECT_HOME=str(tmp_path), PYTHONPATH=str(ROOT))
    env.pop("PREFECT_API_URL", None)
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=tmp_path, env=env, stdout=subprocess.PIPE, text=True)
    try:
        server_pid = int(proc.stdout.readline())
        assert _alive(server_pid)
        proc.send_signal(signal.SIGKILL)  # no exit code runs: the watcher must stop the server
        proc.wait(timeout=10)
        deadline = time.monotonic() + 15
        while _alive(server_pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _alive(server_pid)
    finally:
        proc.kill()


def test_a_new_start_after_a_taken_port_gets_the_whole_startup_timeout_again(monkeypatch):
    """uvicorn binds its port only once the app has booted: a start that loses its port has spent
    most of the timeout already. On a fake clock: the first start takes 8 of 10 s to find its
    port taken, the second boots in 6 s; 14 s in all, never more than 10 s for one start."""
    from pipelines import server as S

    class Clock:
        now = 0.0

        def monotonic(self):
            return self.now

        def sleep(self, seconds):
            self.now += seconds

    clock = Clock()

    class Booting:
        def __init__(self, fails_at=None):
            self.started, self.fails_at = clock.now, fails_at

        def poll(self):
            return S.PORT_TAKEN if self.fails_at is not None and clock.now - self.started >= self.fails_at else None

    server = S.TemporaryServer(startup_timeout_s=10.0)
    server.process = Booting(fails_at=8.0)
    starts = []

    def start():
        starts.append(clock.now)
        server.process = Booting()
        return server

    monkeypatch.setattr(S, "time", clock)
    monkeypatch.setattr(server, "start", start)
    monkeypatch.setattr(S, "_healthy", lambda port: isinstance(server.process, Booting)
                        and server.process.fails_at is None and clock.now - server.process.started >= 6.0)
    server.wait_ready()
    assert len(starts) == 1 and 8.0 <= starts[0] < 8.1 and clock.now >= 14.0
