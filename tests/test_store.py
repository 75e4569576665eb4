"""store: staged writes, partitioned datasets, replacing rows of re-scored calls, the lock, consistent reads."""
import json
import signal
import subprocess
import sys
import time
from datetime import date

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pathlib import Path

import scorers.store as store
from scorers.store import STAGING, SUCCESS, OutputBusy, OutputLock, StagedWrite, Store, StoreInconsistent, read_dataset

D1, D2 = date(2026, 11, 20), date(2026, 11, 21)
SCHEMA = pa.schema([("call_id", pa.string()), ("rubric_id", pa.string()), ("score", pa.float64())])


def table(*rows):
    return pa.Table.from_pylist([{"call_id": c, "rubric_id": r, "score": s} for c, r, s in rows], schema=SCHEMA)


def write(out, rows, dates, stem, days=None):
    writer = StagedWrite(out)
    writer.write_partitioned("calls", table(*rows), dates, set(dates) if days is None else days, stem)
    writer.commit({"run_id": writer.run_id})
    return writer


def rows_of(out):
    t = read_dataset(out, "calls")
    if t is None:
        return []
    return sorted((r["call_id"], r["rubric_id"], r["score"], r["call_date"]) for r in t.to_pylist())


def visible_files(out):
    """Every file but the writers' lock, which says who is writing, not what was written."""
    return sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file() and p.name != store.LOCK)


def test_read_dataset_of_nothing(tmp_path):
    assert read_dataset(tmp_path, "calls") is None
    (tmp_path / "calls" / "call_date=2026-11-20").mkdir(parents=True)
    assert read_dataset(tmp_path, "calls") is None


def test_partitioned_write_and_read_back(tmp_path):
    write(tmp_path, [("C1", "default", 90.0), ("C2", "default", 70.0), ("C3", "default", 50.0)], [D1, D1, D2],
          "part-a")
    assert sorted(p for p in visible_files(tmp_path) if not p.startswith("_")) == [
        "calls/call_date=2026-11-20/part-a.parquet", "calls/call_date=2026-11-21/part-a.parquet"]
    assert rows_of(tmp_path) == [("C1", "default", 90.0, D1), ("C2", "default", 70.0, D1),
                                 ("C3", "default", 50.0, D2)]
    t = read_dataset(tmp_path, "calls")
    assert t.schema.field("call_date").type == pa.date32()
    # the partition key is not stored inside the files
    assert pq.read_schema(tmp_path / "calls" / "call_date=2026-11-20" / "part-a.parquet").names == SCHEMA.names


def test_commit_records_the_run_and_cleans_staging(tmp_path):
    writer = write(tmp_path, [("C1", "default", 90.0)], [D1], "part-a")
    manifest = json.loads((tmp_path / "_runs" / f"{writer.run_id}.json").read_text(encoding="utf-8"))
    assert manifest == {"run_id": writer.run_id}
    assert not (tmp_path / STAGING).exists()


def test_a_day_with_no_rows_gets_an_empty_file(tmp_path):
    write(tmp_path, [("C1", "default", 90.0)], [D1], "part-a", days={D1, D2})
    empty = pq.read_table(tmp_path / "calls" / "call_date=2026-11-21" / "part-a.parquet")
    assert empty.num_rows == 0 and empty.schema.equals(SCHEMA)


def test_same_stem_replaces_its_files(tmp_path):
    write(tmp_path, [("C1", "default", 90.0), ("C2", "default", 70.0)], [D1, D2], "part-a")
    write(tmp_path, [("C1", "default", 80.0)], [D1], "part-a")
    assert rows_of(tmp_path) == [("C1", "default", 80.0, D1)]
    assert not (tmp_path / "calls" / "call_date=2026-11-21" / "part-a.parquet").exists()


def test_rows_with_the_same_key_in_other_files_are_dropped(tmp_path):
    write(tmp_path, [("C1", "default", 90.0), ("C2", "default", 70.0)], [D1, D1], "part-a")
    write(tmp_path, [("C1", "default", 40.0)], [D1], "part-b")
    assert rows_of(tmp_path) == [("C1", "default", 40.0, D1), ("C2", "default", 70.0, D1)]


def test_a_call_rescored_under_another_rubric_replaces_its_rows(tmp_path):
    """The key is the call, not (call, rubric): a team change or --rubric must not store the call twice."""
    write(tmp_path, [("C1", "default", 90.0), ("C2", "default", 70.0)], [D1, D1], "part-a")
    write(tmp_path, [("C1", "wealth_outbound", 60.0)], [D1], "part-b")
    assert rows_of(tmp_path) == [("C1", "wealth_outbound", 60.0, D1), ("C2", "default", 70.0, D1)]


