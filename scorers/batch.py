"""One night's batch, as plain functions: plan → score shards → stage → aggregate → commit.

The Prefect flow (``pipelines/flows.py``) calls these same functions as tasks;
``callqa score`` calls :func:`run_batch` directly. Nothing here knows about
an orchestrator.

The night streams: :func:`open_night` cuts the input into shards
(:mod:`scorers.shards`), each shard is read, scored and written to its own
staged part files by one worker (:func:`scorers.shard_scoring.score_shard`; in
this process, a pool of processes, or a Dask cluster), and only small results
(files, call ids, counts) come back. :func:`stage_night` then makes the night
one consistent set of files (duplicates across shards, the delivery check,
rows the night replaces), :func:`stage_agents` recomputes the touched days'
agent figures from the staged calls, and :func:`commit_batch` makes it all
visible in one journalled commit. Peak memory follows a shard's block, not
the night.

Each call is scored with the rubric its team or channel routes it to
(:mod:`scorers.routing`; a single :class:`Rubric` scores every call). Calls of
different rubrics have different criterion columns, so ``calls/``,
``findings/``, ``compliance/`` and ``transcripts/`` get one file per rubric per
shard and day (``<batch stem>-s00003.parquet``), and ``agents/`` one file per
rubric per day; readers unify the schemas (:func:`scorers.store.read_dataset`).

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

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from scorers.aggregate import agent_day_table
from scorers.call import Call
from scorers.finding import MET, VIOLATION
from scorers.ingest import InputError, Rejection, as_record, discover, find_inputs, iter_records, printable  # noqa: F401 (discover: the flow)
from scorers.numbers import mask_text
from scorers.output_lock import OutputLock
from scorers.routing import Router, as_router
from scorers.rubric import Rubric
from scorers.schemas import conform, criteria_in, dataset_schema
from scorers.scoring import ScoredCall, score_call
from scorers.shard_scoring import PART_DATASETS, ShardResult, ShardTask, rejection_lines
from scorers.shards import Shard, plan_shards, record_at
from scorers.store import KEY, StagedWrite, Store, batch_of, partition_day

DATASETS = ("calls", "findings", "compliance", "transcripts", "agents", "rejected")


@dataclass
class LoadedBatch:
    """A small input read whole into memory (tests, accuracy checks, model training); a night streams instead."""

    files: list[Path]
    calls: list[Call]
    rejections: list[Rejection]
    notices: list[str] = field(default_factory=list)  # files skipped or read in another encoding


class NothingRead(InputError):
    """Input files were there, but not one call could be read from them: the night failed
    (exit 2, the flow run Failed) and nothing is written, rather than "some records rejected"."""


class ShrunkDelivery(InputError):
    """A re-delivery lacks calls that the last run of the same input stored (truncated?)."""


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


def load_batch(input_path: str | Path) -> LoadedBatch:
    """Every call under ``input_path`` in memory, for small inputs (a night streams: :func:`run_batch`)."""
    inputs = find_inputs(input_path)
    notices = [inputs.notice()] if inputs.skipped else []
    calls, rejections = [], []
    for item in iter_records(inputs.files, notices):
        (calls if isinstance(item, Call) else rejections).append(item)
    return LoadedBatch(inputs.files, calls, rejections, notices)


def score_rejecting(calls: Iterable[Call], rubric: Rubric | Router, progress=None,
                    confirmed: frozenset[str] = frozenset()) -> tuple[list[ScoredCall], list[Rejection]]:
    """(scored calls, rejections): :func:`score_calls`, a call whose scoring raised rejected by name.
    What every place that scores for a night uses (:func:`scorers.shard_scoring.score_shard`)."""
    rejections: list[Rejection] = []
    scored = score_calls(calls, rubric, progress, confirmed,
                         on_error=lambda call, err: rejections.append(scoring_rejection(call, err)))
    return scored, rejections


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

    Call it before scoring from several threads: the first load imports torch and
    transformers, whose lazy imports are not thread-safe."""
    loaded = {}
    for r in as_router(rubric).rubrics:
        model = getattr(r, "model", None)
        classifier = getattr(model, "classifier", None)
        if classifier is not None and id(classifier) not in loaded:
            loaded[id(classifier)] = classifier.load()
    return len(loaded)


