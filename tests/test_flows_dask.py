"""The nightly flow on a real Dask cluster (a scheduler and two worker processes): the same scorecards."""
import pytest

from scorers.store import read_dataset
from tests.flow_runner import run_child, run_flow

_ON_DASK = r"""
import dataclasses, json, sys
args = json.loads(sys.argv[1])
from pipelines.flows import run_nightly
summary = run_nightly(args["input"], args["out"], args["rubric"], dask=args["dask"], shard_calls=4)
print("SUMMARY " + json.dumps(dataclasses.asdict(summary), default=str, ensure_ascii=False))
"""


def scorecard_rows(out):
    calls = sorted((r["call_id"], r["total_score"], r["vetoed"]) for r in read_dataset(out, "calls").to_pylist())
    findings = sorted((r["finding_id"], r["criterion"], r["outcome"]) for r in read_dataset(out, "findings").to_pylist())
    return calls, findings


@pytest.mark.slow
def test_a_dask_cluster_scores_the_night_like_one_machine(tmp_path, prefect_home, make_call, default_rubric_path):
    from distributed import LocalCluster

    for i in range(12):
        path = make_call(call_id=f"D-{i:02d}", agent_id=f"A{i % 3}",
                         utterances=[("agent", "您好,请问有什么可以帮您?"), ("customer", "我的卡被锁了,急死了"),
                                     ("agent", "这款产品保本保息" if i % 4 == 0 else "好的,我帮您查一下,卡号6222021001234567896")])
    alone = run_flow(path, tmp_path / "alone", default_rubric_path, prefect_home=prefect_home)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        assert len(cluster.workers) == 2  # a real scheduler and two worker processes
        on_dask = run_child(_ON_DASK, {"input": str(path), "out": str(tmp_path / "dask"),
                                       "rubric": str(default_rubric_path), "dask": cluster.scheduler_address},
                            prefect_home=prefect_home)
    assert on_dask["calls_scored"] == alone["calls_scored"] == 12
    assert scorecard_rows(tmp_path / "dask") == scorecard_rows(tmp_path / "alone")
    # three shards of four calls, each a task whose worker wrote its own part files
    assert len(list((tmp_path / "dask" / "calls").rglob("*.parquet"))) == 3
