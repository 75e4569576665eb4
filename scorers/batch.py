"""One night's batch, as plain functions: load → score → stage → aggregate → commit.

The Prefect flow (``pipelines/flows.py``) calls these same functions as tasks;
``callqa score`` calls :func:`run_batch` directly. Nothing here knows about
an orchestrator.

Each call is scored with the rubric its team or channel routes it to
(:mod:`scorers.routing`; a single :class:`Rubric` scores every call). Calls of
different rubrics have different criterion columns, so ``calls/``,
``findings/``, ``compliance/`` and ``transcripts/`` get one file per rubric per batch and day,
and ``agents/`` one file per rubric per day; readers unify the schemas
(:func:`scorers.store.read_dataset`).

A delivery never silently deletes a scored night: an input that yields no
call is refused (:class:`NothingRead`), and a re-delivery of the same
input that lacks calls its last run stored (a truncated file) is refused
unless the caller confirms with ``replace=True`` (:func:`check_delivery`).
"""
from __future__ import annotations

import hashlib
import json
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Callable, Iterable

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from scorers.aggregate import agent_day_table
from scorers.call import Call
from scorers.finding import MET, VIOLATION
from scorers.ingest import InputError, Rejection, as_record, discover, find_inputs, iter_records, printable  # noqa: F401 (discover: the flow)
from scorers.numbers import classify, find_runs, mask_text
from scorers.routing import Router, as_router
from scorers.rubric import Rubric
from scorers.scorecards import (calls_table, compliance_rows, compliance_table, findings_rows,
                                findings_table, transcript_rows, transcripts_table)
from scorers.schemas import conform, criteria_in, dataset_schema
from scorers.scoring import ScoredCall, score_call
from scorers.store import OutputLock, StagedWrite, Store

DATASETS = ("calls", "findings", "compliance", "transcripts", "agents", "rejected")


@dataclass
class LoadedBatch:
    files: list[Path]
    calls: list[Call]
    rejections: list[Rejection]
    notices: list[str] = field(default_factory=list)  # files skipped or read in another encoding


class NothingRead(InputError):
    """Input files were there, but not one call could be read from them: the night failed
    (exit 2, the flow run Failed) and nothing is written, rather than "some records rejected"."""


@dataclass
class BatchSummary:
    run_id: str
    out: Path
    rubric: str
    files: list[str]
    calls_scored: int
    rejected: int
    passed: int
    vetoed: int
    dates: list[str]
    violations: dict[str, int] = field(default_factory=dict)
    met: dict[str, int] = field(default_factory=dict)
    rejections: list[str] = field(default_factory=list)  # messages, no record content
    seconds: float = 0.0
    notices: list[str] = field(default_factory=list)  # files skipped, files read in another encoding
    warnings: list[str] = field(default_factory=list)  # e.g. calls a confirmed re-delivery dropped
    report_errors: list[str] = field(default_factory=list)  # nightly: reports that could not be rendered

    def outputs(self) -> dict[str, str]:
        return {name: str(self.out / name) for name in DATASETS}


class ShrunkDelivery(InputError):
    """A re-delivery lacks calls that the last run of the same input stored (truncated?)."""


def check_delivery(out: str | Path, batch: LoadedBatch, rubric: Rubric | Router, replace: bool = False) -> list[str]:
    """Refuse a delivery that would delete scored calls by accident; the warnings of one confirmed with ``replace``.

    Run under the output lock, before scoring. The calls of a re-delivery
    replace everything its earlier run stored (the batch's files), so a file
    that became empty or was cut short would delete the rest of the night.
    """
    require_calls(batch, out)
    files = ", ".join(str(f) for f in batch.files)
    router = as_router(rubric)
    stored = Store(out).batch_call_ids({batch_key(batch.files, r) for r in router.rubrics})
    missing = stored - {c.call_id for c in batch.calls}
    if not missing:
        return []
    what = (f"{files}: {len(missing)} of the {len(stored)} calls stored from this input last time are not in it "
            f"now ({len(batch.calls)} calls read)")
    if not replace:
        raise ShrunkDelivery(f"{what} — a truncated or partial re-delivery? Nothing was changed in {out}; "
                             f"pass --replace to store it anyway and drop those calls")
    return [f"{what}; --replace: they are dropped from {out}"]


