"""A model never fails a call on its own: suspected findings are written and queued, and count once confirmed.

End to end through run_batch with the shipped model and a rubric whose over_promise head is set to fire on
every utterance it judges (threshold 0), so the model's findings are certain to exist.
"""
import pandas as pd
import pytest

from scorers.batch import run_batch
from scorers.reports.reviews import Decision, record_decisions
from scorers.rubric import load_rubric

CALL = [("customer", "这个理财产品怎么样"), ("agent", "这款产品的业绩比较基准是百分之三左右"),
        ("customer", "好的我考虑一下"), ("agent", "感谢您的来电,再见")]


@pytest.fixture
def eager_rubric(rubric_copy, edit):
    edit(rubric_copy, "    model: {mode: suggest, threshold: 0.97}\n    violation_when:\n      builtin: over_promise",
         "    model: {mode: suggest, threshold: 0.0}\n    violation_when:\n      builtin: over_promise")
    return load_rubric(rubric_copy)


def test_suspected_findings_are_queued_but_cost_nothing_until_confirmed(eager_rubric, make_call, tmp_path):
    path = make_call(CALL, call_id="S-9")
    out = tmp_path / "out"
    run_batch(path, out, eager_rubric)
    findings = pd.read_parquet(out / "findings")
    suspected = findings[(findings.criterion == "over_promise")]
    assert len(suspected) >= 1 and set(suspected.basis) == {"model"} and not suspected.counted.any()
    assert (suspected.points == 0).all()
    calls = pd.read_parquet(out / "calls")
    (row,) = calls.to_dict("records")
    assert not row["vetoed"] and row["over_promise_status"] == "met" and row["n_suspected"] >= 1
    queue = pd.read_parquet(out / "compliance")
    assert set(queue.finding_id) >= set(suspected.finding_id) and not queue.counted.any()
    assert pd.read_parquet(out / "agents")["compliance_flags"].sum() == 0

    chosen = suspected.finding_id.iloc[0]
    record_decisions(out, [Decision(chosen, "confirmed", "张三")])
    run_batch(path, out, eager_rubric)  # the night scored again: the confirmed finding now counts
    calls = pd.read_parquet(out / "calls")
    (row,) = calls.to_dict("records")
    assert row["vetoed"] and not row["passed"] and row["over_promise_status"] == "violation"
    findings = pd.read_parquet(out / "findings").set_index("finding_id")
    assert findings.loc[chosen, "counted"] and findings.loc[chosen, "points"] < 0
    assert pd.read_parquet(out / "agents")["compliance_flags"].sum() == 1
