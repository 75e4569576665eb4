#!/usr/bin/env python3
"""Are two scorecard folders the same, row for row? (A check for speed work: outputs must not change.)

    python bench/compare_outputs.py BEFORE AFTER [--tables calls findings compliance transcripts agents]

Reads every Parquet file of each table (hive partitions included), drops the ``scored_at``
columns (the time of the run), sorts the rows by every column and compares them value for
value, types included. File names (run ids) are ignored. Exits 1 on the first difference
it reports per table, 0 when every table is identical.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd
import pyarrow.dataset as ds

IGNORED = ("scored_at",)


def read(folder: Path, table: str) -> pd.DataFrame | None:
    path = folder / table
    if not path.exists():
        return None
    frame = ds.dataset(path, format="parquet", partitioning="hive").to_table().to_pandas()
    frame = frame.drop(columns=[c for c in frame.columns if c in IGNORED])
    frame = frame[sorted(frame.columns)]
    for c in frame.columns:  # categorical partition columns compare as their values
        if isinstance(frame[c].dtype, pd.CategoricalDtype):
            frame[c] = frame[c].astype(str)
    keys = list(frame.columns)
    return frame.sort_values(keys, key=lambda s: s.astype(str), kind="stable").reset_index(drop=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("before", type=Path)
    ap.add_argument("after", type=Path)
    ap.add_argument("--tables", nargs="+", default=["calls", "findings", "compliance", "transcripts", "agents"])
    args = ap.parse_args()
    failed = False
    for table in args.tables:
        a, b = read(args.before, table), read(args.after, table)
        if a is None and b is None:
            print(f"{table:12s} absent in both")
            continue
        if a is None or b is None:
            print(f"{table:12s} DIFFERENT: present in only one folder")
            failed = True
            continue
        if list(a.columns) != list(b.columns):
            print(f"{table:12s} DIFFERENT columns: {sorted(set(a.columns) ^ set(b.columns))}")
            failed = True
            continue
        if len(a) != len(b):
            print(f"{table:12s} DIFFERENT: {len(a)} rows vs {len(b)}")
            failed = True
            continue
        try:
            pd.testing.assert_frame_equal(a, b, check_exact=True)
        except AssertionError as err:
            print(f"{table:12s} DIFFERENT: {str(err)[:600]}")
            failed = True
            continue
        print(f"{table:12s} identical: {len(a)} rows x {len(a.columns)} columns")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