def load_batch(input_path: str | Path) -> LoadedBatch:
    inputs = find_inputs(input_path)
    notices = [inputs.notice()] if inputs.skipped else []
    calls, rejections = [], []
    for item in iter_records(inputs.files, notices):
        (calls if isinstance(item, Call) else rejections).append(item)
    personal = [c for c in calls if _holds_personal_number(c.call_id) or _holds_personal_number(c.agent_id)]
    if personal:
        notices.append(f"{len(personal)} call{'s' * (len(personal) > 1)} (first {mask_text(personal[0].call_id)}) "
                       "have a call_id or agent_id holding a card, ID or mobile number: ids are stored and shown "
                       "as they are, so have the vendor send its own ids")
    return LoadedBatch(inputs.files, calls, rejections, notices)


def _holds_personal_number(identifier: str) -> bool:
    """Ids are stored and shown unmasked (they are how a recording is found and tables joined), so an
    id that is a full card, ID or mobile number is worth a notice."""
    return any(classify(run.digits) for run in find_runs(identifier, min_digits=11))


def require_calls(batch: LoadedBatch, out: str | Path | None = None) -> LoadedBatch:
    """``batch``, or :class:`NothingRead` when it holds no call at all (the reasons of its first rejections).

    Storing such a batch would only delete what earlier runs of the same input stored."""
    if batch.calls:
        return batch
    files = f"{len(batch.files)} file{'s' * (len(batch.files) != 1)}"
    unchanged = f"; nothing was changed in {out}" if out is not None else ""
    if not batch.rejections:
        raise NothingRead(f"nothing could be read: no records in {files} "
                          f"({', '.join(printable(str(f)) for f in batch.files[:3])}){unchanged}")
    first = "; ".join(r.message() for r in batch.rejections[:3])
    more = f" (and {len(batch.rejections) - 3} more)" if len(batch.rejections) > 3 else ""
    raise NothingRead(f"nothing could be read: all {len(batch.rejections)} records of {files} were rejected: "
                      f"{first}{more}{unchanged}")


def score_rejecting(calls: Iterable[Call], rubric: Rubric | Router, progress=None,
                    confirmed: frozenset[str] = frozenset()) -> tuple[list[ScoredCall], list[Rejection]]:
    """(scored calls, rejections): :func:`score_calls`, a call whose scoring raised rejected by name.
    What every place that scores for a night uses: here, a pool worker, a Dask task."""
    rejections: list[Rejection] = []
    scored = score_calls(calls, rubric, progress, confirmed,
                         on_error=lambda call, err: rejections.append(scoring_rejection(call, err)))
    return scored, rejections


def score_batch_calls(batch: LoadedBatch, rubric: Rubric | Router, progress=None,
                      confirmed: frozenset[str] = frozenset(), workers: int = 1) -> list[ScoredCall]:
    """Score the batch's calls (in ``workers`` processes when it is worth it); calls whose scoring
    raised join ``batch.rejections``, so in = scored + rejected."""
    from scorers.parallel import RubricSpec, score_in_workers, worth_a_pool

    if worth_a_pool(len(batch.calls), workers):
        scored, rejections = score_in_workers(batch.calls, RubricSpec.of(rubric), workers, confirmed=confirmed,
                                              models=_uses_models(rubric), progress=progress)
    else:
        scored, rejections = score_rejecting(batch.calls, rubric, progress, confirmed)
    batch.rejections.extend(rejections)
    return scored


def _uses_models(rubric: Rubric | Router) -> bool:
    return any(getattr(r, "model", None) is not None for r in as_router(rubric).rubrics)


def scoring_rejection(call: Call, err: Exception) -> Rejection:
    """A call whose scoring raised, as a rejection: the criterion and the error, never the call's text."""
    criterion = getattr(err, "criterion", "(scoring)")
    cause = getattr(err, "error", err)
    return Rejection(call.source, f"call {call.call_id}", call.call_id, criterion,
                     f"scoring failed: {type(cause).__name__}: {mask_text(str(cause))[:200]}",
                     json.dumps(as_record(call), ensure_ascii=False))


def confirmed_findings(out: str | Path) -> frozenset[str]:
    """Finding ids whose latest review is 'confirmed': suspected model findings among them count."""
    from scorers.reports.reviews import CONFIRMED, latest_decisions

    latest = latest_decisions(out)
    return frozenset(latest.index[latest["decision"] == CONFIRMED])


