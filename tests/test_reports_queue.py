"""queue: the review queue's order, and the night-by-night merge that gives the same order as a whole sort."""
from __future__ import annotations

import random
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from scorers.reports import queue as queue_mod
from scorers.reports.data import load_queue
from scorers.reports.queue import order_keys, ordered_queue, ranked_cases, stored_nights
from tests.reports_helpers import scorecards

FIRST = date(2026, 11, 1)


def synthetic_night(night: date, n: int, rng: random.Random) -> pd.DataFrame:
    """Cases with many ties (a few severities, confidences and start times) and some missing values."""
    stamps = [pd.Timestamp(f"{night.isoformat()}T09:00:00+08:00") + pd.Timedelta(minutes=rng.choice([0, 5, 5, 30]))
              for _ in range(n)]
    frame = pd.DataFrame({
        "finding_id": [f"F-{night:%m%d}-{i:03d}-{rng.randrange(1000):03d}" for i in range(n)],
        "severity": [rng.choice(["critical", "major", "minor", "critical", None]) for _ in range(n)],
        "confidence": [rng.choice([1.0, 0.9, 0.9, 0.7, np.nan]) for _ in range(n)],
        "started_at": [s if rng.random() > 0.05 else pd.NaT for s in stamps],
        "decision": [rng.choice([None, None, "confirmed", "dismissed", "reopened"]) for _ in range(n)],
        "counted": [rng.random() > 0.2 for _ in range(n)],
        "night": [night] * n,
    })
    frame["started_at"] = pd.to_datetime(frame["started_at"], utc=True).dt.tz_convert("Asia/Shanghai")
    return frame


@pytest.fixture
def fake_store(monkeypatch):
    """Ten nights of synthetic cases, served to ranked_cases one night at a time; records what it read."""
    rng = random.Random(3)
    nights = {FIRST + timedelta(days=d): synthetic_night(FIRST + timedelta(days=d), rng.randrange(0, 60), rng)
              for d in range(10)}
    read = []

    def one_night(out, since, until, decisions=None):
        assert since == until, "ranked_cases reads one night at a time"
        read.append(since)
        return nights[since].copy()

    monkeypatch.setattr(queue_mod, "stored_nights", lambda out, since=None, until=None: sorted(nights))
    monkeypatch.setattr(queue_mod, "load_queue", one_night)
    monkeypatch.setattr(queue_mod, "latest_decisions", lambda out: pd.DataFrame())
    return nights, read


def test_the_merge_gives_the_order_of_one_whole_sort(fake_store, tmp_path):
    nights, read = fake_store
    whole = ordered_queue(pd.concat(nights.values(), ignore_index=True))
    merged = list(ranked_cases("OUT", tmp_path / "runs"))
    assert [c["finding_id"] for c in merged] == whole["finding_id"].tolist()
    assert [c["rank"] for c in merged] == list(range(1, len(whole) + 1))
    assert [c["status"] for c in merged] == whole["status"].tolist()
    assert read == sorted(nights)  # each night read once, alone


def test_statuses_are_pending_unless_confirmed_or_dismissed(fake_store, tmp_path):
    statuses = {c["decision"]: c["status"] for c in ranked_cases("OUT", tmp_path / "runs")}
    assert statuses == {None: "pending", "reopened": "pending", "confirmed": "confirmed", "dismissed": "dismissed"}


def test_missing_confidence_and_start_sort_last_within_their_severity():
    frame = pd.DataFrame({"finding_id": list("abcde"), "severity": ["critical"] * 4 + ["major"],
                          "confidence": [np.nan, 0.5, 0.9, 0.9, 1.0],
                          "started_at": ["2026-11-20T09:00:00+08:00", "2026-11-20T09:00:00+08:00", None,
                                         "2026-11-20T08:00:00+08:00", "2026-11-20T10:00:00+08:00"],
                          "decision": [None] * 5})
    assert ordered_queue(frame)["finding_id"].tolist() == ["d", "c", "b", "a", "e"]
    keys = order_keys(frame)
    assert keys["_conf"][0] == np.inf and keys["_when"][2] == np.iinfo(np.int64).max


def test_a_store_is_read_night_by_night_and_matches_reading_it_whole(tmp_path):
    _, out = scorecards(tmp_path / "out")
    nights = stored_nights(out)
    assert len(nights) >= 2
    whole = ordered_queue(load_queue(out))
    merged = list(ranked_cases(out, tmp_path / "runs"))
    assert [c["finding_id"] for c in merged] == whole["finding_id"].tolist()
    assert [c["evidence"] for c in merged] == whole["evidence"].tolist()
    assert stored_nights(out, since=nights[-1]) == [nights[-1]]
    assert list(ranked_cases(out, tmp_path / "none", since="2030-01-01")) == []
