"""The workbench's own records: appeals and coaching notes, append-only like the review log.

Three folders under ``OUT`` hold what people decide in the workbench:

- ``reviews/`` — decisions on findings, written by
  :func:`scorers.reports.reviews.record_decisions` (the log ``callqa review``
  writes; the reports and ``review-corpus`` read it);
- ``appeals/`` — an agent's appeal (申诉) against a finding, filed by a coach or
  QA lead: ``finding_id, call_id, agent_id, team, criterion, reason, filed_by, filed_at``;
- ``coaching/`` — a call marked coached: ``call_id, agent_id, team, note, coach, coached_at``.

Each write is one new small JSONL file created under a temporary name and
linked into place, never rewritten (the same reasoning as the review log: who
did what, when, is an audit record). Because files never change once they
exist, :class:`LogFolder` parses each file once and afterwards only reads the
files that are new — a month of one-click decisions is thousands of files,
and the queue must not re-read them all on every request.
"""
from __future__ import annotations

import json
import os
import threading
import uuid
from datetime import datetime, timezone
from pathlib import Path

from scorers.numbers import mask_text

APPEALS, COACHING, REVIEWS = "appeals", "coaching", "reviews"
MAX_TEXT = 2000


class JournalError(ValueError):
    """A record that cannot be written; the message says which field and why."""


def now_utc() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


FREE_TEXT = ("note", "reason", "coach", "filed_by")  # typed by people: masked before stored


def append_records(out: Path | str, kind: str, rows: list[dict]) -> Path:
    """Write ``rows`` as one new JSONL file under ``OUT/<kind>/``; free text is masked first.

    Ids and times are stored as they are (a masked id finds no call; a time is
    no personal number, though its digits would look like one to the masker).
    """
    if kind not in (APPEALS, COACHING):
        raise JournalError(f"unknown record kind {kind!r}")
    if not rows:
        raise JournalError("nothing to record")
    for row in rows:
        for key, value in row.items():
            if isinstance(value, str) and len(value) > MAX_TEXT:
                raise JournalError(f"{key}: longer than {MAX_TEXT} characters")
    folder = Path(out) / kind
    folder.mkdir(parents=True, exist_ok=True)
    now = datetime.now(timezone.utc)
    final = folder / f"{now.strftime('%Y%m%dT%H%M%S%f')}Z-{uuid.uuid4().hex[:8]}.jsonl"
    tmp = folder / f".{final.name}.{os.getpid()}.tmp"
    text = "".join(json.dumps({k: mask_text(v) if k in FREE_TEXT and isinstance(v, str) else v
                               for k, v in row.items()},
                              ensure_ascii=False) + "\n" for row in rows)
    with tmp.open("w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    try:
        os.link(tmp, final)  # fails rather than replace an existing file
    finally:
        tmp.unlink(missing_ok=True)
    return final


class LogFolder:
    """The records of one append-only folder, oldest file first; each file is parsed once."""

    def __init__(self, out: Path | str, kind: str):
        self.folder = Path(out) / kind
        self._parsed: dict[str, list[dict]] = {}
        self._lock = threading.Lock()

    def records(self) -> list[dict]:
        """Every record, in file-name order (names start with the UTC time of the write), then line order.

        A line that is not JSON is skipped here (the review log's own reader,
        used by ``callqa review`` and the reports, names it as an error).
        """
        names = sorted(p.name for p in self.folder.glob("*.jsonl") if not p.name.startswith(".")) \
            if self.folder.is_dir() else []
        with self._lock:
            for name in names:
                if name not in self._parsed:
                    rows = []
                    text = (self.folder / name).read_text(encoding="utf-8")
                    for n, line in enumerate(text.splitlines(), start=1):
                        try:
                            item = json.loads(line)
                        except ValueError:
                            continue
                        if isinstance(item, dict):
                            rows.append({**item, "file": name, "line": n})
                    self._parsed[name] = rows
            return [row for name in names for row in self._parsed[name]]
