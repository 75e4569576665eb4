"""Read the night's transcripts, validate every record, keep the bad ones.

Input is JSONL (one call a line, the contract in LABELING.md), or CSV / Parquet
with one row per utterance. A record that fails validation becomes a
:class:`Rejection` naming the file, the line or rows, the field and the
reason; the rest of the batch goes on. Nothing is dropped silently, and no
single record stops the night: a lone surrogate, a number past 64 bits, a date
outside the calendar, JSON nested 100,000 deep or a 10 MB CSV cell is one more
rejection. Bytes become text in :mod:`scorers.encoding` (UTF-8, or a clear
word about what the file is instead).

Messages quote bad values through :func:`shown`: short, and with personal numbers
masked, because they are printed to terminals and scheduler logs. Ids are the
exception: they are quoted as they are (see README, "Ids").
"""
from __future__ import annotations

import csv
import glob
import io
import json
import re
import reprlib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterable, Iterator

from scorers.call import AGENT, CUSTOMER, Call, Utterance
from scorers.encoding import NotUtf8, decode
from scorers.numbers import mask_text

SUFFIXES = (".jsonl", ".csv", ".parquet")
SPEAKERS = {"agent": AGENT, "坐席": AGENT, "客服": AGENT, "staff": AGENT,
            "customer": CUSTOMER, "客户": CUSTOMER, "user": CUSTOMER}
ORDER_COLUMNS = ("utterance_index", "seq", "turn", "order")
ROW_COLUMNS = ("call_id", "agent_id", "started_at", "speaker", "text")
CHINA = timezone(timedelta(hours=8))
MAX_MS = 2**63 - 1  # start_ms / end_ms are int64 in the scorecards
# The calendar a call can be dated in (Beijing time): outside it, started_at is a typo or a placeholder
# (0001-01-01, an ID number read as a date), and Python's and pandas' date ranges are near.
EARLIEST, LATEST = datetime(1970, 1, 1, tzinfo=CHINA), datetime(2100, 1, 1, tzinfo=CHINA)
# A real ISO 8601 date-time: date, time (at least hours and minutes), optional offset. Python's
# fromisoformat alone also takes "110105199204151892" (an ID number) as a date in the year 1101.
_ISO_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?"
                           r"(?:[Zz]|[+-]\d{2}(?::?\d{2})?)?", re.ASCII)
ISO_EXAMPLE = "2026-11-20T09:02:15+08:00"
# csv's own cell limit: a longer cell is almost always a quote left open that swallowed the rows
# after it. The reader is allowed to go past it (so the rest of the file is still read) and the
# call holding such a cell is rejected.
MAX_CSV_CELL = 131_072
_SURROGATE = re.compile("[\ud800-\udfff]")
_REPR = reprlib.Repr()
_REPR.maxstring = _REPR.maxother = 80
_REPR.maxlevel = 3


class InputError(ValueError):
    """The input path itself is unusable (nothing to read)."""