def test_file_left_without_rows_is_deleted(tmp_path):
    write(tmp_path, [("C1", "default", 90.0)], [D1], "part-a")
    write(tmp_path, [("C1", "default", 40.0)], [D1], "part-b")
    assert [p for p in visible_files(tmp_path) if p.startswith("calls/")] == [
        "calls/call_date=2026-11-20/part-b.parquet"]


def test_abort_leaves_nothing(tmp_path):
    write(tmp_path, [("C1", "default", 90.0)], [D1], "part-a")
    before = {p: (tmp_path / p).read_bytes() for p in visible_files(tmp_path)}
    writer = StagedWrite(tmp_path)
    writer.write_partitioned("calls", table(("C1", "default", 10.0)), [D1], {D1}, "part-a")
    writer.write_text("rejected/part-a.jsonl", "{}\n")
    assert (tmp_path / STAGING).exists()
    writer.abort()
    assert {p: (tmp_path / p).read_bytes() for p in visible_files(tmp_path)} == before
    assert not (tmp_path / STAGING).exists()


def test_staged_files_are_invisible_to_readers_until_commit(tmp_path):
    write(tmp_path, [("C1", "default", 90.0)], [D1], "part-a")
    writer = StagedWrite(tmp_path)
    writer.write_partitioned("calls", table(("C2", "default", 10.0)), [D1], {D1}, "part-b")
    assert rows_of(tmp_path) == [("C1", "default", 90.0, D1)]
    writer.commit({})
    assert rows_of(tmp_path) == [("C1", "default", 90.0, D1), ("C2", "default", 10.0, D1)]


def test_failure_while_staging_changes_nothing(tmp_path, monkeypatch):
    write(tmp_path, [("C1", "default", 90.0), ("C2", "default", 70.0)], [D1, D2], "part-a")
    before = {p: (tmp_path / p).read_bytes() for p in visible_files(tmp_path)}
    original, calls = store.pq.write_table, []

    def failing(*args, **kw):
        calls.append(args)
        if len(calls) == 2:
            raise OSError("disk full")
        return original(*args, **kw)

    monkeypatch.setattr(store.pq, "write_table", failing)
    writer = StagedWrite(tmp_path)
    with pytest.raises(OSError):
        try:
            writer.write_partitioned("calls", table(("C1", "default", 1.0), ("C2", "default", 2.0)), [D1, D2],
                                     {D1, D2}, "part-a")
        except BaseException:
            writer.abort()
            raise
    assert {p: (tmp_path / p).read_bytes() for p in visible_files(tmp_path)} == before


def test_rows_of_a_rescored_call_go_from_every_day(tmp_path):
    write(tmp_path, [("C1", "default", 90.0), ("C2", "default", 70.0)], [D1, D1], "part-a")
    write(tmp_path, [("C1", "default", 40.0)], [D2], "part-b")  # the call's corrected date is the 21st
    assert rows_of(tmp_path) == [("C1", "default", 40.0, D2), ("C2", "default", 70.0, D1)]


def test_replace_keys_drop_rows_the_new_table_no_longer_has(tmp_path):
    """A call scored again with no findings must lose its old findings."""
    write(tmp_path, [("C1", "default", 1.0), ("C1", "default", 2.0), ("C2", "default", 3.0)], [D1, D1, D1], "part-a")
    writer = StagedWrite(tmp_path)
    writer.write_partitioned("calls", table(), [], {D1}, "part-b", replace_keys={("C1",)})
    writer.commit({})
    assert rows_of(tmp_path) == [("C2", "default", 3.0, D1)]


def test_touched_days_name_the_partitions_a_write_changes(tmp_path):
    write(tmp_path, [("C1", "default", 90.0), ("C2", "default", 70.0)], [D1, D2], "part-a")
    writer = StagedWrite(tmp_path)
    writer.write_partitioned("calls", table(("C2", "default", 10.0)), [D1], {D1}, "part-b")
    assert writer.touched_days == {D2}
    writer.abort()


def fail_renames_after(monkeypatch, n):
    """os.replace in scorers.store fails on the (n+1)-th move of a staged file into the datasets."""
    original, moved = store.os.replace, []

    def replace(src, dst):
        if STAGING in str(src) and STAGING not in str(dst):
            if len(moved) == n:
                raise OSError("simulated crash during commit")
            moved.append(dst)
        return original(src, dst)

    monkeypatch.setattr(store.os, "replace", replace)