def uses_models(rubric: Rubric | Router) -> bool:
    return any(getattr(r, "model", None) is not None for r in as_router(rubric).rubrics)


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


def known_criteria(out: Path, router: Router) -> list[str]:
    """The criterion columns every file of ``calls/`` and ``agents/`` carries: the run's rubrics'
    (the default's first), then those only files already in ``out`` have (a rubric no longer routed to).

    The stored files' criteria are those the last commit recorded (every file was aligned to them,
    :func:`align_schemas`), so a night does not read every footer of the history; an output
    written before commits recorded them is read file by file once."""
    criteria = list(dict.fromkeys(c for r in router.rubrics for c in r.criterion_ids))
    last = Store(out).last_manifest()
    if last.get("schema_mark") and isinstance(last.get("criteria"), list):
        return criteria + [c for c in last["criteria"] if c not in criteria]
    for dataset in ("calls", "agents"):
        for f in sorted((Path(out) / dataset).glob("call_date=*/*.parquet")):
            criteria += [c for c in criteria_in(pq.read_schema(f), dataset) if c not in criteria]
    return criteria


@dataclass
class Night:
    """A night being scored: its shards, the staging they write to, and what every shard needs."""

    out: Path
    files: list[Path]
    shards: list[Shard]
    writer: StagedWrite
    router: Router
    stems: dict[str, str]  # rubric id -> the batch's file stem
    criteria: list[str]
    confirmed: frozenset[str] = frozenset()
    notices: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.perf_counter)

    @property
    def default_stem(self) -> str:
        return self.stems[self.router.default.id]

    def tasks(self) -> list[ShardTask]:
        """One task per shard, each writing into its own folder of the run's staging."""
        return [ShardTask(shard, str(self.writer.stage / shard.name), tuple(self.stems.items()), self.default_stem,
                          tuple(self.criteria), self.confirmed) for shard in self.shards]

    @property
    def planned_records(self) -> int | None:
        """Records the night holds as far as the planner counted (None: some file is read whole)."""
        return None if any(s.whole for s in self.shards) else sum(s.lines for s in self.shards)


def open_night(input_path: str | Path, out: str | Path, rubric: Rubric | Router,
               lock: OutputLock | None = None, workers: int = 1, shard_calls: int | None = None) -> Night:
    """Find the input, cut it into shards, and open the run's staging (under ``lock``, already held).
    ``shard_calls``: calls per shard (default: sized from ``workers``, :func:`scorers.shards.plan_shards`)."""
    started = time.perf_counter()
    inputs = find_inputs(input_path)
    router = as_router(rubric)
    shards = plan_shards(inputs.files, workers, shard_calls)
    writer = StagedWrite(Path(out), lock=lock)
    try:
        criteria = known_criteria(Path(out), router)
        confirmed = confirmed_findings(out)
    except BaseException:
        writer.abort()
        raise
    return Night(Path(out), inputs.files, shards, writer, router,
                 {r.id: batch_key(inputs.files, r) for r in router.rubrics}, criteria, confirmed,
                 [inputs.notice()] if inputs.skipped else [], started)


def score_shards(night: Night, workers: int = 1, progress: Callable[[int], None] | None = None,
                 rubric_spec=None) -> list[ShardResult]:
    """Every shard of the night, in this process or (``workers`` > 1 and more than one shard) in a
    bounded pool of worker processes (:mod:`scorers.parallel`). ``progress``: records read, per shard."""
    from scorers.parallel import RubricSpec, score_shards_in_workers
    from scorers.shard_scoring import score_shard

    tasks = night.tasks()
    if workers > 1 and len(tasks) > 1:
        spec = rubric_spec or RubricSpec.of(night.router)
        return score_shards_in_workers(tasks, spec, workers, models=uses_models(night.router), progress=progress)
    results = []
    for task in tasks:
        results.append(score_shard(task, night.router))
        if progress:
            progress(results[-1].records)
    return results


