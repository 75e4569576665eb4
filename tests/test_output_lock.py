"""output_lock: one writer per output folder, an OS lock the kernel drops when its holder dies."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from scorers.output_lock import LOCK, OutputBusy, OutputLock


def test_a_second_lock_on_the_same_folder_is_refused_and_names_the_holder(tmp_path):
    first = OutputLock(tmp_path / "out").acquire()  # the folder is created
    with pytest.raises(OutputBusy, match=f"another callqa run \\(pid {os.getpid()}\\)"):
        OutputLock(tmp_path / "out").acquire()  # not re-entrant, even in the same process
    assert not OutputLock(tmp_path / "out").try_acquire()
    first.release()
    assert (tmp_path / "out" / LOCK).exists()  # released, never deleted
    with OutputLock(tmp_path / "out") as again:
        assert again.held
    assert not again.held


def test_the_lock_needs_nothing_but_the_standard_library():
    """callqa nightly checks its output before it starts Prefect's server: no Arrow or pandas on the way."""
    code = "import sys, scorers.output_lock; print(sorted({'pyarrow', 'pandas', 'numpy', 'prefect'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).parents[1]).stdout
    assert out.strip() == "[]"


def test_a_forked_child_does_not_keep_the_lock(tmp_path):
    lock = OutputLock(tmp_path).acquire()
    ready_r, ready_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child lives on after the parent lets go
        os.write(ready_w, b"x")
        time.sleep(3)
        os._exit(0)
    try:
        assert os.read(ready_r, 1) == b"x"
        lock.release()
        assert OutputLock(tmp_path).try_acquire()
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
