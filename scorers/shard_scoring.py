"""One shard of the night, start to end in one worker: read → score → write its part files.

What a worker (a pool process, a Dask worker, or the run's own process) does
with a :class:`ShardTask`: read the shard block by block (:func:`scorers.shards.read_shard`),
score each block, append the block's rows to the shard's own Parquet part files
in the run's staging folder, and forget the block. Memory follows the block
(:data:`scorers.shards.BLOCK_LINES` calls), never the night. What comes back
(:class:`ShardResult`) is small: the files written, the call ids (for the
commit's replacement and duplicate checks), counts and messages.

A shard's files live in their own folder (``OUT/_staging/<run>/s00003/``),
named ``<dataset>/call_date=D/<batch stem>-s00003.parquet``: a shard scored
again after its worker died starts from an empty folder, so nothing of the
first try is kept. Nothing is visible until the run commits.
"""
from __future__ import annotations

import gc
import json
import shutil
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from scorers.call import Call
from scorers.ingest import Rejection
from scorers.memory import use_system_allocator
from scorers.numbers import classify, find_runs, mask_text
from scorers.routing import Router
from scorers.scorecards import (calls_table, compliance_rows, compliance_table, findings_rows, findings_table,
                                transcript_rows, transcripts_table)
from scorers.shards import Shard, read_shard

PART_DATASETS = ("calls", "findings", "compliance", "transcripts")


@dataclass(frozen=True)
class ShardTask:
    """Everything a worker needs for one shard, all of it small (it travels to the worker)."""

    shard: Shard
    folder: str  # this shard's staging folder (absolute; on a cluster, on the shared filesystem)
    stems: tuple[tuple[str, str], ...]  # (rubric id, the batch's file stem for it)
    rejected_stem: str  # rejected/<rejected_stem>-s00003.jsonl
    criteria: tuple[str, ...]  # every criterion column calls/ carries
    confirmed: frozenset[str] = frozenset()  # finding ids reviewers confirmed


@dataclass
class ShardResult:
    """What a shard leaves for the commit: its files and the identity of every call it stored."""

    index: int
    folder: str
    files: list[str] = field(default_factory=list)  # relative to ``folder`` and to OUT alike
    call_ids: pa.Array = field(default_factory=lambda: pa.array([], pa.string()))  # stored calls, in order
    locations: pa.Array = field(default_factory=lambda: pa.array([], pa.string()))  # "line 12" of each
    failed_ids: list[str] = field(default_factory=list)  # calls read but rejected when scored
    records: int = 0  # calls and rejections: what the shard read
    rejections: list[str] = field(default_factory=list)  # messages (masked), in order
    notices: list[str] = field(default_factory=list)
    personal_ids: int = 0  # calls whose call_id or agent_id is a card, ID or mobile number
    first_personal: str = ""  # the first of them, masked

    @property
    def calls(self) -> int:
        return len(self.call_ids)


class PartWriter:
    """Appends tables to a shard's Parquet files, one open file per (dataset, day, stem)."""

    def __init__(self, folder: Path):
        self.folder = folder
        self._open: dict[str, pq.ParquetWriter] = {}
        self._text: dict[str, object] = {}

    def append(self, relative: str, table: pa.Table) -> None:
        writer = self._open.get(relative)
        if writer is None:
            path = self.folder / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            writer = self._open[relative] = pq.ParquetWriter(path, table.schema, compression="zstd")
        writer.write_table(table)

    def append_text(self, relative: str, text: str) -> None:
        handle = self._text.get(relative)
        if handle is None:
            path = self.folder / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            handle = self._text[relative] = open(path, "w", encoding="utf-8")
        handle.write(text)

    def close(self) -> list[str]:
        for writer in self._open.values():
            writer.close()
        for handle in self._text.values():
            handle.close()
        return sorted([*self._open, *self._text])


def rejection_lines(rejections: list[Rejection]) -> str:
    """``rejected/`` rows: where, which field, why, and the record itself (to fix and replay)."""
    return "".join(json.dumps({"source": r.source, "location": r.location, "call_id": r.call_id, "field": r.field,
                               "reason": r.reason, "record": r.raw}, ensure_ascii=False) + "\n"
                   for r in rejections)


def holds_personal_number(identifier: str) -> bool:
    """Ids are stored and shown unmasked (they are how a recording is found and tables joined), so an
    id that is a full card, ID or mobile number is worth a notice."""
    return any(classify(run.digits) for run in find_runs(identifier, min_digits=11))


