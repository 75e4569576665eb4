"""Prefect flows: the nightly scoring job as the process reads.

lock OUT → discover → plan the shards → score them (a bounded pool of
worker processes, or one task per shard on a Dask cluster; each shard is read,
scored and written to staging by its worker, and only a small result comes
back) → stage the night (duplicates, the delivery check, replaced rows) →
aggregate agents → commit, and nothing becomes visible until the last step
commits; then the HTML reports (OUT/reports/agents, OUT/reports/compliance)
are rendered from what was committed, still under the lock (no other run
changes the scorecards while they are read). The lock comes first, so a
second run on the same OUT fails at once ("output busy"), not after scoring.
Each task is a thin wrapper over a function of :mod:`scorers.batch`, so the
same code runs without Prefect (``callqa score``). Runs locally with no server
(a temporary one, :mod:`pipelines.server`); ``--dask`` runs the flow with prefect-dask's
``DaskTaskRunner`` (:func:`dask_runner`).
"""
from __future__ import annotations

import pickle
import threading
import time
from contextlib import nullcontext

from pipelines.server import TemporaryServer, offline_defaults

offline_defaults()  # quiet and offline; an operator's own settings win

from functools import lru_cache  # noqa: E402
from pathlib import Path  # noqa: E402

from prefect import flow, get_run_logger, task  # noqa: E402
from prefect.cache_policies import NO_CACHE  # noqa: E402
from prefect.settings import PREFECT_API_URL  # noqa: E402
from prefect.utilities.annotations import quote  # noqa: E402

from pipelines.paths import load_router, night_input  # noqa: E402
from scorers import batch as steps  # noqa: E402
from scorers.output_lock import OutputLock  # noqa: E402
from scorers.parallel import available_cores  # noqa: E402
from scorers.routing import Router  # noqa: E402
from scorers.rubric import Rubric, load_rubric  # noqa: E402
from scorers.store import Store  # noqa: E402



@lru_cache(maxsize=4)
def rubric_at(path: str) -> Rubric:
    """One loaded rubric per worker process: lexicons and jieba load once."""
    return load_rubric(path)


_handed: dict[tuple, Router] = {}  # rubrics the caller already loaded (the CLI, to fail fast), by router_at's key


@lru_cache(maxsize=4)
def router_at(rubric_path: str | None, routing_path: str | None, models: bool = True) -> Router:
    """The rubric of every call (``rubric_path``), or the routing file's rubrics; loaded once per process.
    ``models=False``: rules only, whatever the rubrics' model settings say."""
    handed = _handed.pop((rubric_path, routing_path, models), None)
    return handed if handed is not None else load_router(rubric_path, routing_path, models)


@task(cache_policy=NO_CACHE)
def discover_inputs(input_path: str) -> list[Path]:
    return steps.discover(input_path)


@task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=10)
def plan_night(input_path: str, out: str, rubric_path: str | None, routing_path: str | None, lock: OutputLock,
               workers: int, shard_calls: int | None = None, models: bool = True) -> steps.Night:
    """Cut the input into shards (a pass over its bytes, no parsing) and open the staging.
    Retried: input often sits on a network share that hiccups at night."""
    night = steps.open_night(input_path, out, router_at(rubric_path, routing_path, models), lock, workers, shard_calls)
    get_run_logger().info("%d input files in %d shards (%s records counted)", len(night.files), len(night.shards),
                          night.planned_records if night.planned_records is not None else "not all")
    return night


@task(cache_policy=NO_CACHE)
def score_night(night: steps.Night, workers: int = 1) -> list:
    """Every shard, in ``workers`` processes (a bounded pool, rubrics and models loaded once per
    worker: :mod:`scorers.parallel`). A call whose scoring raises is rejected by name; a worker
    that dies has its shard scored again, once."""
    if workers <= 1 or len(night.shards) <= 1:  # scored here: load the model up front, once
        steps.load_models(night.router)  # (the pool's workers load their own; this process would not use it)
    return steps.score_shards(night, workers)


DASK_IN_FLIGHT = 64  # shard tasks submitted to a cluster ahead of their results: the scheduler's queue stays small


@task(cache_policy=NO_CACHE, retries=1, retry_delay_seconds=5)
def score_shard_on_cluster(packed: bytes, rubric_path: str | None, routing_path: str | None = None,
                           models: bool = True) -> bytes:
    """One shard on a Dask worker (the rubrics load once per worker process, :func:`router_at`); it
    reads its input and writes its part files itself, so input and OUT must be on a filesystem
    every worker sees. The task and result travel pickled, as bytes: Prefect walks and rebuilds a
    task's arguments and results on a cluster. Retried once: a worker that dies takes its task
    with it, and the scheduler reruns it elsewhere (the shard starts again from an empty folder)."""
    from scorers.shard_scoring import score_shard

    return pickle.dumps(score_shard(pickle.loads(packed), router_at(rubric_path, routing_path, models)))


