"""Scored calls to Arrow tables: one row per call, per finding, per compliance case, per utterance."""
from __future__ import annotations

from datetime import datetime, timezone

import pyarrow as pa

from scorers.finding import VIOLATION
from scorers.numbers import mask_text, mask_utterances
from scorers.rubric import Rubric
from scorers.schemas import COMPLIANCE, FINDINGS, TRANSCRIPTS, calls_schema, instant
from scorers.scoring import ScoredCall, finding_id


def _duration_s(scored: ScoredCall) -> float | None:
    ends = [u.end_ms for u in scored.call.utterances if u.end_ms is not None]
    starts = [u.start_ms for u in scored.call.utterances if u.start_ms is not None]
    return (max(ends) - min(starts)) / 1000.0 if ends and starts else None


def calls_table(scored: list[ScoredCall], rubric: Rubric, criteria: list[str] | None = None) -> pa.Table:
    """One row per call. ``criteria``: the columns every file of ``calls/`` carries (default: the
    rubric's own); a criterion of another rubric stays null in these rows. Built a column at a
    time (a dict per call, 45 keys, cost twice as much)."""
    criteria = criteria or rubric.criterion_ids
    now = datetime.now(timezone.utc).replace(microsecond=0)
    fixed = {
        "call_id": [s.call.call_id for s in scored], "agent_id": [s.call.agent_id for s in scored],
        "team": [s.call.team for s in scored], "channel": [s.call.channel for s in scored],
        "started_at": [instant(s.call.started_at) for s in scored], "rubric_id": [s.rubric_id for s in scored],
        "rubric_version": [s.rubric_version for s in scored], "model_name": [s.model_name for s in scored],
        "model_version": [s.model_version for s in scored], "total_score": [s.total_score for s in scored],
        "passed": [s.passed for s in scored], "vetoed": [s.vetoed for s in scored],
        "n_findings": [len(s.findings) for s in scored],
        "n_violations": [sum(f.outcome == VIOLATION and f.counted for f in s.findings) for s in scored],
        "n_suspected": [sum(not f.counted for f in s.findings) for s in scored],
        "n_utterances": [len(s.call.utterances) for s in scored], "duration_s": [_duration_s(s) for s in scored],
        "source": [s.call.source for s in scored], "scored_at": [now] * len(scored)}
    for cid in criteria:
        results = [s.results.get(cid) for s in scored]
        fixed[f"{cid}_score"] = [None if r is None else r.score for r in results]
        fixed[f"{cid}_status"] = [None if r is None else r.status for r in results]
    return pa.Table.from_pydict(fixed, schema=calls_schema(criteria))


def _evidence(evidence: str, text: str, masked_in_call: str) -> str:
    """The masked evidence: the utterance masked along with its neighbours when it is the utterance."""
    masked = mask_text(evidence)
    return masked_in_call if masked == mask_text(text) else masked


def findings_rows(scored: list[ScoredCall]) -> tuple[list[dict], list]:
    rows, dates = [], []
    for s in scored:
        c = s.call
        # masked per call, not per utterance: a number read out over several turns is masked in each
        evidence = mask_utterances([(u.speaker, u.text) for u in c.utterances]) if s.findings else []
        for f in s.findings:
            u = c.utterances[f.utterance_index]
            rows.append({"finding_id": finding_id(c.call_id, f), "call_id": c.call_id, "agent_id": c.agent_id,
                         "team": c.team, "criterion": f.criterion, "outcome": f.outcome,
                         "utterance_index": f.utterance_index, "speaker": u.speaker, "start_ms": u.start_ms,
                         "span_start": f.span_start, "span_end": f.span_end,
                         # scorers mask already; masking again here guards every future scorer
                         "evidence": _evidence(f.evidence, u.text, evidence[f.utterance_index]), "detail": mask_text(f.detail), "rule_id": f.rule_id, "scorer": f.scorer, "severity": f.severity,
                         "confidence": f.confidence, "points": f.points, "basis": f.basis,
                         "counted": f.counted, "rubric_id": s.rubric_id,
                         "rubric_version": s.rubric_version, "started_at": instant(c.started_at)})
            dates.append(c.call_date)
    return rows, dates


def findings_table(rows: list[dict]) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=FINDINGS)


def compliance_rows(rows: list[dict], dates: list, rubric: Rubric) -> tuple[list[dict], list]:
    """Violations of the rubric's critical criteria: the compliance officers' queue."""
    critical = {c.id for c in rubric.criteria if c.severity == "critical"}
    picked = [(dict(r, review_status="pending"), d) for r, d in zip(rows, dates)
              if r["criterion"] in critical and r["outcome"] == VIOLATION]
    return [r for r, _ in picked], [d for _, d in picked]


def compliance_table(rows: list[dict]) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=COMPLIANCE)


def transcript_rows(scored: list[ScoredCall]) -> tuple[dict[str, list], list]:
    """Every utterance, masked per call (a number read out over several turns is masked in each of
    them), as columns: a call's values are added a column at a time, not a dict per utterance
    (what a night writes most: 29 rows a call)."""
    call_ids, rubric_ids, indexes, speakers, texts, starts, ends, dates = [], [], [], [], [], [], [], []
    for s in scored:
        c = s.call
        utterances = c.utterances
        n = len(utterances)
        pairs = [(u.speaker, u.text) for u in utterances]
        texts += mask_utterances(pairs)
        speakers += [speaker for speaker, _ in pairs]
        starts += [u.start_ms for u in utterances]
        ends += [u.end_ms for u in utterances]
        indexes += range(n)
        call_ids += [c.call_id] * n
        rubric_ids += [s.rubric_id] * n
        dates += [c.call_date] * n
    return {"call_id": call_ids, "rubric_id": rubric_ids, "utterance_index": indexes, "speaker": speakers,
            "text": texts, "start_ms": starts, "end_ms": ends}, dates


def transcripts_table(columns: dict[str, list]) -> pa.Table:
    return pa.Table.from_pydict(columns, schema=TRANSCRIPTS)
