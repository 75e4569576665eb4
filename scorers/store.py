"""Writing scorecards so that a crash never leaves half an output.

Everything a run writes goes first to ``OUT/_staging/<run>/`` (readers skip
names starting with ``_``), then each file is moved into place with an atomic
rename. Files are named by the batch (its sources and rubric), so scoring the
same input again replaces its files; rows of the same calls in other files of
the same partition are removed in the same commit, so a call never counts
twice.
"""
from __future__ import annotations

import json
import os
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from scorers.schemas import PARTITION

STAGING = "_staging"


def read_dataset(root: Path | str, name: str) -> pa.Table | None:
    """A whole scorecard dataset (``calls``, ``findings``, ...) with ``call_date`` restored."""
    path = Path(root) / name
    if not path.is_dir() or not any(path.rglob("*.parquet")):
        return None
    dataset = ds.dataset(str(path), format="parquet", partitioning=ds.partitioning(PARTITION, flavor="hive"))
    return dataset.to_table()


@dataclass
class StagedWrite:
    """Collects a run's files in a staging folder and moves them into place on commit."""

    out: Path
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    _moves: list[tuple[Path, Path]] = field(default_factory=list)
    _deletes: list[Path] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.stage = self.out / STAGING / self.run_id
        self.stage.mkdir(parents=True, exist_ok=True)

    def _staged(self, relative: Path) -> Path:
        staged = self.stage / relative
        staged.parent.mkdir(parents=True, exist_ok=True)
        self._moves.append((staged, self.out / relative))
        return staged

    def write_table(self, relative: Path, table: pa.Table) -> None:
        pq.write_table(table, self._staged(relative), compression="zstd")

    def write_text(self, relative: Path, text: str) -> None:
        self._staged(relative).write_text(text, encoding="utf-8")

    def delete(self, relative: Path) -> None:
        if (self.out / relative).exists():
            self._deletes.append(self.out / relative)

    def write_partitioned(self, dataset: str, table: pa.Table, row_dates: list, days: set, file_stem: str,
                          key_columns: tuple[str, ...] = ("call_id", "rubric_id")) -> None:
        """Write ``dataset/call_date=D/<file_stem>.parquet`` for every day D in ``days``.

        A day may get an empty file: it still replaces what an earlier run of
        the same batch wrote there. The batch's files on other days are
        deleted, and rows with the same keys in other files of a partition
        are dropped from those files.
        """
        date_array = pa.array(row_dates, type=pa.date32())
        for day in sorted(days):
            part = table.filter(pc.equal(date_array, pa.scalar(day, pa.date32())))
            relative = Path(dataset) / f"call_date={day.isoformat()}" / f"{file_stem}.parquet"
            self.write_table(relative, part)
            self._drop_elsewhere(relative, part, key_columns)
        for old in (self.out / dataset).glob(f"call_date=*/{file_stem}.parquet"):
            if old.parent.name.split("=", 1)[1] not in {d.isoformat() for d in days}:
                self.delete(old.relative_to(self.out))

    def _drop_elsewhere(self, relative: Path, part: pa.Table, keys: tuple[str, ...]) -> None:
        folder = self.out / relative.parent
        if not folder.is_dir():
            return
        new_keys = set(zip(*(part.column(k).to_pylist() for k in keys)))
        for other in sorted(folder.glob("*.parquet")):
            if other.name == relative.name:
                continue
            existing = pq.read_table(other)
            if any(k not in existing.column_names for k in keys):
                continue
            rows = list(zip(*(existing.column(k).to_pylist() for k in keys)))
            keep = [r not in new_keys for r in rows]
            if all(keep):
                continue
            other_relative = other.relative_to(self.out)
            if any(keep):
                self.write_table(other_relative, existing.filter(pa.array(keep)))
            else:
                self.delete(other_relative)

    def commit(self, manifest: dict) -> None:
        """Move every staged file into place, then record the run."""
        for staged, final in self._moves:
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staged, final)
        for path in self._deletes:
            path.unlink(missing_ok=True)
        runs = self.out / "_runs"
        runs.mkdir(exist_ok=True)
        tmp = runs / f".{self.run_id}.json.tmp"
        tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
        os.replace(tmp, runs / f"{self.run_id}.json")
        self.abort()

    def abort(self) -> None:
        shutil.rmtree(self.stage, ignore_errors=True)
        try:
            (self.out / STAGING).rmdir()
        except OSError:
            pass
