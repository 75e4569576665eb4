"""scorecards: scored calls to the calls and transcripts tables (columns built a column at a time)."""
from datetime import date

from scorers.call import Call, Utterance
from scorers.schemas import TRANSCRIPTS, calls_schema
from scorers.scorecards import calls_table, transcript_rows, transcripts_table
from scorers.scoring import score_call


def _call(call_id: str, *turns: tuple[str, str], day=date(2026, 11, 20)) -> Call:
    speakers = {"A": "agent", "C": "customer"}
    utterances = [Utterance(speakers[who], text, 1000 * i, 1000 * i + 900) for i, (who, text) in enumerate(turns)]
    return Call(call_id, "A-7", utterances, team="T1", channel="phone", started_at="2026-11-20T09:00:00+08:00",
                call_date=day, source="night.jsonl:1")


def test_calls_table_has_one_row_per_call_and_nulls_for_another_rubrics_criteria(default_rubric):
    scored = [score_call(_call("C-1", ("A", "您好,请问有什么可以帮您?"), ("C", "查余额")), default_rubric),
              score_call(_call("C-2", ("A", "这款产品保本保息,稳赚不赔。")), default_rubric)]
    criteria = default_rubric.criterion_ids + ["other_rubrics_check"]
    table = calls_table(scored, default_rubric, criteria)
    assert table.schema == calls_schema(criteria)
    rows = table.to_pylist()
    assert [r["call_id"] for r in rows] == ["C-1", "C-2"]
    assert [r["vetoed"] for r in rows] == [s.vetoed for s in scored]
    assert rows[1]["over_promise_status"] == scored[1].results["over_promise"].status == "violation"
    assert rows[1]["n_violations"] >= 1 and rows[0]["n_utterances"] == 2 and rows[0]["duration_s"] == 1.9
    assert rows[0]["other_rubrics_check_score"] is None and rows[0]["other_rubrics_check_status"] is None
    assert len({r["scored_at"] for r in rows}) == 1


def test_transcripts_are_masked_per_call_and_keep_each_utterance(default_rubric):
    # a mobile number read out over two agent turns: masked in both, as its share of the whole
    scored = [score_call(_call("C-1", ("A", "您的号码是13800"), ("C", "嗯"), ("A", "138000对吧")), default_rubric),
              score_call(_call("C-2", ("C", "你好"), day=date(2026, 11, 21)), default_rubric)]
    columns, dates = transcript_rows(scored)
    table = transcripts_table(columns)
    assert table.schema == TRANSCRIPTS
    assert table.column("call_id").to_pylist() == ["C-1", "C-1", "C-1", "C-2"]
    assert table.column("utterance_index").to_pylist() == [0, 1, 2, 0]
    assert table.column("speaker").to_pylist() == ["agent", "customer", "agent", "customer"]
    texts = table.column("text").to_pylist()
    assert "13800138000" not in "".join(texts) and "13800" not in texts[0] and "138000" not in texts[2]
    assert table.column("start_ms").to_pylist() == [0, 1000, 2000, 0]
    assert dates == [date(2026, 11, 20)] * 3 + [date(2026, 11, 21)]
    assert transcripts_table(transcript_rows([])[0]).num_rows == 0
    assert table.column("end_ms").to_pylist() == [900, 1900, 2900, 900]
