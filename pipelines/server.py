"""Prefect's temporary API server for one ``callqa nightly``, started before the flow's code loads.

Without a configured server (``PREFECT_API_URL``), Prefect starts a temporary one on a
flow's first call: this process imports Prefect's server modules (about 1.5 CPU-s, only
to start it) and the server's own boot (about 3.5 s in its process) begins only then. A
nightly run of 100k calls spent 7 s before its flow began. Here the CLI starts the same
server process itself, the moment Prefect's settings say one is needed — the command
Prefect runs (uvicorn on ``prefect.server.api.server:create_app``, UI off, ephemeral
mode) — and points the flow at it with
``PREFECT_API_URL`` for the run (:meth:`TemporaryServer.serving`). The server boots
while this process imports the flow and loads the rubrics, and this process never
imports the server's code. :func:`pipelines.flows.run_nightly` starts one the same way
when it is called without the CLI (and without a configured server).

Like Prefect's: a free port (another one if the port is taken before the server binds
it), ``/health`` polled until it answers, stopped at this process's exit (terminate,
then kill after 5 s), and a watcher (:func:`scorers.lifetime.reap_with_me`) stops it
if this process is killed. At exit, not when the flow returns: Prefect's log and event
workers send what they hold at exit, and they are registered after the server, so they
run first (a server stopped before them leaves them retrying for a minute).
"""
from __future__ import annotations

import atexit
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from typing import Iterator

# Quiet, offline defaults for every Prefect process of a run (this one, the server, Dask's
# workers); an operator's own settings win. Set before Prefect reads its settings.
OFFLINE_DEFAULTS = {"PREFECT_SERVER_ANALYTICS_ENABLED": "false",
                    "PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW": "ignore"}
# What Prefect sets for its temporary server's process (SubprocessASGIServer._run_uvicorn_command).
SERVER_ENV = {"PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1", "PREFECT__SERVER_FINAL": "1"}
PORT_TAKEN = 3  # uvicorn's exit status when it cannot bind its port
START_TRIES = 3


def offline_defaults() -> None:
    for key, value in OFFLINE_DEFAULTS.items():
        os.environ.setdefault(key, value)


class ServerError(RuntimeError):
    """The temporary server did not answer: its exit status, or how long it was waited for."""


class TemporaryServer:
    """One temporary Prefect API server process; :meth:`launch` returns None when a server is configured."""

    def __init__(self, startup_timeout_s: float = 20.0):
        self.startup_timeout_s = startup_timeout_s
        self.port: int | None = None
        self.process: subprocess.Popen | None = None
        self._ready = False
        self._stop_registered = False

    @classmethod
    def launch(cls) -> "TemporaryServer | None":
        """Start a server when Prefect would start one for a flow (no ``PREFECT_API_URL``,
        temporary servers allowed), else None (the flow uses the configured server).

        Started before Prefect's settings are read (importing them takes most of a second,
        all of it on the way to the flow): only the environment is checked first; a server
        configured elsewhere (a profile, prefect.toml, .env) stops the one just started."""
        offline_defaults()
        if os.environ.get("PREFECT_API_URL"):
            return None
        server = cls().start()  # the server reads the same settings sources as this process
        from prefect.settings import (PREFECT_API_URL, PREFECT_SERVER_EPHEMERAL_ENABLED,
                                      PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS)

        if PREFECT_API_URL.value() or not PREFECT_SERVER_EPHEMERAL_ENABLED.value():
            server.stop()
            return None
        server.startup_timeout_s = float(PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS.value())
        return server

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def start(self) -> "TemporaryServer":
        from scorers.lifetime import reap_with_me

        self.port = _free_port()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--app-dir", _prefect_parent(), "--factory",
             "prefect.server.api.server:create_app", "--host", "127.0.0.1", "--port", str(self.port),
             "--log-level", "error", "--lifespan", "on"],
            env={**os.environ, **SERVER_ENV})
        reap_with_me([self.process.pid])
        if not self._stop_registered:
            atexit.register(self.stop)  # before Prefect's log and event workers register theirs: it runs after them
            self._stop_registered = True
        return self

    def wait_ready(self) -> None:
        """Block until ``/health`` answers; a port taken meanwhile means a new port and a new try,
        with the whole startup timeout again (uvicorn binds its port only after the app has
        booted, and a first boot on a new PREFECT_HOME also builds the database)."""
        if self._ready:
            return
        tries, deadline = 1, time.monotonic() + self.startup_timeout_s
        while True:
            status = self.process.poll()
            if status == PORT_TAKEN and tries < START_TRIES:
                tries += 1
                self.start()
                deadline = time.monotonic() + self.startup_timeout_s  # a new start boots from scratch
                continue
            if status is not None:
                raise ServerError(f"Prefect's temporary server exited with status {status} while starting "
                                  f"(its messages are above)")
            if _healthy(self.port):
                self._ready = True
                return
            if time.monotonic() > deadline:
                self.stop()
                raise ServerError(f"Prefect's temporary server did not answer within {self.startup_timeout_s:g} s "
                                  f"(PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS)")
            time.sleep(0.05)

    @contextmanager
    def serving(self) -> Iterator[str]:
        """Wait for the server, then run the block with Prefect pointed at it. The server stops at exit.

        No UI links: the temporary server serves none. No flow-run heartbeats: they let a server
        mark a run crashed when they stop coming, and this server dies with the run's process;
        their thread sleeps a second at a time, and the flow waited up to that second for it at
        its end (0.6 s of a 10,000-call night, with both cores idle)."""
        from prefect.settings import (PREFECT_API_URL, PREFECT_FLOWS_HEARTBEAT_FREQUENCY, PREFECT_UI_URL,
                                      temporary_settings)

        self.wait_ready()
        _log(f"temporary server on {self.api_url} (stopped when this process exits)")
        with temporary_settings(updates={PREFECT_API_URL: self.api_url, PREFECT_UI_URL: "",
                                         PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
            yield self.api_url

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _free_port() -> int:
    """A port nothing listens on now (the kernel's pick); the server may still lose it: see wait_ready."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _prefect_parent() -> str:
    """The folder holding the prefect package (uvicorn's --app-dir, as Prefect passes it)."""
    import importlib.util

    return os.path.dirname(os.path.dirname(importlib.util.find_spec("prefect").origin))


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, OSError):
        return False


def _log(message: str) -> None:
    from prefect.logging import get_logger

    get_logger("callqa").info(message)
