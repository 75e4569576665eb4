"""Helper processes that end with the process they serve, however it ends.

A run killed with SIGKILL runs no cleanup code, so anything it started that
does not watch for its death runs on: report workers waiting for pages that
will never come, Prefect's temporary API server. Two ways, both Linux-first
and harmless elsewhere:

- :func:`exit_with_parent` — a worker initializer: a daemon thread ends the
  worker once its parent is gone (it is re-parented, so ``getppid`` changes);
  :func:`exit_with` the same for a worker whose parent is a fork server (the
  scoring workers): it watches the process it serves, by pid and start time.
- :func:`reap_with_me` — for processes we did not write (the Prefect server):
  a tiny watcher process holds the read end of a pipe whose write end only
  this process has; the kernel closes it when we die, the watcher wakes and
  terminates the listed processes (checking their start time, so a reused
  pid is never hit).
"""
from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

_WATCHER = r"""
import os, signal, sys, time
fd, targets = int(sys.argv[1]), [t.split(":") for t in sys.argv[2:]]
def started(pid):
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
    except OSError:
        return None
    return None if len(fields) < 20 or fields[0] == b"Z" else fields[19].decode()
try:
    while os.read(fd, 1):
        pass
except OSError:
    pass
alive = [int(p) for p, s in targets if started(p) == s]
for pid in alive:
    try:
        os.kill(pid, signal.SIGTERM)
    except OSError:
        pass
deadline = time.monotonic() + 5
while time.monotonic() < deadline and any(started(p) == s for p, s in targets):
    time.sleep(0.1)
for p, s in targets:
    if started(p) == s:
        try:
            os.kill(int(p), signal.SIGKILL)
        except OSError:
            pass
"""


def exit_with_parent(parent_pid: int, interval_s: float = 0.5) -> None:
    """Use as a worker initializer (``initargs=(os.getpid(),)``): the worker exits once that parent is gone."""
    _exit_when_gone(lambda: os.getppid() == parent_pid, interval_s, "exit-with-parent")


def exit_with(pid: int, started: str | None, interval_s: float = 0.5) -> None:
    """Use as a worker initializer where the worker's parent is not the process it serves (a
    forkserver's children: their parent is the fork server, which itself lives as long as they
    do): the worker exits once process ``pid``, started at ``started`` (:func:`_start_time`; a
    reused pid is another process), is gone. None for ``started``: nothing to watch."""
    if started is not None:
        _exit_when_gone(lambda: _start_time(pid) == started, interval_s, "exit-with-owner")


def _exit_when_gone(alive, interval_s: float, name: str) -> None:
    """A daemon thread that ends this process as soon as ``alive()`` is False."""
    def watch() -> None:
        while alive():
            time.sleep(interval_s)
        os._exit(1)

    threading.Thread(target=watch, name=name, daemon=True).start()


def owner() -> tuple[int, str | None]:
    """This process, as :func:`exit_with` is told to watch it: its pid and start time."""
    return os.getpid(), _start_time(os.getpid())


def _start_time(pid: int) -> str | None:
    """When ``pid`` started (clock ticks since boot): with the pid, names one process; None once it is gone
    (or a zombie)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
    except OSError:
        return None
    return None if len(fields) < 20 or fields[0] == b"Z" else fields[19].decode()


_keep: list = []  # the pipes' write ends: open as long as this process lives


def reap_with_me(pids: list[int]) -> subprocess.Popen | None:
    """Terminate ``pids`` when this process ends, even by SIGKILL; None where /proc is not available."""
    targets = [f"{pid}:{start}" for pid in pids if (start := _start_time(pid)) is not None]
    if not targets:
        return None
    read_end, write_end = os.pipe()  # not inheritable: no other child of ours keeps the write end open
    try:
        watcher = subprocess.Popen([sys.executable, "-c", _WATCHER, str(read_end), *targets], pass_fds=(read_end,),
                                   start_new_session=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
    finally:
        os.close(read_end)
    _keep.append((write_end, watcher))
    return watcher
