"""Writing scorecards so that a crash never leaves half an output.

Everything a run writes goes first to ``OUT/_staging/<run>/`` (readers skip
names starting with ``_``). Commit writes a journal of the planned moves, then
moves each file into place with an atomic rename, then removes the journal. A
run that dies part-way through the moves leaves its journal and staged files
behind; the next run rolls that commit forward before doing anything else, so
the datasets never stay half updated. A run that dies before commit leaves
nothing visible; its staging folder is removed by the next run.

Files are named by the batch (its sources and rubric), so scoring the same
input again replaces its files; rows of the same calls in any other file of a
dataset (any day) are removed in the same commit, so a call never counts twice.
"""
from __future__ import annotations

import json
import os
import shutil
import uuid
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from scorers.schemas import PARTITION

STAGING = "_staging"
JOURNAL = "journal.json"
LOCK = "_lock"


class OutputBusy(RuntimeError):
    """Another run is writing to the same output folder."""


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def acquire_lock(out: Path) -> Path:
    """One writer per output folder: a second run would clear the first one's staging."""
    lock = out / LOCK
    for _ in range(2):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            try:
                holder = int(lock.read_text().strip() or 0)
            except (OSError, ValueError):
                holder = 0
            if holder and _pid_alive(holder):  # this process too: a writer not yet committed
                raise OutputBusy(f"{out}: another callqa run (pid {holder}) is writing here; "
                                 f"wait for it or remove {lock} if it is gone") from None
            lock.unlink(missing_ok=True)  # stale: its process is gone
            continue
        with os.fdopen(fd, "w") as f:
            f.write(str(os.getpid()))
        return lock
    raise OutputBusy(f"{out}: could not take {lock}")


def read_dataset(root: Path | str, name: str) -> pa.Table | None:
    """A whole scorecard dataset (``calls``, ``findings``, ...) with ``call_date`` restored.

    Files of calls scored with different rubrics have different criterion
    columns (``calls/``, ``agents/``): the dataset is read with the union of
    their schemas, a column a file lacks comes back null for its rows.
    """
    path = Path(root) / name
    files = sorted(f for f in path.rglob("*.parquet") if not any(p.startswith(("_", ".")) for p in
                                                                  f.relative_to(path).parts)) if path.is_dir() else []
    if not files:
        return None
    schema = pa.unify_schemas([pq.read_schema(f) for f in files] + [PARTITION], promote_options="permissive")
    dataset = ds.dataset(str(path), format="parquet", schema=schema,
                         partitioning=ds.partitioning(PARTITION, flavor="hive"))
    return dataset.to_table()


def partition_day(path: Path) -> date | None:
    """The call_date of a file in ``dataset/call_date=YYYY-MM-DD/``."""
    name = path.parent.name
    return date.fromisoformat(name.split("=", 1)[1]) if name.startswith("call_date=") else None


def _apply(out: Path, moves: list[tuple[str, str]], deletes: list[str]) -> None:
    for staged, final in moves:
        source, target = out / staged, out / final
        if source.exists():  # already moved when rolling a commit forward
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(source, target)
    for relative in deletes:
        (out / relative).unlink(missing_ok=True)


def recover(out: Path) -> list[str]:
    """Finish commits interrupted mid-way and clear abandoned staging folders; returns rolled-forward runs."""
    staging = out / STAGING
    rolled = []
    for folder in sorted(staging.iterdir()) if staging.is_dir() else []:
        journal = folder / JOURNAL
        if journal.is_file():
            plan = json.loads(journal.read_text(encoding="utf-8"))
            _apply(out, [tuple(m) for m in plan["moves"]], plan["deletes"])
            rolled.append(folder.name)
        shutil.rmtree(folder, ignore_errors=True)
    return rolled