@dataclass
class StagedBatch:
    """A night's scorecards staged but not yet visible: :func:`commit_batch` makes them so."""

    writer: StagedWrite
    summary: BatchSummary
    stem: str  # the batch's file stem under its default rubric (one more per other rubric)
    days: set[date]  # the days whose agent figures must be recomputed
    router: Router | None = None
    criteria: list[str] = field(default_factory=list)  # every criterion column of calls/ and agents/


def stage_night(night: Night, results: list[ShardResult], replace: bool = False) -> StagedBatch:
    """Make the shards' files one night: adopt them into the staging, reject calls that another
    shard already had, refuse a night with no call or a truncated re-delivery, drop the rows this
    night replaces from other files, and total it up. Nothing is visible yet; on any error the
    caller aborts ``night.writer``."""
    results = sorted(results, key=lambda r: r.index)
    writer = night.writer
    duplicates = _reject_duplicates(night, results)
    for result in results:
        for relative in result.files:
            writer.adopt(relative, Path(result.folder) / relative)
    calls = sum(r.calls for r in results)
    rejections = [m for r in results for m in r.rejections] + [d.message() for d in duplicates]
    if calls == 0:
        raise nothing_read(night, rejections)
    ids = pa.chunked_array([r.call_ids for r in results], pa.string())
    warnings = check_delivery(night, ids, [i for r in results for i in r.failed_ids], replace)
    keys = pc.unique(ids).sort().to_pylist()
    batch_stems = set(night.stems.values())
    for dataset in PART_DATASETS:
        writer.replace_calls(dataset, keys, batch_stems)
    del keys
    rejected_dir = night.out / "rejected"
    for old in sorted(rejected_dir.glob("*.jsonl")) if rejected_dir.is_dir() else []:
        if batch_of(old.stem) == night.default_stem:
            writer.delete(old.relative_to(night.out))
    if Store(night.out).last_manifest().get("schema_mark") != schema_mark(night.criteria):
        align_schemas(writer, night.criteria)  # a new criterion or column since the last commit (or none recorded)
    summary = summarize(night, results, rejections)
    summary.warnings = warnings
    days = {partition_day(Path(f)) for r in results for f in r.files if f.startswith("calls/")}
    return StagedBatch(writer, summary, night.default_stem, days | {d for d in writer.touched_days if d},
                       night.router, night.criteria)


def nothing_read(night: Night, rejections: list[str]) -> NothingRead:
    """The error of a night that yielded no call: what was there, and the first reasons."""
    files = f"{len(night.files)} file{'s' * (len(night.files) != 1)}"
    unchanged = f"; nothing was changed in {night.out}"
    if not rejections:
        return NothingRead(f"nothing could be read: no records in {files} "
                           f"({', '.join(printable(str(f)) for f in night.files[:3])}){unchanged}")
    more = f" (and {len(rejections) - 3} more)" if len(rejections) > 3 else ""
    return NothingRead(f"nothing could be read: all {len(rejections)} records of {files} were rejected: "
                       f"{'; '.join(rejections[:3])}{more}{unchanged}")


def check_delivery(night: Night, ids: pa.ChunkedArray, failed: list[str], replace: bool = False) -> list[str]:
    """Refuse a delivery that would delete scored calls by accident; the warnings of one confirmed with ``replace``.

    The calls of a re-delivery replace everything its earlier run stored (the batch's files), so a
    file that became empty or was cut short would delete the rest of the night. Checked before
    anything is committed: refused, the run changes nothing."""
    stored = Store(night.out).batch_call_ids(set(night.stems.values()))
    if not len(stored):
        return []
    read = pa.concat_arrays([ids.combine_chunks(), pa.array(failed, pa.string())])
    missing = len(pc.unique(stored.filter(pc.invert(pc.is_in(stored, value_set=read)))))
    if not missing:
        return []
    files = ", ".join(printable(str(f)) for f in night.files)
    what = (f"{files}: {missing} of the {len(pc.unique(stored))} calls stored from this input last time are not "
            f"in it now ({len(read)} calls read)")
    if not replace:
        raise ShrunkDelivery(f"{what} — a truncated or partial re-delivery? Nothing was changed in {night.out}; "
                             f"pass --replace to store it anyway and drop those calls")
    return [f"{what}; --replace: they are dropped from {night.out}"]