def score_calls(calls: Iterable[Call], rubric: Rubric | Router,
                progress: Callable[[int], None] | None = None,
                confirmed: frozenset[str] = frozenset(),
                on_error: Callable[[Call, Exception], None] | None = None) -> list[ScoredCall]:
    """Score each call with its rubric (``rubric`` itself, or where a :class:`Router` sends it).

    ``confirmed``: finding ids reviewers confirmed (:func:`confirmed_findings`), so a suspected
    finding that was confirmed counts when its call is scored again. ``on_error``: called with a
    call whose scoring raised (a :class:`~scorers.scoring.ScoringError` naming the criterion), which
    is then left out; without it the error propagates. One bad call must not cost the night."""
    router = as_router(rubric)
    rubric_for = (lambda call: router.default) if not router.routes else router.rubric_for
    calls = list(calls)
    scored = []
    for start in range(0, len(calls), MODEL_BATCH_CALLS):
        chunk = calls[start:start + MODEL_BATCH_CALLS]
        models = _prepare_models(chunk, rubric_for)
        try:
            for call in chunk:
                try:
                    scored.append(score_call(call, rubric_for(call), confirmed))
                except Exception as err:  # noqa: BLE001 - handed to on_error, or raised
                    if on_error is None:
                        raise
                    on_error(call, err)
                if progress:
                    progress(1)
        finally:
            for model in models:
                model.release(chunk)
    return scored


MODEL_BATCH_CALLS = 1000  # calls whose utterances the model scores in one go (large batches, bounded memory)


def load_models(rubric: Rubric | Router) -> int:
    """Load every model the rubrics use, here and now; returns how many.

    Call it before scoring from several threads (the nightly flow's chunks): the first
    load imports torch and transformers, whose lazy imports are not thread-safe."""
    loaded = {}
    for r in as_router(rubric).rubrics:
        model = getattr(r, "model", None)
        classifier = getattr(model, "classifier", None)
        if classifier is not None and id(classifier) not in loaded:
            loaded[id(classifier)] = classifier.load()
    return len(loaded)


def _prepare_models(calls: list[Call], rubric_for) -> list:
    """Let each rubric's model score its calls of the chunk together, before the criteria ask."""
    groups: dict[int, tuple] = {}
    for call in calls:
        r = rubric_for(call)
        if getattr(r, "model", None) is not None:
            groups.setdefault(id(r.model), (r.model, []))[1].append(call)
    for model, group in groups.values():
        model.prepare(group)
    return [model for model, _ in groups.values()]


def batch_key(files: list[Path], rubric: Rubric) -> str:
    """Names this batch's files: the same input and rubric always map to the same files."""
    ident = "|".join(sorted(str(f.resolve()) for f in files)) + f"|{rubric.id}"
    # surrogateescape: a file name in another encoding than UTF-8 still names a batch
    return "part-" + hashlib.sha1(ident.encode("utf-8", "surrogateescape")).hexdigest()[:12]


@dataclass
class StagedBatch:
    """A batch's scorecards staged but not yet visible: ``commit_batch`` makes them so."""

    writer: StagedWrite
    summary: BatchSummary
    stem: str  # the batch's file name under its default rubric (one more per other rubric)
    days: set[date]  # the days whose agent figures must be recomputed
    router: Router | None = None
    criteria: list[str] = field(default_factory=list)  # every criterion column of calls/ and agents/


def known_criteria(out: Path, router: Router) -> list[str]:
    """The criterion columns every file of ``calls/`` and ``agents/`` carries: the run's rubrics'
    (the default's first), then those only files already in ``out`` have (a rubric no longer routed to)."""
    criteria = list(dict.fromkeys(c for r in router.rubrics for c in r.criterion_ids))
    for dataset in ("calls", "agents"):
        for f in sorted((Path(out) / dataset).glob("call_date=*/*.parquet")):
            criteria += [c for c in criteria_in(pq.read_schema(f), dataset) if c not in criteria]
    return criteria


ALIGNED = ("calls", "findings", "compliance", "agents")


def align_schemas(writer: StagedWrite, criteria: list[str]) -> int:
    """Rewrite every file (on disk or staged) whose schema is not its dataset's current one; returns how many.

    Once per new criterion or type change (the first run after an upgrade): from then on every part
    file of a dataset has one schema, so ``pd.read_parquet(folder)`` and DuckDB see every column."""
    rewritten = 0
    for dataset in ALIGNED:
        schema = dataset_schema(dataset, criteria)
        days = sorted(p.name for p in (writer.out / dataset).glob("call_date=*") if p.is_dir())
        for day in days:
            folder = Path(dataset) / day
            for relative, path in zip(writer.current_relative(folder), writer.current_files(folder)):
                if pq.read_schema(path).remove_metadata().equals(schema):
                    continue
                writer.write_table(relative, conform(pq.read_table(path), schema))
                rewritten += 1
    return rewritten