def printable(text: str) -> str:
    """``text`` that can be written as UTF-8: a lone surrogate (half an emoji, a byte that was
    not UTF-8, a file name in another encoding) becomes its escape, ``\\ud83d``."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def shown(value: Any, mask: bool = True) -> str:
    """A bad value as a message quotes it: its repr, at most about 80 characters (the record
    itself is in ``rejected/``), personal numbers masked (messages reach terminals and logs).
    ``mask=False`` only for a value known to be no personal number (a well-formed date-time)."""
    if not mask:
        return _REPR.repr(value)
    if isinstance(value, str):
        value = mask_text(value)
    return mask_text(_REPR.repr(value))


@dataclass
class Rejection:
    source: str
    location: str  # "line 12" or "rows 4-9"
    call_id: str
    field: str
    reason: str
    raw: str  # the record as read, so it can be fixed and replayed

    def __post_init__(self) -> None:
        # whatever the record held, rejected/ and the run summary must be writable
        for name in ("source", "location", "call_id", "field", "reason", "raw"):
            setattr(self, name, printable(str(getattr(self, name))))

    def message(self) -> str:
        return f"{self.source}, {self.location}: {self.field}: {self.reason}"


class RecordError(ValueError):
    def __init__(self, field: str, reason: str, call_id: str = ""):
        self.field, self.reason, self.call_id = field, reason, call_id
        super().__init__(f"{field}: {reason}")


@dataclass
class Inputs:
    files: list[Path]
    skipped: list[Path] = field(default_factory=list)  # found, but not .jsonl / .csv / .parquet

    def notice(self) -> str:
        """One line for the run summary naming the skipped files, or ""."""
        if not self.skipped:
            return ""
        names = ", ".join(printable(str(f)) for f in self.skipped[:5])
        more = f" and {len(self.skipped) - 5} more" if len(self.skipped) > 5 else ""
        return (f"skipped {len(self.skipped)} file{'s' * (len(self.skipped) > 1)} that "
                f"{'are' if len(self.skipped) > 1 else 'is'} not .jsonl, .csv or .parquet: {names}{more}")


def find_inputs(path: str | Path) -> Inputs:
    """Files to read: a file, every input file under a folder, or a glob.

    A folder and a glob that finds the same files behave the same: other files (a README.txt,
    an .xlsx) are skipped and named in the run summary, never silently and never fatally. Names
    starting with "." or "_" under a folder (our own staging, hidden files) are not looked at.
    Only a single file named outright must be an input file."""
    text = str(path)
    p = Path(text)
    if p.is_file():
        if p.suffix.lower() not in SUFFIXES:
            raise InputError(f"{p}: unsupported file type (expected .jsonl, .csv or .parquet)")
        return Inputs([p])
    if p.is_dir():
        found = sorted(f for f in p.rglob("*") if f.is_file()
                       and not any(part.startswith((".", "_")) for part in f.relative_to(p).parts))
    else:
        found = sorted(Path(f) for f in glob.glob(text, recursive=True) if Path(f).is_file())
    inputs = Inputs([f for f in found if f.suffix.lower() in SUFFIXES],
                    [f for f in found if f.suffix.lower() not in SUFFIXES])
    if not inputs.files:
        also = f"; {inputs.notice()}" if inputs.skipped else ""
        raise InputError(f"no input files found at {text!r} (expected .jsonl, .csv or .parquet){also}")
    return inputs


def discover(path: str | Path) -> list[Path]:
    """The input files of :func:`find_inputs` (the skipped ones left out)."""
    return find_inputs(path).files


def _check_text(value: str, field: str) -> str:
    """``value``, unless it holds a lone surrogate: Parquet, JSON files and terminals take only
    real characters, so a half emoji ("\\ud83d") or a byte that was not UTF-8 rejects the record."""
    bad = _SURROGATE.search(value)
    if bad:
        raise RecordError(field, f"not valid text: {ascii(bad.group())} at character {bad.start()} is half a "
                                 "character (a lone surrogate) or a byte that is not UTF-8")
    return value


def _text_field(record: dict, key: str, required: bool = True) -> str:
    value = record.get(key)
    if value is None or value == "":
        if required:
            raise RecordError(key, "missing")
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise RecordError(key, f"must be a string, got {type(value).__name__}")
    text = _check_text(str(value), key).strip()
    if not text and required:
        raise RecordError(key, f"blank (only spaces): {value!r}")
    return text


def _millis(value: Any, field: str) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = float(value.strip()) if "." in value else int(value.strip())
        except ValueError:
            raise RecordError(field, f"must be an integer number of milliseconds, got {shown(value)}") from None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise RecordError(field, f"must be an integer number of milliseconds, got {shown(value)}")
    if value < 0:
        raise RecordError(field, f"must not be negative, got {shown(value)}")
    if value > MAX_MS:
        raise RecordError(field, f"too large: {shown(value)} is beyond 64-bit milliseconds")
    return value


def parse_started_at(value: str) -> datetime:
    """An ISO 8601 date-time (without an offset: Beijing time) within EARLIEST..LATEST."""
    try:
        if not _ISO_DATETIME.fullmatch(value):
            raise ValueError(value)
        moment = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00").replace(",", "."))
    except ValueError:
        raise RecordError("started_at", f"not an ISO 8601 date-time: {shown(value)} "
                                        f"(expected e.g. {ISO_EXAMPLE})") from None
    return _in_range(moment if moment.tzinfo else moment.replace(tzinfo=CHINA), value)


def _in_range(moment: datetime, value: Any) -> datetime:
    try:
        ok = EARLIEST <= moment < LATEST and moment.astimezone(CHINA) and moment.astimezone(timezone.utc)
    except OverflowError:  # 0001-01-01T00:00:00+14:00 is in no Beijing day
        ok = False
    if not ok:
        raise RecordError("started_at", f"out of range: {shown(value, mask=False)} is not between "
                                        f"{EARLIEST.year} and {LATEST.year} in Beijing time")
    return moment


def call_date_of(moment: datetime) -> date:
    """The bank's business day of a call: its date in Beijing time, however the vendor wrote it."""
    return moment.astimezone(CHINA).date()


