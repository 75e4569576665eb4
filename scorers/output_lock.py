"""One writer per output folder: an OS lock (``flock``) on ``OUT/_lock``.

The kernel drops the lock when its holder dies, however it dies, so a lock is
never stale and the file is never deleted (deleting it would let a second
writer in beside one still running).

Apart from :mod:`scorers.store` because it needs nothing but the standard
library: ``callqa nightly`` checks that its output is free before it starts
Prefect's temporary server, and the store's Arrow and pandas imports (a third
of a second) would delay that server, which everything after waits for.
"""
from __future__ import annotations

import fcntl
import os
import weakref
from pathlib import Path

LOCK = "_lock"


class OutputBusy(RuntimeError):
    """Another run is writing to the same output folder."""


_HELD: "weakref.WeakSet[OutputLock]" = weakref.WeakSet()


def _forget_locks_in_child() -> None:
    """A forked child shares its parent's lock; it must neither keep it alive after the parent dies
    nor release it: close its copy of the descriptor (never ``LOCK_UN``, which would free the parent's)."""
    for lock in list(_HELD):
        if lock._fd is not None:
            try:
                os.close(lock._fd)
            except OSError:
                pass
            lock._fd = None
    _HELD.clear()


os.register_at_fork(after_in_child=_forget_locks_in_child)


def try_flock(path: Path | str, flags: int = os.O_RDONLY) -> int | None:
    """An fd holding an exclusive flock on ``path`` (opened with ``flags``), or None when another
    process holds one. The kernel drops it when the process dies, however it dies."""
    fd = os.open(path, flags, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    except BaseException:
        os.close(fd)
        raise
    return fd


class OutputLock:
    """The exclusive right to write one output folder: ``flock`` on ``OUT/_lock``.

    Not re-entrant: a second lock on the same folder fails even in the same
    process (a second writer there would be just as harmful). Pass a held lock
    on (``StagedWrite(out, lock=...)``) instead of taking another.
    """

    def __init__(self, out: Path | str):
        self.out = Path(out)
        self.path = self.out / LOCK
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def try_acquire(self) -> bool:
        """Take the lock if it is free; False when another run holds it."""
        if self._fd is not None:
            raise RuntimeError(f"{self.path}: already held by this lock object")
        self.out.mkdir(parents=True, exist_ok=True)
        fd = try_flock(self.path, os.O_RDWR | os.O_CREAT)
        if fd is None:
            return False
        self._fd = fd
        _HELD.add(self)
        os.ftruncate(fd, 0)  # who holds it, for the "busy" message of the next one
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        return True

    def acquire(self) -> "OutputLock":
        if not self.try_acquire():
            raise OutputBusy(f"{self.out}: another callqa run{self._holder()} is writing here; "
                             f"try again when it has finished")
        return self

    def _holder(self) -> str:
        try:
            pid = int(self.path.read_text(encoding="ascii").split()[0])
        except (OSError, ValueError, IndexError):
            return ""
        return f" (pid {pid})"

    def release(self) -> None:
        """Closing the descriptor frees the lock; the file stays (see the module docstring)."""
        if self._fd is not None:
            fd, self._fd = self._fd, None
            _HELD.discard(self)
            os.close(fd)

    def __enter__(self) -> "OutputLock":
        return self if self.held else self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()

    def check(self, out: Path) -> None:
        if not self.held:
            raise RuntimeError(f"{self.path}: the output lock passed on is not held")
        if self.out.resolve() != Path(out).resolve():
            raise RuntimeError(f"the output lock passed on is for {self.out}, not {out}")
