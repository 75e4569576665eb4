"""Shards scored in worker processes: the same scorecards as one process, a dead worker's shard once more."""
import pytest

from scorers.batch import open_night, run_batch, score_shards
from scorers.parallel import FAULT_ENV, RubricSpec
from scorers.routing import Router, load_routing
from scorers.store import read_dataset


def night(make_call, n=24):
    for i in range(n):
        path = make_call(call_id=f"P-{i:03d}", agent_id=f"A{i % 3}",
                         utterances=[("agent", "您好,请问有什么可以帮您?"), ("customer", "我想买理财"),
                                     ("agent", "这款产品保本保息,稳赚不赔" if i % 5 == 0 else "好的,我帮您查一下")])
    return path


def scorecards(out):
    calls = sorted((r["call_id"], r["total_score"], r["vetoed"]) for r in read_dataset(out, "calls").to_pylist())
    findings = sorted((r["finding_id"], r["criterion"], r["outcome"], r["evidence"])
                      for r in read_dataset(out, "findings").to_pylist())
    agents = sorted((r["agent_id"], r["n_calls"], r["mean_score"]) for r in read_dataset(out, "agents").to_pylist())
    return calls, findings, agents


def test_workers_score_like_one_process(make_call, default_rubric, tmp_path):
    path = night(make_call)
    alone = run_batch(path, tmp_path / "alone", default_rubric, workers=1)
    pooled = run_batch(path, tmp_path / "pooled", default_rubric, workers=2, shard_calls=5)
    assert (pooled.calls_scored, pooled.violations, pooled.rejections) == \
        (alone.calls_scored, alone.violations, alone.rejections)
    assert scorecards(tmp_path / "pooled") == scorecards(tmp_path / "alone")
    # five shards, each its own part files; the single process wrote one shard
    assert len(list((tmp_path / "pooled" / "calls").rglob("*.parquet"))) == 5
    assert len(list((tmp_path / "alone" / "calls").rglob("*.parquet"))) == 1


def test_shard_results_come_back_in_shard_order(make_call, default_rubric, tmp_path):
    path = night(make_call, 12)
    n = open_night(path, tmp_path / "out", default_rubric, workers=2, shard_calls=4)
    try:
        results = score_shards(n, workers=2)
    finally:
        n.writer.abort()
    assert [r.index for r in results] == [0, 1, 2]
    assert [r.call_ids.to_pylist() for r in results] == [[f"P-{i:03d}" for i in range(k, k + 4)] for k in (0, 4, 8)]


def test_a_worker_that_dies_has_its_shard_scored_again_once(make_call, default_rubric, tmp_path, monkeypatch):
    path = night(make_call)
    flag = tmp_path / "killed"
    monkeypatch.setenv(FAULT_ENV, f"P-007:{flag}")  # the worker scoring P-007 exits, the first time only
    summary = run_batch(path, tmp_path / "out", default_rubric, workers=2, shard_calls=5)
    assert flag.exists()
    ids = read_dataset(tmp_path / "out", "calls").column("call_id").to_pylist()
    assert sorted(ids) == [f"P-{i:03d}" for i in range(24)]  # nothing lost, nothing twice
    assert summary.calls_scored == 24
    transcripts = read_dataset(tmp_path / "out", "transcripts").column("call_id").to_pylist()
    assert len(transcripts) == 24 * 3  # the dead try's part files were not kept beside the rerun's


def test_a_shard_that_kills_a_worker_twice_fails_the_night(make_call, default_rubric, tmp_path, monkeypatch):
    path = night(make_call, 6)
    monkeypatch.setenv(FAULT_ENV, "P-002:always")  # the worker scoring P-002 exits every time
    with pytest.raises(RuntimeError, match="died twice on shard 0"):
        run_batch(path, tmp_path / "out", default_rubric, workers=2, shard_calls=3)
    assert read_dataset(tmp_path / "out", "calls") is None  # nothing of the night is visible


def test_one_shard_is_scored_in_this_process(make_call, default_rubric, tmp_path, monkeypatch):
    import scorers.parallel as parallel

    path = night(make_call, 3)
    seen = []
    monkeypatch.setattr(parallel, "score_shards_in_workers", lambda tasks, spec, workers, **k: seen.append(workers))
    run_batch(path, tmp_path / "out", default_rubric, workers=2)  # 3 calls: one shard
    assert seen == []


def test_spec_names_the_routing_file_or_the_one_rubric(default_rubric, default_rubric_path):
    routing = load_routing(default_rubric_path.parent / "routing.yaml", models=False)
    assert RubricSpec.of(routing) == RubricSpec(routing_path=str(routing.path))
    assert RubricSpec.of(default_rubric).rubric_path == str(default_rubric.path)
    assert RubricSpec.of(Router.single(default_rubric)).rubric_path == str(default_rubric.path)


def test_workers_started_early_score_the_night_and_others_are_shut_down(make_call, default_rubric, tmp_path):
    from scorers import parallel
    from scorers.batch import uses_models

    path = night(make_call, 12)
    spec, models = RubricSpec.of(default_rubric), uses_models(default_rubric)
    parallel.start_workers_early(spec, 2, models=models)  # as the nightly CLI does with its rubrics
    early = parallel._early[parallel._early_key(spec, 2, models)]
    started = {p.pid for p in early._processes.values()}
    assert len(started) == 2
    n = open_night(path, tmp_path / "out", default_rubric, workers=2, shard_calls=4)
    try:
        results = score_shards(n, workers=2)
    finally:
        n.writer.abort()
    assert not parallel._early  # taken by the night, and shut down with it
    assert [r.call_ids.to_pylist() for r in results] == [[f"P-{i:03d}" for i in range(k, k + 4)] for k in (0, 4, 8)]
    assert early._processes is None or not early._processes  # its workers ended with the night
    parallel.start_workers_early(spec, 3, models=False)  # a night that never comes: shut down at exit
    other = parallel._early[parallel._early_key(spec, 3, False)]
    parallel._shut_down_early()
    assert not parallel._early and other._shutdown_thread


_KILLED_RUN = r"""
import sys, time
from scorers.parallel import RubricSpec, _early, _early_key, start_workers_early
spec = RubricSpec(rubric_path=sys.argv[1])
start_workers_early(spec, 2, models=False)
pool = _early[_early_key(spec, 2, False)]
pool.submit(sum, [1]).result()  # both workers are up (one ran this)
while len(pool._processes) < 2:
    time.sleep(0.05)
print(*pool._processes, flush=True)
time.sleep(120)
"""


def test_a_killed_run_leaves_no_scoring_workers(default_rubric_path):
    """SIGKILL runs no exit code: the workers (children of the fork server, which outlives nothing
    but them) must notice the run is gone and end."""
    import os
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    from scorers.lifetime import _start_time

    root = Path(__file__).resolve().parents[1]
    run = subprocess.Popen([sys.executable, "-c", _KILLED_RUN, str(default_rubric_path)], cwd=root,
                           env=dict(os.environ, PYTHONPATH=str(root)), stdout=subprocess.PIPE, text=True)
    try:
        workers = [int(pid) for pid in run.stdout.readline().split()]
        assert len(workers) == 2 and all(_start_time(pid) for pid in workers)
        run.send_signal(signal.SIGKILL)
        run.wait(timeout=10)
        deadline = time.monotonic() + 15
        while any(_start_time(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(_start_time(pid) for pid in workers)
    finally:
        run.kill()