def score_on_cluster(night: steps.Night, rubric_path: str | None, routing_path: str | None,
                     models: bool = True) -> list:
    """Every shard as a task on the flow's Dask cluster, at most DASK_IN_FLIGHT submitted at a time."""
    results, window = [], []
    for shard_task in night.tasks():
        window.append(score_shard_on_cluster.submit(pickle.dumps(shard_task), rubric_path, routing_path, models))
        if len(window) >= DASK_IN_FLIGHT:
            results.append(pickle.loads(window.pop(0).result()))
    results += [pickle.loads(future.result()) for future in window]
    return results


def dask_runner(address: str, workers: int | None = None):
    """Prefect's Dask task runner: ``local`` starts a cluster of ``workers`` processes here, anything
    else is a running scheduler's address (``tcp://scheduler:8786``)."""
    from prefect_dask import DaskTaskRunner

    if address == "local":
        return DaskTaskRunner(cluster_kwargs={"n_workers": workers or available_cores(), "threads_per_worker": 1,
                                              "processes": True, "dashboard_address": None})
    return DaskTaskRunner(address=address)


@task(cache_policy=NO_CACHE)
def write_scorecards(night: steps.Night, results: list, replace: bool = False) -> steps.StagedBatch:
    """Make the shards one night in staging (duplicates, the delivery check, the rows it replaces);
    nothing is visible yet. Not retried: it changes the shards' staged files."""
    return steps.stage_night(night, results, replace)


@task(cache_policy=NO_CACHE)
def aggregate_agents(staged: steps.StagedBatch) -> steps.BatchSummary:
    """Recompute the touched days' agent figures from the staged calls, then commit everything at once."""
    steps.stage_agents(staged)
    return steps.commit_batch(staged)


@task(cache_policy=NO_CACHE)
def render_reports(out: str, rubric_path: str | None, routing_path: str | None = None,
                   models: bool = True) -> list[str]:
    """Coaches' pages and the compliance queue into OUT/reports/agents and OUT/reports/compliance.

    Both cover every rubric the night was scored with. Each report is built on its own, so one
    failing still leaves the other; the failures come back as messages (the night's exit code says so).
    """
    from scorers.reports import build_agent_report, build_compliance_report

    logger = get_run_logger()
    rubrics = router_at(rubric_path, routing_path, models).rubrics
    root, errors = Path(out) / "reports", []
    try:
        agents = build_agent_report(out, root / "agents", rubrics)
        logger.info("reports: %s (%d agents, %d calls)", agents.dest, agents.agents, agents.calls)
    except Exception as err:  # noqa: BLE001 - reported, and the night's exit code says so
        errors.append(f"agents report: {type(err).__name__}: {err}")
    try:
        queue = build_compliance_report(out, root / "compliance", rubrics)
        logger.info("reports: %s (%d cases, %d pending)", queue.dest, queue.total, queue.pending)
    except Exception as err:  # noqa: BLE001
        errors.append(f"compliance report: {type(err).__name__}: {err}")
    for error in errors:
        logger.error("%s (the scorecards are written; rerun `callqa report`)", error)
    return errors


@flow(name="nightly_scoring", log_prints=True)
def nightly_scoring(input_path: str, out: str, rubric_path: str | None = None,
                    routing_path: str | None = None, replace: bool = False,
                    workers: int | None = None, dask: str | None = None,
                    shard_calls: int | None = None, rules_only: bool = False) -> steps.BatchSummary:
    """Score the night's calls and write the scorecards under ``out``.

    ``input_path`` may hold ``{date}``: the night being scored (yesterday, Beijing time).
    ``rubric_path`` scores every call with one rubric; without it each call gets the rubric
    ``routing_path`` (default: rubrics/routing.yaml) routes its team or channel to.
    ``replace``: store a re-delivery that lacks calls its last run stored (see
    :func:`scorers.batch.check_delivery`); without it such a run fails and changes nothing.
    ``workers``: scoring processes (default: every core this process may use).
    ``dask``: score on a Dask cluster instead (the flow must run with :func:`dask_runner` as its
    task runner, as :func:`run_nightly` sets it up): each worker reads its shards of the input and
    writes their files under ``out``, so both must be on a filesystem every worker sees.
    ``shard_calls``: calls per shard (default: sized so every worker gets several).
    ``rules_only``: ignore the rubrics' model settings (to compare, or while a model is retrained).
    """
    with Store(out).acquire() as lock:  # OutputBusy: another run writes here; the flow run fails at once
        return _nightly(input_path, out, rubric_path, routing_path, replace, lock, workers, dask, shard_calls,
                        not rules_only)


