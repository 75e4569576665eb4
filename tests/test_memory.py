"""scorers.memory: Arrow allocates from the system allocator in callqa's processes, unless the operator chose."""
from __future__ import annotations

import subprocess
import sys

import pyarrow as pa

from scorers.memory import POOL_ENV, use_system_allocator


def _pool_after(code: str, env: dict) -> str:
    out = subprocess.run([sys.executable, "-c", code + "\nimport pyarrow as pa; print(pa.default_memory_pool().backend_name)"],
                         env=env, capture_output=True, text=True, check=True)
    return out.stdout.strip()


def test_use_system_allocator_makes_the_system_pool_the_default(monkeypatch):
    monkeypatch.delenv(POOL_ENV, raising=False)
    before = pa.default_memory_pool()
    try:
        use_system_allocator()
        assert pa.default_memory_pool().backend_name == "system"
        use_system_allocator()  # idempotent
        assert pa.default_memory_pool().backend_name == "system"
    finally:
        pa.set_memory_pool(before)


def test_an_operators_choice_of_pool_wins(monkeypatch):
    import os

    env = {k: v for k, v in os.environ.items() if k != POOL_ENV}
    plain = _pool_after("", env)
    code = "from scorers.memory import use_system_allocator; use_system_allocator()"
    assert _pool_after(code, env) == "system"
    assert _pool_after(code, {**env, POOL_ENV: plain}) == plain  # whatever the wheel's default is, kept when asked for


def test_a_shard_is_scored_with_the_system_pool(tmp_path, monkeypatch):
    """score_shard sets it in whatever process runs it: a pool worker, a Dask worker or this one."""
    import os

    env = {k: v for k, v in os.environ.items() if k != POOL_ENV}
    code = ("import scorers.shard_scoring as s, pyarrow as pa\n"
            "s._score_shard = lambda task, router: pa.default_memory_pool().backend_name\n"
            "print(s.score_shard(None, None))")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split()[0] == "system"