def test_recover_rolls_a_journaled_commit_forward(tmp_path, monkeypatch):
    write(tmp_path, [("C1", "default", 90.0), ("C2", "default", 70.0)], [D1, D2], "part-a")
    writer = StagedWrite(tmp_path)
    writer.write_partitioned("calls", table(("C1", "default", 10.0), ("C3", "default", 30.0)), [D1, D2],
                             {D1, D2}, "part-a")
    fail_renames_after(monkeypatch, 1)
    with pytest.raises(OSError):
        writer.commit({"run_id": writer.run_id})
    monkeypatch.undo()
    assert raw_rows(tmp_path) == ["C1", "C2"]  # half applied: the new C1, the old C2
    assert store.recover(tmp_path) == [writer.run_id]
    assert rows_of(tmp_path) == [("C1", "default", 10.0, D1), ("C3", "default", 30.0, D2)]
    assert store.recover(tmp_path) == []  # nothing left to do


def test_a_new_writer_finishes_an_interrupted_commit(tmp_path, monkeypatch):
    writer = StagedWrite(tmp_path)
    writer.write_partitioned("calls", table(("C1", "default", 10.0), ("C3", "default", 30.0)), [D1, D2],
                             {D1, D2}, "part-a")
    fail_renames_after(monkeypatch, 0)
    with pytest.raises(OSError):
        writer.commit({})
    monkeypatch.undo()
    assert raw_rows(tmp_path) == []
    StagedWrite(tmp_path).abort()
    assert rows_of(tmp_path) == [("C1", "default", 10.0, D1), ("C3", "default", 30.0, D2)]


def test_recover_drops_staging_that_never_committed(tmp_path):
    write(tmp_path, [("C1", "default", 90.0)], [D1], "part-a")
    before = {p: (tmp_path / p).read_bytes() for p in visible_files(tmp_path)}
    abandoned = StagedWrite(tmp_path)
    abandoned.write_partitioned("calls", table(("C1", "default", 1.0)), [D1], {D1}, "part-a")
    abandoned.lock.release()  # its process died: the kernel dropped its lock
    assert store.recover(tmp_path) == []
    assert not abandoned.stage.exists()
    assert {p: (tmp_path / p).read_bytes() for p in visible_files(tmp_path)} == before


def test_a_second_writer_does_not_destroy_a_running_one(tmp_path):
    first = StagedWrite(tmp_path)
    first.write_partitioned("calls", table(("C1", "default", 90.0)), [D1], {D1}, "part-a")
    with pytest.raises(store.OutputBusy, match="another callqa run"):
        StagedWrite(tmp_path)  # another run starts on the same OUT while the first is staging
    first.write_partitioned("findings", table(("C1", "default", 90.0)), [D1], {D1}, "part-a")
    first.commit({})
    assert rows_of(tmp_path) == [("C1", "default", 90.0, D1)]
    StagedWrite(tmp_path).abort()  # once the first has committed, the folder is free again


def test_a_lock_left_by_a_dead_process_is_taken_over(tmp_path):
    (tmp_path / store.LOCK).write_text("999999999")
    write(tmp_path, [("C1", "default", 90.0)], [D1], "part-a")
    assert rows_of(tmp_path) == [("C1", "default", 90.0, D1)]


# --------------------------------------------------------------------------- the lock is an OS lock

HOLDER = r"""
import sys
from scorers.store import OutputLock
lock = OutputLock(sys.argv[1]).acquire()
print("held", flush=True)
sys.stdin.read()  # until the test closes stdin (or kills us)
"""


@pytest.fixture
def holder(tmp_path):
    """Another process holding the output lock of tmp_path (killed at the end)."""
    procs = []

    def start(out=tmp_path):
        proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(out)], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, text=True, cwd=Path(store.__file__).parents[1])
        assert proc.stdout.readline().strip() == "held"
        procs.append(proc)
        return proc

    yield start
    for proc in procs:
        proc.kill()
        proc.wait()


def test_a_running_writer_in_another_process_keeps_others_out(tmp_path, holder):
    proc = holder()
    with pytest.raises(OutputBusy, match=f"pid {proc.pid}"):
        StagedWrite(tmp_path)


def test_an_emptied_lock_file_lets_no_second_writer_in(tmp_path, holder):
    """The old lock read an empty file as stale, deleted it and let a second writer in."""
    holder()
    (tmp_path / store.LOCK).write_text("")
    with pytest.raises(OutputBusy):
        StagedWrite(tmp_path)
    assert (tmp_path / store.LOCK).exists()


def test_a_deleted_lock_file_is_never_the_writers_fault(tmp_path):
    """Releasing closes the lock; it never deletes a lock file (which may by then be someone else's)."""
    writer = write(tmp_path, [("C1", "default", 90.0)], [D1], "part-a")
    assert not writer.lock.held
    assert (tmp_path / store.LOCK).exists()


def test_a_killed_holder_frees_the_lock(tmp_path, holder):
    proc = holder()
    with pytest.raises(OutputBusy):
        OutputLock(tmp_path).acquire()
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    write(tmp_path, [("C1", "default", 90.0)], [D1], "part-a")
    assert rows_of(tmp_path) == [("C1", "default", 90.0, D1)]


