"""The output folder (OUT): one writer at a time, readers never see half a commit.

Everything a run writes goes first to ``OUT/_staging/<run>/`` (readers skip
names starting with ``_``). Commit writes a journal of the planned moves,
removes ``OUT/_SUCCESS``, moves each file into place with an atomic rename,
records the run in ``_runs/``, writes ``_SUCCESS`` again (the run id) and only
then removes the journal. A run that dies part-way through the moves leaves
its journal and staged files behind, and no ``_SUCCESS``; the next writer,
and any reader that can take the lock (:meth:`Store.read`), rolls that commit
forward first, so nobody reads a half-updated folder. A run that dies before
commit leaves nothing visible; its staging folder is removed by the next run.

One writer: :class:`~scorers.output_lock.OutputLock` (``flock`` on ``OUT/_lock``).
Runs take it *before* they score, so a second run fails at once with
:class:`OutputBusy` instead of after minutes of scoring.

Files are named by the batch (its sources and rubric), so scoring the same
input again replaces its files; rows of the same calls (keyed on ``call_id``,
whatever rubric scored them) in any other file of a dataset, any day, are
removed in the same commit, so a call never counts twice.

:class:`Store` is the small interface the rest of callqa uses (lock, stage,
read, what a batch stored); how files are laid out stays behind it.
"""
from __future__ import annotations

import bisect
import json
import os
import re
import shutil
import time
import uuid
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from scorers.output_lock import LOCK, OutputBusy, OutputLock  # noqa: F401 - the store's interface
from scorers.schemas import PARTITION

STAGING = "_staging"
JOURNAL = "journal.json"
SUCCESS = "_SUCCESS"
RUNS = "_runs"
KEY = ("call_id",)  # a call's identity: re-scoring it (any rubric, any file, any day) replaces its rows


class StoreInconsistent(RuntimeError):
    """An interrupted commit is pending and this reader cannot finish it (busy or read-only folder)."""


def _data_files(path: Path) -> list[Path]:
    if not path.is_dir():
        return []
    return sorted(f for f in path.rglob("*.parquet")
                  if not any(p.startswith(("_", ".")) for p in f.relative_to(path).parts))


def _read_files_of(path: Path) -> pa.Table | None:
    files = _data_files(path)
    if not files:
        return None
    schema = pa.unify_schemas([pq.read_schema(f) for f in files] + [PARTITION], promote_options="permissive")
    dataset = ds.dataset([str(f) for f in files], format="parquet", schema=schema,
                         partitioning=ds.partitioning(PARTITION, flavor="hive"), partition_base_dir=str(path))
    return dataset.to_table()