def as_record(call: Call) -> dict:
    """The input record of a built call (what ``rejected/`` keeps so a call can be fixed and replayed)."""
    return {"call_id": call.call_id, "agent_id": call.agent_id, "team": call.team, "channel": call.channel,
            "started_at": call.started_at,
            "utterances": [{"speaker": u.speaker, "text": u.text, "start_ms": u.start_ms, "end_ms": u.end_ms}
                           for u in call.utterances]}


def build_call(record: Any, source: str) -> Call:
    """Validate one call record and build the :class:`Call`, or raise RecordError."""
    if not isinstance(record, dict):
        raise RecordError("(record)", f"expected a JSON object, got {type(record).__name__}")
    call_id = _text_field(record, "call_id")
    agent_id = _text_field(record, "agent_id")
    if isinstance(record.get("started_at"), datetime):  # a Parquet timestamp column
        stamp = record["started_at"]
        moment = _in_range(stamp if stamp.tzinfo else stamp.replace(tzinfo=CHINA), str(stamp))
    else:
        moment = parse_started_at(_text_field(record, "started_at"))
    raw_utterances = record.get("utterances")
    if not isinstance(raw_utterances, list) or not raw_utterances:
        raise RecordError("utterances", "missing or empty list")
    utterances = []
    for i, u in enumerate(raw_utterances):
        if type(u) is dict:  # the common, clean utterance in a few look-ups (a third of reading's time)
            said, text, start, end = u.get("speaker"), u.get("text"), u.get("start_ms"), u.get("end_ms")
            if (type(said) is str and said in SPEAKERS and type(text) is str and type(start) is int
                    and type(end) is int and 0 <= start <= end <= MAX_MS and _SURROGATE.search(text) is None):
                utterances.append(Utterance(SPEAKERS[said], text, start, end))
                continue
        # anything else takes the checks below, which accept what they can and name what they cannot
        where = f"utterances[{i}]"
        if not isinstance(u, dict):
            raise RecordError(where, "expected an object with speaker, text, start_ms, end_ms")
        said = u.get("speaker", "")
        speaker = SPEAKERS.get(said.strip().lower()) if isinstance(said, str) else None
        if speaker is None:
            raise RecordError(f"{where}.speaker", f"unknown speaker {shown(said)} "
                                                  f"(expected one of {', '.join(SPEAKERS)})")
        text = u.get("text")
        if not isinstance(text, str):
            raise RecordError(f"{where}.text", "missing or not a string")
        _check_text(text, f"{where}.text")
        start, end = _millis(u.get("start_ms"), f"{where}.start_ms"), _millis(u.get("end_ms"), f"{where}.end_ms")
        if start is not None and end is not None and end < start:
            raise RecordError(f"{where}.end_ms", f"ends ({end}) before it starts ({start})")
        utterances.append(Utterance(speaker, text, start, end))
    return Call(call_id=call_id, agent_id=agent_id, utterances=utterances,
                team=_text_field(record, "team", False), channel=_text_field(record, "channel", False),
                started_at=moment.isoformat(), call_date=call_date_of(moment), source=source)


def read_jsonl(text: str, first_line: int = 1) -> Iterator[tuple[str, str, Any]]:
    """(location, line, record or RecordError) for each non-blank line; ``first_line``: the number
    of the text's first line in its file (a shard starts part-way through). Lines end at "\n" only
    (a "\r" before it is dropped): byte offsets and line numbers then agree however a file is split."""
    for n, line in enumerate(text.split("\n"), start=first_line):
        line = line[:-1] if line.endswith("\r") else line
        if not line.strip():
            continue
        try:
            yield f"line {n}", line, json.loads(line)
        except json.JSONDecodeError as err:
            yield f"line {n}", line, RecordError("(json)", f"not valid JSON: {err.msg} at column {err.colno}")
        except RecursionError:
            yield f"line {n}", line, RecordError("(json)", "not valid JSON: nested too deeply")
        except ValueError as err:  # e.g. an integer of more than 4,300 digits
            yield f"line {n}", line, RecordError("(json)", f"not valid JSON: {shown(str(err))}")


def _csv_rows(text: str) -> list[dict]:
    limit = csv.field_size_limit()
    csv.field_size_limit(2**31 - 1)  # read past an over-long cell; the call holding it is rejected
    try:
        return list(csv.DictReader(io.StringIO(text, newline="")))
    finally:
        csv.field_size_limit(limit)


def _parquet_rows(path: Path) -> list[dict]:
    import pyarrow.parquet as pq

    return pq.read_table(path).to_pylist()