def _reject_duplicates(night: Night, results: list[ShardResult]) -> list[Rejection]:
    """A call id that two shards both stored: the first stays, the later ones are rejected as
    duplicates (as within one file), their rows taken out of their shard's files."""
    everything = pa.chunked_array([r.call_ids for r in results], pa.string())
    if len(pc.unique(everything)) == len(everything):
        return []
    counts = pc.value_counts(everything)
    twice = {v for v, n in zip(counts.field("values").to_pylist(), counts.field("counts").to_pylist()) if n > 1}
    first: dict[str, str] = {}
    found = []
    for result in results:
        shard = night.shards[result.index]
        ids, where = result.call_ids.to_pylist(), result.locations.to_pylist()
        keep, dropped = [], []
        for i, (call_id, location) in enumerate(zip(ids, where)):
            if call_id not in twice or call_id not in first:
                if call_id in twice:
                    first[call_id] = f"{shard.source}, {location}"
                keep.append(i)
                continue
            dropped.append(Rejection(shard.source, location, call_id, "call_id",
                                     f"duplicate call_id {call_id!r}, first at {first[call_id]}",
                                     record_at(shard, location)))
        if dropped:
            _drop_from_shard(result, {r.call_id for r in dropped}, dropped, night.default_stem)
            result.call_ids = result.call_ids.take(pa.array(keep, pa.int64()))
            result.locations = result.locations.take(pa.array(keep, pa.int64()))
            found += dropped
    return found


def _drop_from_shard(result: ShardResult, call_ids: set[str], rejections: list[Rejection], rejected_stem: str) -> None:
    folder = Path(result.folder)
    drop = pa.array(sorted(call_ids), pa.string())
    for relative in list(result.files):
        if not relative.endswith(".parquet"):
            continue
        table = pq.read_table(folder / relative)
        kept = table.filter(pc.invert(pc.is_in(table.column(KEY[0]), value_set=drop)))
        if kept.num_rows:
            pq.write_table(kept, folder / relative, compression="zstd")
        else:
            (folder / relative).unlink()
            result.files.remove(relative)
    rejected = f"rejected/{rejected_stem}-s{result.index:05d}.jsonl"
    (folder / rejected).parent.mkdir(parents=True, exist_ok=True)
    with open(folder / rejected, "a", encoding="utf-8") as f:
        f.write(rejection_lines(rejections))
    if rejected not in result.files:
        result.files.append(rejected)


ALIGNED = ("calls", "findings", "compliance", "agents")


def schema_mark(criteria: list[str]) -> str:
    """A fingerprint of every aligned dataset's schema for ``criteria``: recorded by each commit, so
    the next night knows whether stored files need aligning without reading their footers."""
    text = "|".join(f"{d}:{dataset_schema(d, criteria)}" for d in ALIGNED)
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


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


