"""One shard read, scored and written by a worker: its own part files, a small result, a clean rerun."""
import json

import pyarrow.parquet as pq
import pytest

from scorers.shard_scoring import ShardTask, score_shard
from scorers.shards import plan_shards
from scorers.routing import Router
from tests.conftest import call_record

MOBILE = "13812345678"


def task_for(tmp_path, shard, rubric):
    return ShardTask(shard, str(tmp_path / "stage" / shard.name), ((rubric.id, "part-x"),), "part-x",
                     tuple(rubric.criterion_ids))


def night(tmp_path, lines):
    path = tmp_path / "n.jsonl"
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def record(call_id, day="2026-11-20", text="您好,请问有什么可以帮您?", agent_id="A1"):
    return json.dumps(call_record(call_id=call_id, agent_id=agent_id, started_at=f"{day}T09:00:00+08:00",
                                  utterances=[("agent", text), ("customer", "我的卡被锁了")]), ensure_ascii=False)


def test_a_shard_writes_its_own_files_per_day_and_returns_ids_and_locations(tmp_path, default_rubric):
    path = night(tmp_path, [record("K-1"), "{broken", record("K-2", day="2026-11-21"),
                            record("K-3", text=f"您的手机号是{MOBILE}")])
    (shard,) = plan_shards([path])
    result = score_shard(task_for(tmp_path, shard, default_rubric), Router.single(default_rubric))
    assert result.call_ids.to_pylist() == ["K-1", "K-2", "K-3"]
    assert result.locations.to_pylist() == ["line 1", "line 3", "line 4"]
    assert result.records == 4 and len(result.rejections) == 1 and "line 2" in result.rejections[0]
    assert "calls/call_date=2026-11-20/part-x-s00000.parquet" in result.files
    assert "calls/call_date=2026-11-21/part-x-s00000.parquet" in result.files
    assert "rejected/part-x-s00000.jsonl" in result.files
    folder = tmp_path / "stage" / "s00000"
    transcripts = pq.read_table(folder / "transcripts/call_date=2026-11-20/part-x-s00000.parquet").to_pylist()
    assert MOBILE not in json.dumps(transcripts, ensure_ascii=False)  # masked in the worker, before any write
    # a day on which no call had a compliance case still gets its (empty) compliance file
    assert pq.read_table(folder / "compliance/call_date=2026-11-21/part-x-s00000.parquet").num_rows == 0


def test_a_rerun_of_a_shard_starts_from_an_empty_folder(tmp_path, default_rubric):
    path = night(tmp_path, [record("K-1")])
    (shard,) = plan_shards([path])
    task = task_for(tmp_path, shard, default_rubric)
    leftover = tmp_path / "stage" / "s00000" / "calls" / "call_date=2026-11-19" / "part-x-s00000.parquet"
    leftover.parent.mkdir(parents=True)
    leftover.write_bytes(b"half written by a worker that died")
    result = score_shard(task, Router.single(default_rubric))
    assert not leftover.exists()
    assert result.files == sorted(result.files) and all("2026-11-19" not in f for f in result.files)


def test_ids_that_are_personal_numbers_are_counted_and_shown_masked(tmp_path, default_rubric):
    path = night(tmp_path, [record(MOBILE), record("K-2", agent_id="6222021001234567896")])
    (shard,) = plan_shards([path])
    result = score_shard(task_for(tmp_path, shard, default_rubric), Router.single(default_rubric))
    assert result.personal_ids == 2 and MOBILE not in result.first_personal


def test_the_collector_is_tuned_while_scoring_and_restored_after():
    import gc

    from scorers.shard_scoring import SCORING_GC_THRESHOLD, fewer_collections

    before = gc.get_threshold()
    with fewer_collections():
        assert gc.get_threshold() == SCORING_GC_THRESHOLD
    assert gc.get_threshold() == before
    with pytest.raises(ZeroDivisionError), fewer_collections():
        1 / 0
    assert gc.get_threshold() == before