class Store:
    """One output folder: the lock, staged writes, consistent reads.

    ``read`` never returns a half-applied commit: a pending journal is rolled
    forward first (when the lock is free), and a read that overlapped a commit
    (``_SUCCESS`` changed or a journal appeared meanwhile) is done again.
    """

    def __init__(self, out: Path | str, wait_s: float = 30.0):
        self.out = Path(out)
        self.wait_s = wait_s  # how long a reader waits for a running commit to finish

    def lock(self) -> OutputLock:
        """An unheld lock: ``with store.lock():`` or ``.acquire()``."""
        return OutputLock(self.out)

    def acquire(self) -> OutputLock:
        """What a run does first: take the lock (:class:`OutputBusy` if held), then finish any
        interrupted commit, so what it reads before staging (stored calls, reviews) is whole."""
        lock = self.lock().acquire()
        try:
            recover(self.out, lock)
        except BaseException:
            lock.release()
            raise
        return lock

    def stage(self, lock: OutputLock | None = None) -> "StagedWrite":
        return StagedWrite(self.out, lock=lock)

    def recover(self, lock: OutputLock | None = None) -> list[str]:
        return recover(self.out, lock)

    def pending(self) -> list[Path]:
        """Journals of commits not yet finished (running, or interrupted)."""
        staging = self.out / STAGING
        return sorted(staging.glob(f"*/{JOURNAL}")) if staging.is_dir() else []

    def committed(self) -> str | None:
        """The ``_SUCCESS`` marker's content (the last commit), None while a commit is pending or never ran."""
        try:
            return (self.out / SUCCESS).read_text(encoding="utf-8")
        except OSError:
            return None

    def last_manifest(self) -> dict:
        """The manifest of the last finished commit (``_runs/<run id>.json``), {} when there is none."""
        try:
            run_id = json.loads(self.committed() or "{}").get("run_id")
            return json.loads((self.out / RUNS / f"{run_id}.json").read_text(encoding="utf-8")) if run_id else {}
        except (OSError, ValueError, AttributeError):
            return {}

    def settle(self) -> None:
        """Finish an interrupted commit before reading, or wait for a running one; refuse if neither works."""
        deadline = time.monotonic() + self.wait_s
        while self.pending():
            lock = OutputLock(self.out)
            try:
                got = lock.try_acquire()
            except OSError as err:  # e.g. a read-only copy of OUT
                raise StoreInconsistent(
                    f"{self.out}: a commit was interrupted ({self.pending()[0]}) and cannot be finished "
                    f"here ({err.strerror}); the datasets are half updated. Read this folder through callqa "
                    f"once with write access (e.g. `callqa report compliance`), or run `callqa score` on it, "
                    f"to finish the commit") from None
            if got:
                try:
                    recover(self.out, lock)
                finally:
                    lock.release()
                return
            if time.monotonic() > deadline:
                raise StoreInconsistent(f"{self.out}: a callqa run{lock._holder()} is applying a commit; "
                                        f"the datasets are half updated until it finishes: try again shortly")
            time.sleep(0.05)

    def read(self, name: str) -> pa.Table | None:
        """A whole dataset (``calls``, ``findings``, ...) with ``call_date`` restored, as of one commit.

        Files of calls scored with different rubrics have different criterion
        columns (``calls/``, ``agents/``): the dataset is read with the union of
        their schemas, a column a file lacks comes back null for its rows.
        """
        return self.consistent(lambda: _read_files_of(self.out / name), repr(name))

    def consistent(self, read, what: str = "the datasets"):
        """``read()`` as of one finished commit: an interrupted commit is finished first, and a
        read that overlapped a commit (``_SUCCESS`` changed, or a journal appeared) is done again."""
        for _ in range(20):
            self.settle()
            before = self.committed()
            try:
                result = read()
            except (OSError, pa.ArrowInvalid):  # a file went away under us: a commit ran meanwhile
                if not self.pending() and self.committed() == before:
                    raise
                continue
            if not self.pending() and self.committed() == before:
                return result
        raise StoreInconsistent(f"{self.out}: the datasets kept changing while {what} was read; try again")

    def batch_call_ids(self, stems: set[str] | frozenset[str]) -> pa.Array:
        """The calls stored in a batch's files (``calls/*/<stem>.parquet`` and ``<stem>-s00003.parquet``
        for each of its stems), as one Arrow array: a million ids stay a compact column."""
        parts = [pq.read_table(f, columns=list(KEY)).column(KEY[0]).combine_chunks()
                 for f in sorted((self.out / "calls").glob("call_date=*/*.parquet")) if batch_of(f.stem) in stems]
        return pa.concat_arrays(parts) if parts else pa.array([], pa.string())


SHARD_SUFFIX = re.compile(r"-s[0-9]{5}$")  # <batch stem>-s00003: a shard's part file of the batch


def batch_of(file_stem: str) -> str:
    """The batch stem a part file belongs to: ``part-ab12-s00003`` → ``part-ab12`` (and ``part-ab12`` itself)."""
    return SHARD_SUFFIX.sub("", file_stem)


def read_dataset(root: Path | str, name: str) -> pa.Table | None:
    """A whole scorecard dataset, as of one finished commit (see :meth:`Store.read`)."""
    return Store(root).read(name)


