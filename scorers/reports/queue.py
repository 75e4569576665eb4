"""The review queue's order, and every case in that order while holding one night's cases.

The compliance report lists every stored night's cases (a case waits until
someone decides it), so reading them all at once grows with the history: a
bank taking a million calls a night stores about 56,000 cases a night, and a
month of them held in pandas is gigabytes. :func:`ranked_cases` reads one
night at a time, orders it (:func:`ordered_queue`) and keeps it as a sorted
run on disk (Arrow IPC, compressed), then merges the runs: the result is the
order a sort of the whole queue gives, with memory for one night plus one
batch per night.

Order: severity first (critical, major, minor), then the rule's confidence
(highest first), then the most recent call, then the finding id — a total
order, so the merge and a whole sort agree case for case. The keys are
computed once (:func:`order_keys`) for both.
"""
from __future__ import annotations

import heapq
from datetime import date
from pathlib import Path
from typing import Iterator

import numpy as np
import pandas as pd
import pyarrow as pa

from scorers.reports.data import data_files, load_queue, parse_day
from scorers.reports.reviews import CONFIRMED, DISMISSED, latest_decisions

SEVERITY_ORDER = {"critical": 0, "major": 1, "minor": 2}
ORDER = ("_sev", "_conf", "_when", "finding_id")  # all ascending
RUN_BATCH = 1024  # cases per batch of a run: what the merge holds of each night
LAST = np.iinfo(np.int64).max


def order_keys(queue: pd.DataFrame) -> dict[str, np.ndarray]:
    """The sort keys of ``queue``'s cases, ascending: severity rank, minus confidence, minus the call's
    start (microseconds since 1970); a missing value sorts last."""
    sev = queue["severity"].map(SEVERITY_ORDER).fillna(len(SEVERITY_ORDER)).to_numpy(dtype=np.int64)
    conf = -pd.to_numeric(queue["confidence"], errors="coerce").to_numpy(dtype=float)
    when = pd.to_datetime(queue["started_at"], utc=True, errors="coerce", format="ISO8601")
    micros = when.to_numpy(dtype="datetime64[us]")
    missing = np.isnat(micros)
    return {"_sev": sev, "_conf": np.where(np.isnan(conf), np.inf, conf),
            "_when": np.where(missing, LAST, -micros.astype(np.int64, copy=False))}


def ordered_queue(queue: pd.DataFrame, keep_keys: bool = False) -> pd.DataFrame:
    """The queue in rank order with its ``status`` (pending unless confirmed or dismissed); ``rank``
    numbers the result."""
    queue = queue.assign(status=queue["decision"].where(queue["decision"].isin([CONFIRMED, DISMISSED]), "pending"),
                         **order_keys(queue))
    queue = queue.sort_values(list(ORDER), kind="stable")
    queue["rank"] = range(1, len(queue) + 1)
    if not keep_keys:
        queue = queue.drop(columns=list(ORDER[:3]))
    return queue.reset_index(drop=True)


def stored_nights(out: Path | str, since: date | None = None, until: date | None = None) -> list[date]:
    """The nights with compliance files (``call_date=`` folders), in ``since..until``."""
    nights = set()
    folder = Path(out) / "compliance"
    for f in data_files(folder):
        for part in f.relative_to(folder).parts:
            if part.startswith("call_date="):
                nights.add(date.fromisoformat(part.split("=", 1)[1]))
    return sorted(n for n in nights if (since is None or n >= since) and (until is None or n <= until))


def ranked_cases(out: Path | str, workdir: Path, since=None, until=None) -> Iterator[dict]:
    """Every case of ``since..until`` (all stored nights by default) as a dict, in rank order, ``rank``
    numbered from 1: one night read at a time, its sorted run written under ``workdir`` (a folder
    the caller removes)."""
    since, until = parse_day(since, "--since"), parse_day(until, "--until")
    nights = stored_nights(out, since, until)
    if not nights:
        load_queue(out, since, until)  # no case at all: says why when there are no scorecards either
        return
    decisions = latest_decisions(out)
    workdir.mkdir(parents=True, exist_ok=True)
    runs = [path for night in nights if (path := _write_run(out, night, decisions, workdir)) is not None]
    key = lambda case: tuple(case[k] for k in ORDER)  # noqa: E731
    for rank, case in enumerate(heapq.merge(*(_read_run(p) for p in runs), key=key), start=1):
        case["rank"] = rank
        yield case


def _write_run(out, night: date, decisions: pd.DataFrame, workdir: Path) -> Path | None:
    queue = load_queue(out, night, night, decisions)
    if not len(queue):
        return None
    queue = ordered_queue(queue, keep_keys=True).drop(columns="rank")
    table = pa.Table.from_pandas(queue, preserve_index=False)
    path = workdir / f"{night.isoformat()}.arrow"
    with pa.ipc.new_file(path, table.schema, options=pa.ipc.IpcWriteOptions(compression="zstd")) as writer:
        writer.write_table(table, max_chunksize=RUN_BATCH)
    return path


def _read_run(path: Path) -> Iterator[dict]:
    with pa.memory_map(str(path)) as source:
        reader = pa.ipc.open_file(source)
        for i in range(reader.num_record_batches):
            yield from reader.get_batch(i).to_pylist()
