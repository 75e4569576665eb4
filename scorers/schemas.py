"""Explicit Arrow schemas of every scorecard dataset.

Explicit, so a column never changes type because one night happened to have
no nulls, and so downstream SQL keeps working. ``call_date`` is the Hive
partition key (``call_date=2026-11-20/``) and is not stored inside the files.
"""
from __future__ import annotations

import pyarrow as pa

PARTITION = pa.schema([("call_date", pa.date32())])

CALL_FIELDS = [
    ("call_id", pa.string()), ("agent_id", pa.string()), ("team", pa.string()), ("channel", pa.string()),
    ("started_at", pa.string()), ("rubric_id", pa.string()), ("rubric_version", pa.string()),
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
    ("started_at", pa.string()), ("criterion", pa.string()), ("rule_id", pa.string()),
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