def test_a_writer_uses_the_lock_its_run_already_holds(tmp_path):
    with Store(tmp_path).acquire() as lock:
        writer = StagedWrite(tmp_path, lock=lock)
        writer.write_partitioned("calls", table(("C1", "default", 90.0)), [D1], {D1}, "part-a")
        writer.commit({})
        assert lock.held  # the run's lock outlives its writer
        with pytest.raises(OutputBusy):
            StagedWrite(tmp_path)
    assert rows_of(tmp_path) == [("C1", "default", 90.0, D1)]


# --------------------------------------------------------------------------- readers and half-applied commits

def crashed_commit(tmp_path, monkeypatch):
    """A committed C1/C2, then a commit (C1 changed, C2 gone, C3 new) that died after its first move."""
    write(tmp_path, [("C1", "default", 90.0), ("C2", "default", 70.0)], [D1, D2], "part-a")
    writer = StagedWrite(tmp_path)
    writer.write_partitioned("calls", table(("C1", "default", 10.0), ("C3", "default", 30.0)), [D1, D2],
                             {D1, D2}, "part-a")
    fail_renames_after(monkeypatch, 1)
    with pytest.raises(OSError):
        writer.commit({"run_id": writer.run_id})
    monkeypatch.undo()
    return writer


def raw_rows(out):
    """What a reader that ignores the journal (pandas, DuckDB) would see."""
    import pyarrow.dataset as ds

    if not (out / "calls").is_dir():
        return []
    return sorted(r["call_id"] for r in ds.dataset(str(out / "calls"), format="parquet").to_table().to_pylist())


def test_readers_roll_an_interrupted_commit_forward(tmp_path, monkeypatch):
    crashed_commit(tmp_path, monkeypatch)
    assert raw_rows(tmp_path) == ["C1", "C2"]  # precondition: half applied (new C1, old C2)
    assert not (tmp_path / SUCCESS).exists()  # ... and marked so for readers outside callqa
    assert rows_of(tmp_path) == [("C1", "default", 10.0, D1), ("C3", "default", 30.0, D2)]
    assert (tmp_path / SUCCESS).exists() and not (tmp_path / STAGING).exists()


def test_success_marker_names_the_last_commit(tmp_path):
    writer = write(tmp_path, [("C1", "default", 90.0)], [D1], "part-a")
    assert json.loads((tmp_path / SUCCESS).read_text(encoding="utf-8"))["run_id"] == writer.run_id


def test_readers_wait_for_a_running_commit_then_refuse(tmp_path, monkeypatch, holder):
    crashed_commit(tmp_path, monkeypatch)
    holder()  # a live run holds the lock: the journal may be its commit in progress
    started = time.monotonic()
    with pytest.raises(StoreInconsistent, match="applying a commit"):
        Store(tmp_path, wait_s=0.3).read("calls")
    assert time.monotonic() - started >= 0.3


def test_readers_refuse_a_pending_commit_they_cannot_finish(tmp_path, monkeypatch):
    crashed_commit(tmp_path, monkeypatch)

    def read_only(self):
        raise PermissionError(13, "Permission denied", str(self.path))

    monkeypatch.setattr(OutputLock, "try_acquire", read_only)
    with pytest.raises(StoreInconsistent, match="half updated"):
        read_dataset(tmp_path, "calls")


def test_a_read_that_overlaps_a_commit_is_done_again(tmp_path, monkeypatch):
    write(tmp_path, [("C1", "default", 90.0)], [D1], "part-a")
    original, reads = store._read_files_of, []

    def read_then_commit(path):
        result = original(path)
        if not reads:  # another run commits while this read is under way
            write(tmp_path, [("C2", "default", 70.0)], [D1], "part-b")
        reads.append(path)
        return result

    monkeypatch.setattr(store, "_read_files_of", read_then_commit)
    assert [r[0] for r in rows_of(tmp_path)] == ["C1", "C2"]
    assert len(reads) == 2


def test_files_whose_key_range_excludes_the_batch_are_not_read(tmp_path):
    """The commit reads a stored file's keys only when its footer's min/max could hold one of the batch's."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from scorers.store import _may_hold

    old = tmp_path / "old.parquet"
    pq.write_table(pa.table({"call_id": ["2026-11-01-0001", "2026-11-01-0500"]}), old)
    tonight = ["2026-11-02-0001", "2026-11-02-0007"]
    assert not _may_hold(old, tonight, "call_id")
    again = ["2026-11-01-0300", "2026-11-02-0001"]  # in range: must read
    assert _may_hold(old, again, "call_id")
    assert _may_hold(old, None, "call_id") and not _may_hold(old, [], "call_id")
