"""Read the night's transcripts, validate every record, keep the bad ones.

Input is JSONL (one call a line, the contract in LABELING.md), or CSV / Parquet
with one row per utterance. A record that fails validation becomes a
:class:`Rejection` naming the file, the line or rows, the field and the
reason; the rest of the batch goes on. Nothing is dropped silently.
"""
from __future__ import annotations

import csv
import glob
import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterator

from scorers.call import AGENT, CUSTOMER, Call, Utterance

SUFFIXES = (".jsonl", ".csv", ".parquet")
SPEAKERS = {"agent": AGENT, "坐席": AGENT, "客服": AGENT, "staff": AGENT,
            "customer": CUSTOMER, "客户": CUSTOMER, "user": CUSTOMER}
ORDER_COLUMNS = ("utterance_index", "seq", "turn", "order")
ROW_COLUMNS = ("call_id", "agent_id", "started_at", "speaker", "text")
CHINA = timezone(timedelta(hours=8))


class InputError(ValueError):
    """The input path itself is unusable (nothing to read)."""


@dataclass
class Rejection:
    source: str
    location: str  # "line 12" or "rows 4-9"
    call_id: str
    field: str
    reason: str
    raw: str  # the record as read, so it can be fixed and replayed

    def message(self) -> str:
        return f"{self.source}, {self.location}: {self.field}: {self.reason}"


class RecordError(ValueError):
    def __init__(self, field: str, reason: str, call_id: str = ""):
        self.field, self.reason, self.call_id = field, reason, call_id
        super().__init__(f"{field}: {reason}")


def discover(path: str | Path) -> list[Path]:
    """Files to read: a file, every input file under a folder, or a glob."""
    text = str(path)
    p = Path(text)
    if p.is_file():
        files = [p]
    elif p.is_dir():
        files = sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in SUFFIXES
                       and not any(part.startswith((".", "_")) for part in f.relative_to(p).parts))
    else:
        files = sorted(Path(f) for f in glob.glob(text, recursive=True) if Path(f).is_file())
    if not files:
        raise InputError(f"no input files found at {text!r} (expected .jsonl, .csv or .parquet)")
    unknown = [f for f in files if f.suffix.lower() not in SUFFIXES]
    if unknown:
        raise InputError(f"{unknown[0]}: unsupported file type (expected .jsonl, .csv or .parquet)")
    return files


def _text_field(record: dict, key: str, required: bool = True) -> str:
    value = record.get(key)
    if value is None or value == "":
        if required:
            raise RecordError(key, "missing")
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise RecordError(key, f"must be a string, got {type(value).__name__}")
    return str(value).strip()


def _millis(value: Any, field: str) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = float(value.strip()) if "." in value else int(value.strip())
        except ValueError:
            raise RecordError(field, f"must be an integer number of milliseconds, got {value!r}") from None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise RecordError(field, f"must be an integer number of milliseconds, got {value!r}")
    if value < 0:
        raise RecordError(field, f"must not be negative, got {value}")
    return value