@dataclass
class StagedWrite:
    """Collects a run's files in a staging folder and moves them into place on commit."""

    out: Path
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    touched_days: set = field(default_factory=set)  # partitions whose existing files this run rewrites
    _moves: dict = field(default_factory=dict)  # final relative path -> staged path
    _deletes: set = field(default_factory=set)

    def __post_init__(self) -> None:
        self.out.mkdir(parents=True, exist_ok=True)
        self._lock = acquire_lock(self.out)
        recover(self.out)
        self.stage = self.out / STAGING / self.run_id
        self.stage.mkdir(parents=True, exist_ok=True)

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
                          key_columns: tuple[str, ...] = ("call_id", "rubric_id"),
                          batch_stems: set[str] | frozenset[str] = frozenset()) -> None:
        """Write ``dataset/call_date=D/<file_stem>.parquet`` for every day D in ``days``.

        A day may get an empty file: it still replaces what an earlier run of
        the same batch wrote there. The batch's files on other days are
        deleted, and rows whose keys are in ``replace_keys`` (every call of
        the batch; by default the keys in ``table``) are dropped from every
        other file of the dataset. ``batch_stems`` names the batch's other
        files (one per rubric when calls are routed to several): they are
        rewritten or removed by their own write, never trimmed here.
        """
        if replace_keys is None:
            replace_keys = set(zip(*(table.column(k).to_pylist() for k in key_columns)))
        date_array = pa.array(row_dates, type=pa.date32())
        for day in sorted(days):
            part = table.filter(pc.equal(date_array, pa.scalar(day, pa.date32())))
            self.write_table(Path(dataset) / f"call_date={day.isoformat()}" / f"{file_stem}.parquet", part)
        for existing in sorted((self.out / dataset).glob("call_date=*/*.parquet")):
            relative = existing.relative_to(self.out)
            if relative in self._moves:
                continue
            if existing.stem == file_stem:
                self.delete(relative)  # this batch no longer has calls on that day
                self.touched_days.add(partition_day(existing))
                continue
            if existing.stem in batch_stems:
                continue
            self._drop_rows(existing, replace_keys, key_columns)

    def delete_stem(self, dataset: str, file_stem: str) -> None:
        """Remove every day's ``<file_stem>.parquet`` of ``dataset`` (a rubric no call of the batch got this time)."""
        for existing in sorted((self.out / dataset).glob(f"call_date=*/{file_stem}.parquet")):
            relative = existing.relative_to(self.out)
            if relative not in self._moves:
                self.delete(relative)
                self.touched_days.add(partition_day(existing))

    def _drop_rows(self, path: Path, replace_keys: set[tuple], key_columns: tuple[str, ...]) -> None:
        keys_only = pq.read_table(path, columns=list(key_columns))
        rows = list(zip(*(keys_only.column(k).to_pylist() for k in key_columns)))
        keep = [r not in replace_keys for r in rows]
        if all(keep):
            return
        relative = path.relative_to(self.out)
        self.touched_days.add(partition_day(path))
        if any(keep):
            self.write_table(relative, pq.read_table(path).filter(pa.array(keep)))
        else:
            self.delete(relative)

    def commit(self, manifest: dict) -> None:
        """Journal the plan, move every staged file into place, then record the run."""
        moves = [(str(staged.relative_to(self.out)), str(final)) for final, staged in self._moves.items()]
        deletes = [str(d) for d in sorted(self._deletes)]
        journal = self.stage / JOURNAL
        tmp = self.stage / f".{JOURNAL}.tmp"
        tmp.write_text(json.dumps({"moves": moves, "deletes": deletes}), encoding="utf-8")
        os.replace(tmp, journal)
        try:
            _apply(self.out, moves, deletes)
        except BaseException:
            self._lock.unlink(missing_ok=True)  # the journal stays: the next run rolls this commit forward
            raise
        runs = self.out / "_runs"
        runs.mkdir(exist_ok=True)
        tmp = runs / f".{self.run_id}.json.tmp"
        tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
        os.replace(tmp, runs / f"{self.run_id}.json")
        self._finish()

    def abort(self) -> None:
        """Drop what was staged. Once commit has journalled its plan, keep it for
        :func:`recover` instead: half the moves may already be done."""
        if (self.stage / JOURNAL).exists():
            self._lock.unlink(missing_ok=True)
            return
        self._finish()

    def _finish(self) -> None:
        shutil.rmtree(self.stage, ignore_errors=True)
        try:
            (self.out / STAGING).rmdir()
        except OSError:
            pass
        self._lock.unlink(missing_ok=True)