def _nightly(input_path: str, out: str, rubric_path: str | None, routing_path: str | None, replace: bool,
             lock: OutputLock, workers: int | None = None, dask: str | None = None,
             shard_calls: int | None = None, models: bool = True) -> steps.BatchSummary:
    logger = get_run_logger()
    input_path = night_input(input_path)
    discover_inputs(input_path)  # fails the run early, with a clear message, when nothing is there
    workers = workers or available_cores()
    # quote(): a task's arguments are otherwise walked object by object to find upstream futures
    night = plan_night(input_path, out, rubric_path, routing_path, quote(lock), workers, shard_calls, models)
    try:
        if dask:  # one task per shard on the cluster's workers
            results = score_on_cluster(night, rubric_path, routing_path, models)
        else:
            results = score_night(quote(night), workers)
        staged = write_scorecards(quote(night), quote(results), replace)
        for warning in staged.summary.warnings:
            logger.warning("%s", warning)
        for notice in staged.summary.notices:
            logger.warning("%s", notice)
        summary = aggregate_agents(quote(staged))
    except BaseException:
        night.writer.abort()  # nothing of this run becomes visible
        raise
    logger.info("scored %d calls (%d rejected) into %s", summary.calls_scored, summary.rejected, out)
    try:
        summary.report_errors = render_reports(out, rubric_path, routing_path, models)
    except Exception as err:  # noqa: BLE001 - the scorecards are committed: the night is scored, reports are not
        summary.report_errors = [f"reports: {type(err).__name__}: {err}"]
        logger.error("reports not rendered (the scorecards are written): %s", err)
    return summary


def _resolved(path: Path | str | None) -> str | None:
    return None if path is None else str(Path(path).resolve())


def run_nightly(input_path: str, out: Path | str, rubric_path: Path | str | None = None,
                routing_path: Path | str | None = None, replace: bool = False,
                workers: int | None = None, dask: str | None = None,
                shard_calls: int | None = None, rules_only: bool = False,
                loaded: Router | None = None) -> steps.BatchSummary:
    """``loaded``: the rubrics of ``rubric_path``/``routing_path`` the caller has already loaded
    (the CLI does, to fail fast): the flow uses them instead of loading them again."""
    started = time.perf_counter()
    key = (_resolved(rubric_path), _resolved(routing_path), not rules_only)
    if loaded is not None:
        _handed[key] = loaded
    # else the rubrics' word lists load (jieba's dictionary only where a text is segmented) while Prefect's server starts
    # in its own process; the flow's plan then finds them loaded (router_at is cached per process)
    preload = threading.Thread(target=_preload_rubrics, args=key, daemon=True)
    preload.start()
    # no server configured: a temporary one (pipelines.server: reaped if this process is killed);
    # the CLI has started it already and points Prefect at it, so PREFECT_API_URL is set here
    server = None if PREFECT_API_URL.value() else TemporaryServer.launch()
    with server.serving() if server is not None else nullcontext():
        preload.join()
        flow_fn = nightly_scoring.with_options(task_runner=dask_runner(dask, workers)) if dask else nightly_scoring
        summary = flow_fn(str(input_path), str(out), _resolved(rubric_path), _resolved(routing_path), replace,
                          workers, dask, shard_calls, rules_only)
    summary.seconds = round(time.perf_counter() - started, 2)
    return summary


SCHEDULE_TZ = "Asia/Shanghai"  # the bank's nights: a cron is read in Beijing time, not the server's UTC
SERVE_DEPLOYMENT = "nightly-serve"  # prefect.yaml's work-pool deployment is "nightly": two names, no clash


def _preload_rubrics(rubric_path: str | None, routing_path: str | None, models: bool) -> None:
    """Load the night's rubrics ahead of the flow. A bad rubric is left for the flow's plan to
    report (it loads them again, an error is not cached), as it would without this."""
    try:
        router_at(rubric_path, routing_path, models)
    except Exception:  # noqa: BLE001 - reported by the plan task
        pass



def serve_nightly(input_path: str, out: str, rubric_path: str | None, cron: str,
                  routing_path: str | None = None) -> None:
    """Run the flow on a schedule in this process (Prefect's ``serve``); ``cron`` is Beijing time."""
    from prefect.schedules import Cron

    nightly_scoring.serve(name=SERVE_DEPLOYMENT, schedule=Cron(cron, timezone=SCHEDULE_TZ),
                          parameters={"input_path": input_path, "out": out, "rubric_path": _resolved(rubric_path),
                                      "routing_path": _resolved(routing_path)})