def stage_batch(out: Path, batch: LoadedBatch, scored: list[ScoredCall], rubric: Rubric | Router,
                started: float | None = None, lock: OutputLock | None = None,
                warnings: list[str] | None = None) -> StagedBatch:
    """Stage calls, findings, compliance and rejected records of the batch, one file set per rubric.

    ``lock``: the output lock the run took before scoring (else the writer takes one now)."""
    router = as_router(rubric)
    stems = {r.id: batch_key(batch.files, r) for r in router.rubrics}
    writer = StagedWrite(Path(out), lock=lock)
    try:
        criteria = known_criteria(Path(out), router)
        replace = {(s.call.call_id,) for s in scored}  # a call's rows of any rubric: it is stored once
        days: set[date] = set()
        for r in router.rubrics:
            group = [s for s in scored if s.rubric_id == r.id]
            if not group:  # no call got this rubric this time: an earlier run's files of the batch go
                for dataset in ("calls", "findings", "compliance", "transcripts"):
                    writer.delete_stem(dataset, stems[r.id])
                continue
            call_dates = [s.call.call_date for s in group]
            f_rows, f_dates = findings_rows(group)
            c_rows, c_dates = compliance_rows(f_rows, f_dates, r)
            group_days = set(call_dates)
            days |= group_days
            own = set(stems.values())
            writer.write_partitioned("calls", calls_table(group, r, criteria), call_dates, group_days, stems[r.id], replace,
                                     batch_stems=own)
            writer.write_partitioned("findings", findings_table(f_rows), f_dates, group_days, stems[r.id], replace,
                                     batch_stems=own)
            writer.write_partitioned("compliance", compliance_table(c_rows), c_dates, group_days, stems[r.id],
                                     replace, batch_stems=own)
            t_rows, t_dates = transcript_rows(group)
            writer.write_partitioned("transcripts", transcripts_table(t_rows), t_dates, group_days, stems[r.id],
                                     replace, batch_stems=own)
        stem = stems[router.default.id]
        rejected = Path("rejected") / f"{stem}.jsonl"
        if batch.rejections:
            writer.write_text(rejected, "".join(
                json.dumps({"source": r.source, "location": r.location, "call_id": r.call_id, "field": r.field,
                            "reason": r.reason, "record": r.raw}, ensure_ascii=False) + "\n"
                for r in batch.rejections))
        else:
            writer.delete(rejected)
        align_schemas(writer, criteria)
        summary = summarize(writer.run_id, Path(out), batch, scored, router, started)
        summary.warnings = list(warnings or [])
        return StagedBatch(writer, summary, stem, days | {d for d in writer.touched_days if d}, router, criteria)
    except BaseException:
        writer.abort()
        raise


def agents_file(rubric_id: str) -> str:
    """``agents/call_date=D/agents-<rubric id>.parquet``: one file per rubric, each with its criteria."""
    return f"agents-{re.sub(r'[^A-Za-z0-9_.-]', '_', rubric_id)}.parquet"


def _criteria_of(calls: pd.DataFrame, rubric: Rubric | None) -> list[str]:
    """The criteria of one rubric's rows: the rubric's own list, or (a rubric no longer routed to)
    the ``<criterion>_status`` columns its rows fill in."""
    if rubric is not None:
        return rubric.criterion_ids
    return [c[:-len("_status")] for c in calls.columns if c.endswith("_status") and calls[c].notna().any()]


def stage_agents(staged: StagedBatch, rubric: Rubric | Router | None = None) -> list[date]:
    """Recompute ``agents/`` for every day the batch touches, from all of that day's calls, per rubric."""
    writer = staged.writer
    router = staged.router or (as_router(rubric) if rubric is not None else None)
    for day in sorted(staged.days):
        part = Path("agents") / f"call_date={day.isoformat()}"
        calls = _read_files(writer.current_files(Path("calls") / part.name))
        written = set()
        if calls is not None and not calls.empty:
            compliance = _read_files(writer.current_files(Path("compliance") / part.name))
            if compliance is None:
                compliance = pd.DataFrame({"call_id": [], "rubric_id": []})
            for rubric_id, rows in calls.groupby("rubric_id", sort=True):
                criteria = staged.criteria or _criteria_of(rows, router.by_id(rubric_id) if router else None)
                relative = part / agents_file(rubric_id)
                writer.write_table(relative, agent_day_table(rows, compliance, criteria))
                written.add(relative)
        for relative in writer.current_relative(part):  # rubrics gone from the day, an old agents.parquet
            if relative not in written:
                writer.delete(relative)
    return sorted(staged.days)


