"""Agent figures summed file by file equal those of the day read whole."""
import pyarrow as pa
import pyarrow.parquet as pq

from scorers.aggregate import AgentTally, agent_day_table
from scorers.schemas import agents_schema

CRITERIA = ["greeting", "info_leak", "disclose_risk"]


def calls(rows):
    """rows: (call_id, agent, score, passed, vetoed, greeting status, info_leak status)."""
    return pa.table({"call_id": [r[0] for r in rows], "agent_id": [r[1] for r in rows], "team": ["T"] * len(rows),
                     "rubric_id": ["default"] * len(rows), "rubric_version": ["1"] * len(rows),
                     "total_score": [r[2] for r in rows], "passed": [r[3] for r in rows],
                     "vetoed": [r[4] for r in rows], "greeting_status": [r[5] for r in rows],
                     "info_leak_status": [r[6] for r in rows]})


def compliance(rows):
    """rows: (call_id, agent, counted)."""
    return pa.table({"call_id": [r[0] for r in rows], "agent_id": [r[1] for r in rows], "team": ["T"] * len(rows),
                     "rubric_id": ["default"] * len(rows), "rubric_version": ["1"] * len(rows),
                     "counted": [r[2] for r in rows]})


DAY = [("c1", "A1", 90.0, True, False, "met", "met"), ("c2", "A1", 55.0, False, True, "violation", "violation"),
       ("c3", "A2", 80.0, True, False, None, "met"), ("c4", "A1", 70.0, False, False, "violation", None)]
CASES = [("c2", "A1", True), ("c2", "A1", None), ("c3", "A2", False)]  # c3's is suspected: no flag yet


def test_the_figures_of_a_day():
    table = AgentTally(CRITERIA).add_calls(calls(DAY)).add_compliance(compliance(CASES)).table()
    assert table.schema.equals(agents_schema(CRITERIA))
    a1, a2 = table.to_pylist()
    assert (a1["agent_id"], a1["n_calls"], a1["mean_score"], a1["n_vetoed"], a1["compliance_flags"]) == \
        ("A1", 3, 71.67, 1, 2)
    assert a1["pass_rate"] == 1 / 3
    assert a1["greeting_violation_rate"] == 2 / 3 and a1["info_leak_violation_rate"] == 1 / 2  # no status: not counted
    assert a1["disclose_risk_violation_rate"] is None  # a criterion these calls do not have
    assert (a2["agent_id"], a2["compliance_flags"], a2["greeting_violation_rate"]) == ("A2", 0, None)


def test_summed_file_by_file_equals_read_whole(tmp_path):
    files = []
    for n, rows in enumerate((DAY[:1], DAY[1:3], DAY[3:])):
        files.append(tmp_path / f"calls-{n}.parquet")
        pq.write_table(calls(rows), files[-1])
    pq.write_table(compliance(CASES), tmp_path / "compliance.parquet")
    whole = AgentTally(CRITERIA).add_calls(calls(DAY)).add_compliance(compliance(CASES)).table()
    assert agent_day_table(files, [tmp_path / "compliance.parquet"], CRITERIA).equals(whole)


def test_a_day_without_calls_is_an_empty_table():
    assert AgentTally(CRITERIA).table().num_rows == 0
