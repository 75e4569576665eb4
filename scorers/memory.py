"""Which allocator Arrow uses in callqa's processes.

pyarrow's default pool (mimalloc in current wheels) keeps the segments a shard's
tables used, per process, long after they are freed. A night scores in several
worker processes at once, each writing thousands of small tables, so those kept
segments add up: on the 100,000-call night the process tree's peak was 1.45 GiB
with the default pool and 1.36 GiB with the system allocator (glibc), for the
same CPU (bench/RESULTS.md). Arrow's system pool hands freed memory to glibc,
which the rest of the process (Python, pandas) already shares.
"""
from __future__ import annotations

import os

import pyarrow as pa

POOL_ENV = "ARROW_DEFAULT_MEMORY_POOL"  # Arrow's own setting: an operator who sets it keeps their choice


def use_system_allocator() -> None:
    """Make glibc's allocator Arrow's default pool in this process, unless ``ARROW_DEFAULT_MEMORY_POOL``
    chooses one. Idempotent and cheap: called where scoring starts and by the CLI."""
    if os.environ.get(POOL_ENV):
        return
    if pa.default_memory_pool().backend_name != "system":
        pa.set_memory_pool(pa.system_memory_pool())