def summarize(night: Night, results: list[ShardResult], rejections: list[str]) -> BatchSummary:
    """The night's totals, read back from the staged files (a few columns): what will be committed."""
    used_ids, dates, passed, vetoed, calls = set(), set(), 0, 0, 0
    violations, met = Counter(), Counter()
    for result in results:
        folder = Path(result.folder)
        for relative in result.files:
            if relative.startswith("calls/"):
                t = pq.read_table(folder / relative, columns=["rubric_id", "passed", "vetoed"])
                if t.num_rows:
                    calls += t.num_rows
                    passed += pc.sum(t.column("passed")).as_py() or 0
                    vetoed += pc.sum(t.column("vetoed")).as_py() or 0
                    used_ids |= set(pc.unique(t.column("rubric_id")).to_pylist())
                    dates.add(partition_day(Path(relative)).isoformat())
            elif relative.startswith("findings/"):
                t = pq.read_table(folder / relative, columns=["criterion", "outcome"])
                for row in t.group_by(["criterion", "outcome"]).aggregate([([], "count_all")]).to_pylist():
                    tally = violations if row["outcome"] == VIOLATION else met if row["outcome"] == MET else None
                    if tally is not None:
                        tally[row["criterion"]] += row["count_all"]
    used = [r for r in night.router.rubrics if r.id in used_ids] or [night.router.default]
    criteria = list(dict.fromkeys(c for r in used for c in r.criterion_ids))
    notices = list(night.notices) + list(dict.fromkeys(n for r in results for n in r.notices))
    personal = sum(r.personal_ids for r in results)
    if personal:
        first = next(r.first_personal for r in results if r.personal_ids)
        notices.append(f"{personal} call{'s' * (personal > 1)} (first {first}) "
                       "have a call_id or agent_id holding a card, ID or mobile number: ids are stored and shown "
                       "as they are, so have the vendor send its own ids")
    return BatchSummary(
        run_id=night.writer.run_id, out=night.out, rubric=", ".join(f"{r.id}@{r.version}" for r in used),
        files=[printable(str(f)) for f in night.files], calls_scored=calls, rejected=len(rejections),
        passed=passed, vetoed=vetoed, dates=sorted(dates),
        violations={c: violations.get(c, 0) for c in criteria}, met={c: met.get(c, 0) for c in criteria},
        rejections=rejections, seconds=round(time.perf_counter() - night.started, 2), notices=notices)


def agents_file(rubric_id: str) -> str:
    """``agents/call_date=D/agents-<rubric id>.parquet``: one file per rubric, each with its criteria."""
    return f"agents-{re.sub(r'[^A-Za-z0-9_.-]', '_', rubric_id)}.parquet"


def stage_agents(staged: StagedBatch) -> list[date]:
    """Recompute ``agents/`` for every day the batch touches, from all of that day's calls, per rubric.

    Read file by file for a few columns (:func:`scorers.aggregate.agent_day_table`): a day of a
    million calls is never in memory."""
    writer = staged.writer
    for day in sorted(staged.days):
        part = Path("agents") / f"call_date={day.isoformat()}"
        table = agent_day_table(writer.current_files(Path("calls") / part.name),
                                writer.current_files(Path("compliance") / part.name), staged.criteria)
        written = set()
        for rubric_id in sorted(set(table.column("rubric_id").to_pylist())):
            relative = part / agents_file(rubric_id)
            writer.write_table(relative, table.filter(pc.equal(table.column("rubric_id"), rubric_id)))
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
                          "warnings": s.warnings, "criteria": staged.criteria,
                          "schema_mark": schema_mark(staged.criteria),
                          "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")})
    return s


def run_batch(input_path: str | Path, out: str | Path, rubric: Rubric | Router,
              progress: Callable[[int], None] | None = None,
              on_planned: Callable[[Night], None] | None = None, replace: bool = False,
              lock: OutputLock | None = None, workers: int = 1, shard_calls: int | None = None) -> BatchSummary:
    """Score every call under ``input_path`` and write the scorecards under ``out``.

    ``rubric``: one rubric for every call, or a :class:`Router` (``rubrics/routing.yaml``) that picks
    each call's rubric by team or channel. The output lock is taken first (or ``lock``, already held):
    a second run on the same ``out`` fails at once with :class:`~scorers.store.OutputBusy`, not after
    scoring. ``replace``: store a re-delivery that lacks calls its last run stored (:func:`check_delivery`).
    ``workers``: score the shards in that many processes (:mod:`scorers.parallel`); a call whose
    scoring raises is rejected with the criterion and the error, and the rest goes on.
    ``progress``: called with the records each shard read; ``on_planned``: with the planned night.
    ``shard_calls``: calls per shard (default: sized from ``workers``).
    """
    own = lock is None
    if own:
        lock = Store(out).acquire()
    try:
        night = open_night(input_path, out, rubric, lock, workers, shard_calls)
        try:
            if on_planned:
                on_planned(night)
            staged = stage_night(night, score_shards(night, workers, progress), replace)
            stage_agents(staged)
            return commit_batch(staged)
        except BaseException:
            night.writer.abort()
            raise
    finally:
        if own:
            lock.release()