# Scoring allocates tens of millions of short-lived containers (tuples, lists, findings) and
# builds no reference cycles worth collecting early. At Python's default (a young collection
# every 700 net allocations, and a full one walking the whole block's calls now and then) the
# collector took 12-15 % of a shard's CPU; at this threshold it takes about 3 %, for a few MiB
# more resident (bench/RESULTS.md).
SCORING_GC_THRESHOLD = (50_000, 20, 20)


@contextmanager
def fewer_collections(threshold: tuple[int, int, int] = SCORING_GC_THRESHOLD):
    """Run the block with the collector's thresholds at ``threshold``, then restore the caller's."""
    before = gc.get_threshold()
    gc.set_threshold(*threshold)
    try:
        yield
    finally:
        gc.set_threshold(*before)


def score_shard(task: ShardTask, router: Router) -> ShardResult:
    """Read, score and write one shard with ``router``'s rubrics; see the module docstring."""
    use_system_allocator()  # a worker's Arrow pool would keep every shard's freed tables (scorers.memory)
    with fewer_collections():
        return _score_shard(task, router)


def _score_shard(task: ShardTask, router: Router) -> ShardResult:
    from scorers.batch import score_rejecting  # one scoring path for every runner

    shard, folder = task.shard, Path(task.folder)
    shutil.rmtree(folder, ignore_errors=True)  # a rerun after a dead worker starts clean
    folder.mkdir(parents=True)
    stems = dict(task.stems)
    criteria = list(task.criteria)
    result = ShardResult(shard.index, str(folder))
    writer = PartWriter(folder)
    ids, locations = [], []
    seen: dict[str, str] = {}
    try:
        for block in read_shard(shard, seen, result.notices):
            result.records += len(block)
            calls = [(where, item) for where, item in block if isinstance(item, Call)]
            rejections = [item for _, item in block if not isinstance(item, Call)]
            where_of = {id(call): where for where, call in calls}
            scored, failed = score_rejecting([call for _, call in calls], router, confirmed=task.confirmed)
            rejections += failed
            result.failed_ids += [r.call_id for r in failed]
            for s in scored:
                ids.append(s.call.call_id)
                locations.append(where_of[id(s.call)])
                if holds_personal_number(s.call.call_id) or holds_personal_number(s.call.agent_id):
                    result.personal_ids += 1
                    result.first_personal = result.first_personal or mask_text(s.call.call_id)
            _write_scored(writer, scored, router, stems, criteria, shard.name)
            if rejections:
                writer.append_text(f"rejected/{task.rejected_stem}-{shard.name}.jsonl", rejection_lines(rejections))
                result.rejections += [r.message() for r in rejections]
    finally:
        result.files = writer.close()
    result.call_ids = pa.array(ids, pa.string())
    result.locations = pa.array(locations, pa.string())
    return result


def _write_scored(writer: PartWriter, scored: list, router: Router, stems: dict[str, str], criteria: list[str],
                  shard_name: str) -> None:
    groups: dict[str, list] = defaultdict(list)
    for s in scored:
        groups[s.rubric_id].append(s)
    for rubric_id, group in groups.items():
        rubric = router.by_id(rubric_id)
        stem = f"{stems[rubric_id]}-{shard_name}"
        f_rows, f_dates = findings_rows(group)
        c_rows, c_dates = compliance_rows(f_rows, f_dates, rubric)
        t_rows, t_dates = transcript_rows(group)
        days = sorted({s.call.call_date for s in group})
        for dataset, table, dates in (
                ("calls", calls_table(group, rubric, criteria), [s.call.call_date for s in group]),
                ("findings", findings_table(f_rows), f_dates),
                ("compliance", compliance_table(c_rows), c_dates),
                ("transcripts", transcripts_table(t_rows), t_dates)):
            _append_by_day(writer, dataset, stem, table, dates, days)


def _append_by_day(writer: PartWriter, dataset: str, stem: str, table: pa.Table, dates: list, days: list) -> None:
    """The rows of each of ``days`` (the days of the group's calls) to that day's file: a day without
    findings still gets its (empty) file, so every dataset exists wherever calls do."""
    if len(days) == 1:
        writer.append(f"{dataset}/call_date={days[0].isoformat()}/{stem}.parquet", table)
        return
    date_array = pa.array(dates, type=pa.date32())
    for day in days:
        part = table.filter(pc.equal(date_array, pa.scalar(day, pa.date32())))
        writer.append(f"{dataset}/call_date={day.isoformat()}/{stem}.parquet", part)