def parse_started_at(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise RecordError("started_at", f"not an ISO 8601 date-time: {value!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=CHINA)


def call_date_of(moment: datetime) -> date:
    """The bank's business day of a call: its date in Beijing time, however the vendor wrote it."""
    return moment.astimezone(CHINA).date()


def build_call(record: Any, source: str) -> Call:
    """Validate one call record and build the :class:`Call`, or raise RecordError."""
    if not isinstance(record, dict):
        raise RecordError("(record)", f"expected a JSON object, got {type(record).__name__}")
    call_id = _text_field(record, "call_id")
    agent_id = _text_field(record, "agent_id")
    if isinstance(record.get("started_at"), datetime):  # a Parquet timestamp column
        moment = record["started_at"] if record["started_at"].tzinfo else record["started_at"].replace(tzinfo=CHINA)
    else:
        moment = parse_started_at(_text_field(record, "started_at"))
    raw_utterances = record.get("utterances")
    if not isinstance(raw_utterances, list) or not raw_utterances:
        raise RecordError("utterances", "missing or empty list")
    utterances = []
    for i, u in enumerate(raw_utterances):
        where = f"utterances[{i}]"
        if not isinstance(u, dict):
            raise RecordError(where, "expected an object with speaker, text, start_ms, end_ms")
        speaker = SPEAKERS.get(str(u.get("speaker", "")).strip().lower())
        if speaker is None:
            raise RecordError(f"{where}.speaker", f"unknown speaker {u.get('speaker')!r} "
                                                  f"(expected one of {', '.join(SPEAKERS)})")
        text = u.get("text")
        if not isinstance(text, str):
            raise RecordError(f"{where}.text", "missing or not a string")
        start, end = _millis(u.get("start_ms"), f"{where}.start_ms"), _millis(u.get("end_ms"), f"{where}.end_ms")
        if start is not None and end is not None and end < start:
            raise RecordError(f"{where}.end_ms", f"ends ({end}) before it starts ({start})")
        utterances.append(Utterance(speaker, text, start, end))
    return Call(call_id=call_id, agent_id=agent_id, utterances=utterances,
                team=_text_field(record, "team", False), channel=_text_field(record, "channel", False),
                started_at=moment.isoformat(), call_date=call_date_of(moment), source=source)


def _read_jsonl(path: Path) -> Iterator[tuple[str, str, Any]]:
    with path.open(encoding="utf-8-sig", errors="replace") as f:
        for n, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                yield f"line {n}", line.rstrip("\n"), json.loads(line)
            except json.JSONDecodeError as err:
                yield f"line {n}", line.rstrip("\n"), RecordError("(json)", f"not valid JSON: {err.msg} "
                                                                            f"at column {err.colno}")


def _rows(path: Path) -> list[dict]:
    if path.suffix.lower() == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as f:
            return list(csv.DictReader(f))
    import pyarrow.parquet as pq

    return pq.read_table(path).to_pylist()


def _read_rows(path: Path) -> Iterator[tuple[str, str, Any]]:
    """Group one-row-per-utterance tables into call records (row numbers 1-based, header excluded)."""
    rows = _rows(path)
    columns = set(rows[0]) if rows else set()
    missing = [c for c in ROW_COLUMNS if c not in columns]
    order = next((c for c in ORDER_COLUMNS if c in columns), None)
    if rows and (missing or order is None):
        what = missing or [f"one of {'/'.join(ORDER_COLUMNS)}"]
        yield f"rows 1-{len(rows)}", "", RecordError(f"column {what[0]}", "missing from the file header")
        return
    calls: dict[str, list[tuple[int, dict]]] = {}
    for n, row in enumerate(rows, start=1):
        calls.setdefault(str(row.get("call_id") or f"(row {n})"), []).append((n, row))
    for call_id, numbered in calls.items():
        first, last = numbered[0][0], numbered[-1][0]
        location = f"row {first}" if first == last else f"rows {first}-{last}"
        raw = json.dumps([r for _, r in numbered], ensure_ascii=False, default=str)
        try:
            numbered.sort(key=lambda nr: int(str(nr[1][order]).strip()))
        except ValueError:
            bad = next(n for n, r in numbered if not str(r[order]).strip().lstrip("-").isdigit())
            yield f"row {bad}", raw, RecordError(order, f"not an integer in row {bad}", call_id)
            continue
        head = numbered[0][1]
        record = {k: head.get(k) for k in ("call_id", "agent_id", "team", "channel", "started_at")}
        record["utterances"] = [{k: r.get(k) for k in ("speaker", "text", "start_ms", "end_ms")}
                                for _, r in numbered]
        yield location, raw, record


def iter_records(files: list[Path]) -> Iterator[Call | Rejection]:
    """Every call in ``files``, or a Rejection in its place. Duplicate call ids are rejected."""
    seen: dict[str, str] = {}
    for path in files:
        reader = _read_jsonl if path.suffix.lower() == ".jsonl" else _read_rows
        source = str(path)
        try:
            records = list(reader(path))
        except (OSError, UnicodeError, ValueError) as err:
            yield Rejection(source, "(file)", "", "(file)", f"cannot read file: {err}", "")
            continue
        for location, raw, record in records:
            call_id = (str(record.get("call_id") or "") if isinstance(record, dict)
                       else getattr(record, "call_id", ""))
            try:
                if isinstance(record, RecordError):
                    raise record
                call = build_call(record, source)
                if call.call_id in seen:
                    raise RecordError("call_id", f"duplicate call_id {call.call_id!r}, first at {seen[call.call_id]}")
                seen[call.call_id] = f"{source}, {location}"
                yield call
            except RecordError as err:
                yield Rejection(source, location, call_id, err.field, err.reason, raw)
