"""Appeals and coaching notes: append-only files, free text masked, read incrementally."""
from __future__ import annotations

import json

import pytest

from scorers.workbench.journal import APPEALS, COACHING, JournalError, LogFolder, append_records

CARD = "6222021001122334458"


def test_records_are_new_files_with_free_text_masked(tmp_path):
    first = append_records(tmp_path, APPEALS, [{"finding_id": "f1", "reason": f"客户念了卡号{CARD}", "filed_by": "c",
                                                "filed_at": "2026-11-20T01:02:03.123456+00:00"}])
    second = append_records(tmp_path, APPEALS, [{"finding_id": "f2", "reason": "x", "filed_by": "c",
                                                 "filed_at": "2026-11-20T01:02:04.000000+00:00"}])
    assert first != second and first.parent == second.parent == tmp_path / APPEALS
    row = json.loads(first.read_text())
    assert CARD not in row["reason"] and row["reason"].startswith("客户念了卡号6222")
    assert row["filed_at"] == "2026-11-20T01:02:03.123456+00:00"  # a time is not masked as a number
    assert not list((tmp_path / APPEALS).glob(".*"))  # no temporary file left


def test_bad_records_are_refused(tmp_path):
    with pytest.raises(JournalError, match="unknown record kind"):
        append_records(tmp_path, "reviews", [{"a": 1}])
    with pytest.raises(JournalError, match="note: longer than"):
        append_records(tmp_path, COACHING, [{"note": "x" * 2001}])


def test_log_folder_reads_each_file_once(tmp_path, monkeypatch):
    log = LogFolder(tmp_path, COACHING)
    assert log.records() == []
    append_records(tmp_path, COACHING, [{"call_id": "c1", "note": "a"}])
    assert [r["call_id"] for r in log.records()] == ["c1"]
    read = []
    original = type(tmp_path).read_text
    monkeypatch.setattr(type(tmp_path), "read_text", lambda self, *a, **k: read.append(self.name) or original(self, *a, **k))
    append_records(tmp_path, COACHING, [{"call_id": "c2", "note": "b"}, {"call_id": "c3", "note": "c"}])
    assert [r["call_id"] for r in log.records()] == ["c1", "c2", "c3"]
    assert len(read) == 1  # only the new file