def _order(value: Any) -> int | None:
    text = str(value).strip()
    return int(text) if re.fullmatch(r"-?[0-9]{1,18}", text) else None


def _long_cell(numbered: list[tuple[int, dict]]) -> RecordError | None:
    for n, row in numbered:
        for column, value in row.items():
            if isinstance(value, str) and len(value) > MAX_CSV_CELL:
                return RecordError(f"column {column}", f"cell of {len(value):,} characters in row {n}, over "
                                   f"the {MAX_CSV_CELL:,} limit (a quote left open?)")
    return None


def _read_rows(rows: list[dict], csv_file: bool = False) -> Iterator[tuple[str, str, Any]]:
    """Group one-row-per-utterance tables into call records (row numbers 1-based, header excluded)."""
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
        too_long = _long_cell(numbered) if csv_file else None
        if too_long:
            too_long.call_id = call_id
            yield location, raw, too_long
            continue
        bad = next((n for n, r in numbered if _order(r[order]) is None), None)
        if bad is not None:
            yield f"row {bad}", raw, RecordError(order, f"not an integer in row {bad}", call_id)
            continue
        numbered.sort(key=lambda nr: _order(nr[1][order]))
        head = numbered[0][1]
        record = {k: head.get(k) for k in ("call_id", "agent_id", "team", "channel", "started_at")}
        record["utterances"] = [{k: r.get(k) for k in ("speaker", "text", "start_ms", "end_ms")}
                                for _, r in numbered]
        yield location, raw, record


def file_records(path: Path, source: str, notices: list[str] | None) -> list[tuple[str, str, Any]]:
    if path.suffix.lower() == ".parquet":
        return list(_read_rows(_parquet_rows(path)))
    decoded = decode(path.read_bytes())
    if decoded.notice and notices is not None:
        notices.append(f"{source}: {decoded.notice}")
    if path.suffix.lower() == ".jsonl":
        return list(read_jsonl(decoded.text))
    return list(_read_rows(_csv_rows(decoded.text), csv_file=True))


def _rejected_id(record: Any) -> str:
    """The call id a rejection names: the id as given (ids are shown as they are), or a short,
    masked repr of whatever else stood there."""
    value = record.get("call_id") if isinstance(record, dict) else getattr(record, "call_id", "")
    if value is None or isinstance(value, str):
        return (value or "").strip()
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else shown(value)


def iter_records(files: list[Path], notices: list[str] | None = None) -> Iterator[Call | Rejection]:
    """Every call in ``files``, or a Rejection in its place. Duplicate call ids are rejected.

    ``notices``: where to add what the run summary should say about a file read in another
    encoding than UTF-8. Reads each file whole: a night is read shard by shard instead
    (:mod:`scorers.shards`)."""
    seen: dict[str, str] = {}
    for path in files:
        source = printable(str(path))
        records = read_file(path, source, notices)
        if isinstance(records, Rejection):
            yield records
            continue
        for _, item in build_calls(records, source, seen):
            yield item


def read_file(path: Path, source: str, notices: list[str] | None) -> list[tuple[str, str, Any]] | Rejection:
    """The records of one whole file, or the one Rejection of a file that cannot be read at all."""
    try:
        return file_records(path, source, notices)
    except NotUtf8 as err:
        return Rejection(source, "(file)", "", "(file)", str(err), "")
    except (OSError, UnicodeError, ValueError, csv.Error) as err:
        return Rejection(source, "(file)", "", "(file)", f"cannot read file: {err}", "")


def build_calls(records: Iterable[tuple[str, str, Any]], source: str,
                seen: dict[str, str]) -> Iterator[tuple[str, Call | Rejection]]:
    """(location, the call or its Rejection) for each record read from ``source``. ``seen``: call
    ids read so far (id → where), shared by the caller across files; a second one is rejected."""
    for location, raw, record in records:
        call_id = _rejected_id(record)
        try:
            if isinstance(record, RecordError):
                raise record
            call = build_call(record, source)
            if call.call_id in seen:
                raise RecordError("call_id", f"duplicate call_id {call.call_id!r}, first at {seen[call.call_id]}")
            seen[call.call_id] = f"{source}, {location}"
            yield location, call
        except RecordError as err:
            yield location, Rejection(source, location, call_id, err.field, err.reason, raw)
        except Exception as err:  # noqa: BLE001 - one record never costs the night: it is rejected, by name
            yield location, Rejection(source, location, call_id, "(record)",
                                      f"cannot be read: {type(err).__name__}: {shown(str(err))}", raw)
