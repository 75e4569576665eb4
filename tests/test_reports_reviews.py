"""reviews: the append-only decision log — validation, one new file per write, latest wins, CSV import."""
from __future__ import annotations

import json

import pandas as pd
import pytest

from scorers.reports.reviews import (Decision, ReviewError, import_decisions, latest_decisions, read_log,
                                     record_decisions)
from tests.reports_helpers import CARD, scorecards


@pytest.fixture()
def out(tmp_path):
    return scorecards(tmp_path / "out")[1]


@pytest.fixture()
def ids(out):
    findings = pd.read_parquet(out / "compliance")
    leak = findings[findings["criterion"] == "info_leak"]["finding_id"].tolist()
    promise = findings[findings["criterion"] == "over_promise"]["finding_id"].tolist()
    return leak, promise


def test_a_decision_is_one_new_file_and_old_files_are_never_rewritten(out, ids):
    leak, _ = ids
    first = record_decisions(out, [Decision(leak[0], "confirmed", "王芳", "坐席念了完整卡号")])
    before = first.read_bytes()
    second = record_decisions(out, [Decision(leak[0], "dismissed", "李雷", "客户本人要求核对")])
    assert first != second and first.parent == second.parent == out / "reviews"
    assert first.read_bytes() == before
    assert sorted(p.name for p in (out / "reviews").iterdir()) == sorted([first.name, second.name])
    record = json.loads(second.read_text(encoding="utf-8"))
    assert record["decision"] == "dismissed" and record["reviewer"] == "李雷" and record["decided_at"]


def test_the_latest_decision_wins(out, ids):
    leak, promise = ids
    record_decisions(out, [Decision(leak[0], "confirmed", "王芳")])
    record_decisions(out, [Decision(leak[0], "dismissed", "李雷"), Decision(promise[0], "confirmed", "李雷")])
    latest = latest_decisions(out)
    assert latest.loc[leak[0], "decision"] == "dismissed" and latest.loc[leak[0], "reviewer"] == "李雷"
    assert latest.loc[promise[0], "decision"] == "confirmed"
    assert len(read_log(out)) == 3  # the history stays


def test_no_log_means_no_decisions(out):
    assert latest_decisions(out).empty


@pytest.mark.parametrize("decision, message", [
    (Decision("ffffffffffffffff", "confirmed", "王芳"), "unknown finding id 'ffffffffffffffff'"),
    (Decision("{leak}", "maybe", "王芳"), "decision must be one of confirmed, dismissed"),
    (Decision("{leak}", "confirmed", "  "), "reviewer is empty"),
])
def test_bad_decisions_are_refused_with_the_reason_and_nothing_is_written(out, ids, decision, message):
    decision = Decision(decision.finding_id.format(leak=ids[0][0]), decision.decision, decision.reviewer)
    with pytest.raises(ReviewError, match=message):
        record_decisions(out, [decision])
    assert not list((out / "reviews").glob("*.jsonl")) if (out / "reviews").exists() else True


def test_one_bad_decision_of_several_records_none(out, ids):
    leak, _ = ids
    with pytest.raises(ReviewError, match="decision 2: unknown finding id") as err:
        record_decisions(out, [Decision(leak[0], "confirmed", "王芳"), Decision("nope", "confirmed", "王芳")])
    assert "nothing was recorded" in str(err.value)
    assert read_log(out).empty


def test_notes_are_masked_before_they_are_stored(out, ids):
    written = record_decisions(out, [Decision(ids[0][0], "dismissed", "王芳", f"客户本人要求核对卡号{CARD}")])
    text = written.read_text(encoding="utf-8")
    assert CARD not in text and "6222***********4458" in text


def test_chinese_decision_words_are_accepted(out, ids):
    record_decisions(out, [Decision(ids[0][0], "驳回", "王芳")])
    assert latest_decisions(out).loc[ids[0][0], "decision"] == "dismissed"


def test_csv_import_with_bom_extra_columns_and_blank_rows(out, ids, tmp_path):
    leak, promise = ids
    csv_path = tmp_path / "decisions.csv"
    csv_path.write_text("rank,finding_id,decision,reviewer,note\n"
                        f"1,{leak[0]},确认,王芳,\"念了完整卡号,已提醒\"\n"
                        f"2,{promise[0]},dismissed,王芳,披露过风险\n"
                        f"3,{promise[1]},,,\n", encoding="utf-8-sig")
    written, recorded, skipped = import_decisions(out, csv_path)
    assert (recorded, skipped) == (2, 1)
    latest = latest_decisions(out)
    assert latest.loc[leak[0], "decision"] == "confirmed" and latest.loc[leak[0], "note"] == "念了完整卡号,已提醒"
    assert latest.loc[promise[0], "decision"] == "dismissed"
    assert promise[1] not in latest.index
    assert json.loads(written.read_text(encoding="utf-8").splitlines()[0])["source"] == "import:decisions.csv"


def test_csv_import_lists_every_bad_line_and_records_nothing(out, ids, tmp_path):
    csv_path = tmp_path / "bad.csv"
    csv_path.write_text("finding_id,decision,reviewer,note\n"
                        f"{ids[0][0]},confirmed,王芳,\n"
                        "abc,dismissed,,\n"
                        f"{ids[1][0]},whatever,王芳,\n", encoding="utf-8")
    with pytest.raises(ReviewError) as err:
        import_decisions(out, csv_path)
    message = str(err.value)
    assert "bad.csv line 3: unknown finding id 'abc'" in message
    assert "bad.csv line 3: reviewer is empty" in message
    assert "bad.csv line 4: decision must be one of" in message
    assert read_log(out).empty


def test_csv_without_the_needed_columns_is_refused(out, tmp_path):
    csv_path = tmp_path / "wrong.csv"
    csv_path.write_text("id,verdict\nx,confirmed\n", encoding="utf-8")
    with pytest.raises(ReviewError, match="missing column.*finding_id, decision, reviewer"):
        import_decisions(out, csv_path)


def test_a_hand_edited_log_is_reported_not_ignored(out, ids):
    written = record_decisions(out, [Decision(ids[0][0], "confirmed", "王芳")])
    (written.parent / "20990101T000000000000Z-deadbeef.jsonl").write_text("{not json\n", encoding="utf-8")
    with pytest.raises(ReviewError, match="line 1 is not a decision record"):
        latest_decisions(out)


def test_deciding_needs_scorecards(tmp_path):
    with pytest.raises(ReviewError, match="no scorecards"):
        record_decisions(tmp_path, [Decision("0123456789abcdef", "confirmed", "王芳")])
