"""Explicit Arrow schemas of every scorecard dataset.

Explicit, so a column never changes type because one night happened to have
no nulls, and so downstream SQL keeps working. ``call_date`` is the Hive
partition key (``call_date=2026-11-20/``) and is not stored inside the files;
:data:`PARTITIONING` reads it back as a date (pandas' and pyarrow's default
guess is a dictionary of strings: a category that cannot be compared).

One schema per dataset, for every part file. ``calls/`` and ``agents/`` have
a column per criterion, and rubrics differ in their criteria (the wealth
rubric's ``disclose_*``): every file of the dataset carries the columns of
*every* criterion the output knows (:func:`criteria_in` of the files already
there, plus the rubrics of the run), null where the call's rubric lacks it.
Readers that take the first file's schema (``pd.read_parquet(folder)``) then
see every column; :func:`conform` brings an older file to the current schema.
``started_at`` is an instant (timestamp with time zone, shown in Beijing time).
"""
from __future__ import annotations

from datetime import datetime

import pyarrow as pa
import pyarrow.dataset as ds

PARTITION = pa.schema([("call_date", pa.date32())])
PARTITIONING = ds.partitioning(PARTITION, flavor="hive")
CALL_TZ = "Asia/Shanghai"
STARTED_AT = pa.timestamp("us", tz=CALL_TZ)

CALL_FIELDS = [
    ("call_id", pa.string()), ("agent_id", pa.string()), ("team", pa.string()), ("channel", pa.string()),
    ("started_at", STARTED_AT), ("rubric_id", pa.string()), ("rubric_version", pa.string()),
    ("model_name", pa.string()), ("model_version", pa.string()),  # "" when the rubric uses no model
    ("total_score", pa.float64()), ("passed", pa.bool_()), ("vetoed", pa.bool_()),
]
CALL_TAIL = [
    ("n_findings", pa.int32()), ("n_violations", pa.int32()),
    ("n_suspected", pa.int32()),  # model-only findings awaiting review (suggest mode): not scored
    ("n_utterances", pa.int32()),
    ("duration_s", pa.float64()), ("source", pa.string()), ("scored_at", pa.timestamp("ms", tz="UTC")),
]

FINDINGS = pa.schema([
    ("finding_id", pa.string()), ("call_id", pa.string()), ("agent_id", pa.string()), ("team", pa.string()),
    ("criterion", pa.string()), ("outcome", pa.string()), ("utterance_index", pa.int32()),
    ("speaker", pa.string()), ("start_ms", pa.int64()), ("span_start", pa.int32()), ("span_end", pa.int32()),
    ("evidence", pa.string()), ("detail", pa.string()), ("rule_id", pa.string()), ("scorer", pa.string()),
    ("severity", pa.string()), ("confidence", pa.float32()), ("points", pa.float32()),
    ("basis", pa.string()),  # rule | model | both
    ("counted", pa.bool_()),  # False: suspected (model only), costs nothing until a reviewer confirms it
    ("rubric_id", pa.string()), ("rubric_version", pa.string()),
])

COMPLIANCE = pa.schema([
    ("finding_id", pa.string()), ("call_id", pa.string()), ("agent_id", pa.string()), ("team", pa.string()),
    ("started_at", STARTED_AT), ("criterion", pa.string()), ("rule_id", pa.string()),
    ("severity", pa.string()), ("confidence", pa.float32()), ("basis", pa.string()), ("counted", pa.bool_()),
    ("utterance_index", pa.int32()), ("start_ms", pa.int64()), ("evidence", pa.string()), ("detail", pa.string()),
    ("rubric_id", pa.string()), ("rubric_version", pa.string()), ("review_status", pa.string()),
])

# Every utterance of every scored call, masked per call like evidence: what the review
# workbench shows as "the whole call" (the input files may be gone or moved by then).
TRANSCRIPTS = pa.schema([
    ("call_id", pa.string()), ("rubric_id", pa.string()), ("utterance_index", pa.int32()),
    ("speaker", pa.string()), ("text", pa.string()), ("start_ms", pa.int64()), ("end_ms", pa.int64()),
])

AGENT_FIELDS = [
    ("agent_id", pa.string()), ("team", pa.string()), ("rubric_id", pa.string()), ("rubric_version", pa.string()),
    ("n_calls", pa.int32()), ("mean_score", pa.float64()), ("pass_rate", pa.float64()),
    ("n_vetoed", pa.int32()), ("compliance_flags", pa.int32()),
]


def calls_schema(criteria: list[str]) -> pa.Schema:
    per_criterion = []
    for c in criteria:
        per_criterion += [(f"{c}_score", pa.float64()), (f"{c}_status", pa.string())]
    return pa.schema(CALL_FIELDS + per_criterion + CALL_TAIL)


def agents_schema(criteria: list[str]) -> pa.Schema:
    return pa.schema(AGENT_FIELDS + [(f"{c}_violation_rate", pa.float64()) for c in criteria])


CRITERION_SUFFIX = {"calls": "_status", "agents": "_violation_rate"}


def criteria_in(schema: pa.Schema, dataset: str) -> list[str]:
    """The criteria whose columns a ``calls`` or ``agents`` file carries, in column order."""
    suffix = CRITERION_SUFFIX[dataset]
    fixed = {name for name, _ in CALL_FIELDS + CALL_TAIL + AGENT_FIELDS}
    return [n[:-len(suffix)] for n in schema.names if n.endswith(suffix) and n not in fixed]


def dataset_schema(dataset: str, criteria: list[str]) -> pa.Schema:
    """The one schema every part file of ``dataset`` has, given the criteria the output knows."""
    return {"calls": lambda: calls_schema(criteria), "agents": lambda: agents_schema(criteria),
            "findings": lambda: FINDINGS, "compliance": lambda: COMPLIANCE}[dataset]()


def instant(value) -> datetime | None:
    """An ISO 8601 ``started_at`` (as ingest stores it on a call) to an aware datetime; naive is Beijing time."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        moment = value
    else:
        moment = datetime.fromisoformat(str(value))
    if moment.tzinfo is None:
        from zoneinfo import ZoneInfo

        moment = moment.replace(tzinfo=ZoneInfo(CALL_TZ))
    return moment


def conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """``table`` with exactly ``schema``'s columns: missing ones null, types cast (a ``started_at``
    string of an older file parsed as an instant), extra ones dropped."""
    columns = []
    for field in schema:
        if field.name not in table.column_names:
            columns.append(pa.nulls(len(table), field.type))
            continue
        column = table.column(field.name)
        if column.type.equals(field.type):
            columns.append(column)
        elif pa.types.is_timestamp(field.type) and (pa.types.is_string(column.type)
                                                     or pa.types.is_large_string(column.type)):
            columns.append(pa.array([instant(v) for v in column.to_pylist()], type=field.type))
        else:
            columns.append(column.cast(field.type))
    return pa.Table.from_arrays(columns, schema=schema)