def commit_batch(staged: StagedBatch) -> BatchSummary:
    s = staged.summary
    staged.writer.commit({"run_id": staged.writer.run_id, "batch": staged.stem, "rubric": s.rubric,
                          "files": s.files, "calls_scored": s.calls_scored, "rejected": s.rejected,
                          "dates": s.dates, "violations": s.violations, "notices": s.notices,
                          "warnings": s.warnings,
                          "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")})
    return s


def write_batch(out: Path, batch: LoadedBatch, scored: list[ScoredCall], rubric: Rubric | Router,
                started: float | None = None, lock: OutputLock | None = None,
                warnings: list[str] | None = None) -> BatchSummary:
    """Stage every output of the batch, agents included, then commit them together."""
    staged = stage_batch(out, batch, scored, rubric, started, lock, warnings)
    try:
        stage_agents(staged, rubric)
        return commit_batch(staged)
    except BaseException:
        staged.writer.abort()
        raise


def _read_files(files: list[Path]) -> pd.DataFrame | None:
    if not files:
        return None
    return pa.concat_tables([pq.read_table(f) for f in files], promote_options="permissive").to_pandas()


def summarize(run_id: str, out: Path, batch: LoadedBatch, scored: list[ScoredCall], rubric: Rubric | Router,
              started: float | None) -> BatchSummary:
    router = as_router(rubric)
    used = [r for r in router.rubrics if any(s.rubric_id == r.id for s in scored)] or [router.default]
    criteria = list(dict.fromkeys(c for r in used for c in r.criterion_ids))
    violations, met = Counter(), Counter()
    for s in scored:
        for f in s.findings:
            (violations if f.outcome == VIOLATION else met if f.outcome == MET else Counter())[f.criterion] += 1
    return BatchSummary(
        run_id=run_id, out=out, rubric=", ".join(f"{r.id}@{r.version}" for r in used),
        files=[printable(str(f)) for f in batch.files],
        calls_scored=len(scored), rejected=len(batch.rejections), passed=sum(s.passed for s in scored),
        vetoed=sum(s.vetoed for s in scored),
        dates=sorted({s.call.call_date.isoformat() for s in scored}),
        violations={c: violations.get(c, 0) for c in criteria},
        met={c: met.get(c, 0) for c in criteria},
        rejections=[r.message() for r in batch.rejections],
        seconds=round(time.perf_counter() - started, 2) if started else 0.0, notices=list(batch.notices))


def run_batch(input_path: str | Path, out: str | Path, rubric: Rubric | Router,
              progress: Callable[[int], None] | None = None,
              on_loaded: Callable[[LoadedBatch], None] | None = None, replace: bool = False,
              lock: OutputLock | None = None, workers: int = 1) -> BatchSummary:
    """Score every call under ``input_path`` and write the scorecards under ``out``.

    ``rubric``: one rubric for every call, or a :class:`Router` (``rubrics/routing.yaml``) that picks
    each call's rubric by team or channel. The output lock is taken first (or ``lock``, already held):
    a second run on the same ``out`` fails at once with :class:`~scorers.store.OutputBusy`, not after
    scoring. ``replace``: store a re-delivery that lacks calls its last run stored (:func:`check_delivery`).
    ``workers``: score in that many processes (:mod:`scorers.parallel`); a call whose scoring raises
    is rejected with the criterion and the error, and the rest goes on.
    """
    started = time.perf_counter()
    own = lock is None
    if own:
        lock = Store(out).acquire()
    try:
        batch = load_batch(input_path)
        if on_loaded:
            on_loaded(batch)
        warnings = check_delivery(out, batch, rubric, replace)
        scored = score_batch_calls(batch, rubric, progress, confirmed_findings(out), workers)
        return write_batch(Path(out), batch, scored, rubric, started, lock, warnings)
    finally:
        if own:
            lock.release()