def partition_day(path: Path) -> date | None:
    """The call_date of a file in ``dataset/call_date=YYYY-MM-DD/``."""
    name = path.parent.name
    return date.fromisoformat(name.split("=", 1)[1]) if name.startswith("call_date=") else None


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.tmp"
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _apply(out: Path, plan: dict) -> None:
    """Carry out a journalled commit; safe to run again on a commit already partly (or fully) applied."""
    (out / SUCCESS).unlink(missing_ok=True)  # readers outside callqa: not consistent until it is back
    for staged, final in plan["moves"]:
        source, target = out / staged, out / final
        if source.exists():  # already moved when rolling a commit forward
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(source, target)
    for relative in plan["deletes"]:
        (out / relative).unlink(missing_ok=True)
    run_id = plan.get("run_id")
    if run_id and plan.get("manifest") is not None:
        _write_atomic(out / RUNS / f"{run_id}.json",
                      json.dumps(plan["manifest"], ensure_ascii=False, indent=1, default=str))
    _write_atomic(out / SUCCESS, json.dumps({"run_id": run_id, "committed_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}))


def recover(out: Path | str, lock: OutputLock | None = None) -> list[str]:
    """Finish commits interrupted mid-way and clear abandoned staging folders; returns rolled-forward runs.

    Needs the output lock (every staging folder is then abandoned: no other
    writer can be running); takes it for the call when ``lock`` is not given.
    """
    out = Path(out)
    if lock is None:
        with OutputLock(out) as own:
            return recover(out, own)
    lock.check(out)
    staging = out / STAGING
    rolled = []
    for folder in sorted(staging.iterdir()) if staging.is_dir() else []:
        journal = folder / JOURNAL
        if journal.is_file():
            plan = json.loads(journal.read_text(encoding="utf-8"))
            _apply(out, plan)
            rolled.append(folder.name)
        shutil.rmtree(folder, ignore_errors=True)
    try:
        staging.rmdir()
    except OSError:
        pass
    return rolled


def _may_hold(path: Path, keys: list[str] | None, key_column: str) -> bool:
    """False when the file's own statistics (the key column's min and max per row group, in the
    Parquet footer) show it holds none of ``keys``. Reading every stored file's keys made each
    night's commit slower as the history grew; a footer is a few hundred bytes, and the call ids
    of different nights rarely overlap in range (they carry a date or a sequence)."""
    if keys is None:
        return True
    if not keys:
        return False
    meta = pq.ParquetFile(path).metadata
    if key_column not in meta.schema.names:
        return True
    column = meta.schema.names.index(key_column)
    for g in range(meta.num_row_groups):
        stats = meta.row_group(g).column(column).statistics
        if stats is None or not stats.has_min_max:
            return True
        low, high = stats.min, stats.max
        if isinstance(low, bytes):
            low, high = low.decode("utf-8", "replace"), high.decode("utf-8", "replace")
        i = bisect.bisect_left(keys, low)
        if i < len(keys) and keys[i] <= high:
            return True
    return False


@dataclass
class StagedWrite:
    """Collects a run's files in a staging folder and moves them into place on commit.

    ``lock``: the output lock the run already holds (taken before scoring);
    without one, the writer takes its own and releases it when it finishes.
    """

    out: Path
    lock: OutputLock | None = None
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    touched_days: set = field(default_factory=set)  # partitions whose existing files this run rewrites
    _moves: dict = field(default_factory=dict)  # final relative path -> staged path
    _deletes: set = field(default_factory=set)

    def __post_init__(self) -> None:
        self.out = Path(self.out)
        self.out.mkdir(parents=True, exist_ok=True)
        self._own_lock = self.lock is None
        if self._own_lock:
            self.lock = OutputLock(self.out).acquire()
        else:
            self.lock.check(self.out)
        try:
            recover(self.out, self.lock)
            self.stage = self.out / STAGING / self.run_id
            self.stage.mkdir(parents=True, exist_ok=True)
        except BaseException:
            self._release()
            raise

    def _release(self) -> None:
        if self._own_lock:
            self.lock.release()

    def _staged(self, relative: Path | str) -> Path:
        relative = Path(relative)
        staged = self.stage / relative
        staged.parent.mkdir(parents=True, exist_ok=True)
        self._moves[relative] = staged
        self._deletes.discard(relative)
        return staged

    def write_table(self, relative: Path, table: pa.Table) -> None:
        pq.write_table(table, self._staged(relative), compression="zstd")

    def write_text(self, relative: Path, text: str) -> None:
        self._staged(relative).write_text(text, encoding="utf-8")

    def delete(self, relative: Path | str) -> None:
        relative = Path(relative)
        if (self.out / relative).exists() and relative not in self._moves:
            self._deletes.add(relative)

    def current_relative(self, folder: Path) -> list[Path]:
        """The Parquet files of ``folder`` as they will be after commit, relative to OUT."""
        on_disk = {f.relative_to(self.out) for f in (self.out / folder).glob("*.parquet")}
        staged = {r for r in self._moves if r.parent == folder and r.suffix == ".parquet"}
        return sorted((on_disk | staged) - self._deletes)

    def current_files(self, folder: Path) -> list[Path]:
        """The Parquet files of ``folder`` (relative to OUT) as they will be after commit, where to read them now."""
        return [self._moves.get(r, self.out / r) for r in self.current_relative(folder)]

    def write_partitioned(self, dataset: str, table: pa.Table, row_dates: list, days: set, file_stem: str,
                          replace_keys: set[tuple] | None = None,
                          batch_stems: set[str] | frozenset[str] = frozenset()) -> None:
        """Write ``dataset/call_date=D/<file_stem>.parquet`` for every day D in ``days``.

        A day may get an empty file: it still replaces what an earlier run of
        the same batch wrote there. The batch's files on other days are
        deleted, and rows whose keys are in ``replace_keys`` (every call of
        the batch; by default the keys in ``table``) are dropped from every
        other file of the dataset. Keys are ``(call_id,)``: a call scored
        again under another rubric (a team change, ``--rubric``) replaces its
        rows of the old rubric too. ``batch_stems`` names the batch's other
        files (one per rubric when calls are routed to several): they are
        rewritten or removed by their own write, never trimmed here.
        """
        if replace_keys is None:
            replace_keys = set(zip(*(table.column(k).to_pylist() for k in KEY)))
        date_array = pa.array(row_dates, type=pa.date32())
        for day in sorted(days):
            part = table.filter(pc.equal(date_array, pa.scalar(day, pa.date32())))
            self.write_table(Path(dataset) / f"call_date={day.isoformat()}" / f"{file_stem}.parquet", part)
        self.replace_calls(dataset, sorted(k[0] for k in replace_keys), {file_stem}, set(batch_stems))

    def replace_calls(self, dataset: str, keys: list[str], batch_stems: set[str] | frozenset[str],
                      rewritten_elsewhere: set[str] | frozenset[str] = frozenset()) -> None:
        """After staging a batch's files of ``dataset``: delete the batch's files of earlier runs
        that this run did not write again (``batch_stems``: its stems, a file ``<stem>.parquet`` or
        ``<stem>-s00003.parquet``), and drop the rows of calls ``keys`` (sorted call ids) from every
        other file. ``rewritten_elsewhere``: stems whose files another write of this run replaces
        (the batch's other rubrics): left alone here."""
        for existing in sorted((self.out / dataset).glob("call_date=*/*.parquet")):
            relative = existing.relative_to(self.out)
            if relative in self._moves:
                continue
            batch = batch_of(existing.stem)
            if batch in batch_stems:
                self.delete(relative)  # this batch no longer has calls there
                self.touched_days.add(partition_day(existing))
                continue
            if batch in rewritten_elsewhere:
                continue
            self._drop_rows(existing, keys)

    def adopt(self, relative: Path | str, staged: Path | str) -> None:
        """A file a worker wrote into this run's staging folder: it moves to ``relative`` on commit."""
        relative = Path(relative)
        self._moves[relative] = Path(staged)
        self._deletes.discard(relative)

    def _drop_rows(self, path: Path, keys: list[str]) -> None:
        """Drop the rows of calls ``keys`` (sorted) from a stored file; its footer first says whether it can hold any."""
        if not _may_hold(path, keys, KEY[0]):
            return
        stored = pq.read_table(path, columns=list(KEY)).column(KEY[0])
        drop = pc.is_in(stored, value_set=pa.array(keys, pa.string()))
        if not pc.any(drop).as_py():
            return
        relative = path.relative_to(self.out)
        self.touched_days.add(partition_day(path))
        if pc.all(drop).as_py():
            self.delete(relative)
        else:
            self.write_table(relative, pq.read_table(path).filter(pc.invert(drop)))

    def commit(self, manifest: dict) -> None:
        """Journal the plan (the run's manifest with it), then apply it (:func:`_apply`)."""
        plan = {"run_id": self.run_id, "manifest": manifest,
                "moves": [(str(staged.relative_to(self.out)), str(final)) for final, staged in self._moves.items()],
                "deletes": [str(d) for d in sorted(self._deletes)]}
        try:
            _write_atomic(self.stage / JOURNAL, json.dumps(plan, ensure_ascii=False, default=str))
            _apply(self.out, plan)
        except BaseException:
            self._release()  # a journal stays: the next writer or reader rolls this commit forward
            raise
        self._finish()

    def abort(self) -> None:
        """Drop what was staged. Once commit has journalled its plan, keep it for
        :func:`recover` instead: half the moves may already be done."""
        if (self.stage / JOURNAL).exists():
            self._release()
            return
        self._finish()

    def _finish(self) -> None:
        (self.stage / JOURNAL).unlink(missing_ok=True)  # first: readers stop waiting for this commit
        shutil.rmtree(self.stage, ignore_errors=True)
        try:
            (self.out / STAGING).rmdir()
        except OSError:
            pass
        self._release()
