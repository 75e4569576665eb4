"""Score a night on every core: a bounded pool of worker processes, each loading its rubrics once.

One Python process scores on one core. A bank's night (up to a million calls)
needs all of them, so :func:`score_shards_in_workers` hands the night's shards
(:mod:`scorers.shards`) to ``workers`` processes; each reads its shard, scores
it and writes its part files itself (:func:`scorers.shard_scoring.score_shard`),
and only a small result comes back:

- **Bounded**: at most ``2 × workers`` shards are in flight, and a shard is a
  path and a byte range, so nothing of the night sits in the pool's queues.
- **Loaded once**: each worker loads the rubrics (word lists, jieba, the model)
  when it starts, from their paths (:class:`RubricSpec`), and keeps them.
  ``forkserver`` starts the workers, not ``fork``: the parent may hold threads
  (Prefect's) and locks a forked child would inherit half-taken.
- **One bad call never costs the night**: a call whose scoring raises is
  rejected naming the criterion (:func:`scorers.batch.scoring_rejection`).
- **A run that is killed** (SIGKILL, the OOM killer) takes its workers with it:
  each watches the run's process (:func:`scorers.lifetime.exit_with`), since
  their parent, the fork server, lives as long as they do.
- **A worker that dies** (killed, out of memory) breaks the pool. The shards in
  flight then are scored again in a fresh pool, one at a time, so the one that
  kills a worker is known; a shard that kills a worker a second time fails the
  night (a third try would only hide a bug). A rerun starts from an empty
  folder, so nothing of the dead try is kept, and nothing is kept twice.

The model runs one torch thread per worker: processes scale better than threads
on a small machine (two threads gave 1.5× on two cores, two processes 1.9×).
"""
from __future__ import annotations

import atexit
import multiprocessing
import os
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

def available_cores() -> int:
    """The cores this process may run on (a container's quota, not the host's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


@dataclass(frozen=True)
class RubricSpec:
    """Where a worker loads the rubrics from: one rubric for every call, or a routing file."""

    rubric_path: str | None = None
    routing_path: str | None = None

    @classmethod
    def of(cls, rubric) -> "RubricSpec":
        """The spec of a loaded :class:`~scorers.rubric.Rubric` or :class:`~scorers.routing.Router`."""
        routes = getattr(rubric, "routes", None)
        if routes is not None:
            if routes and rubric.path is not None:
                return cls(routing_path=str(rubric.path))
            return cls(rubric_path=str(rubric.default.path))
        return cls(rubric_path=str(rubric.path))

    def load(self, models: bool = True):
        from scorers.routing import Router, load_routing
        from scorers.rubric import load_rubric

        if self.rubric_path is not None:
            return Router.single(load_rubric(self.rubric_path, models=models))
        return load_routing(Path(self.routing_path), models=models)


_router = None  # the worker's rubrics, loaded once by _start_worker


_fault = ""


def _start_worker(spec: RubricSpec, models: bool, fault: str = "", served: tuple[int, str | None] = (0, None)) -> None:
    global _router, _fault
    from scorers.lifetime import exit_with

    # a killed run must not leave its workers scoring, then waiting for shards, forever: their
    # parent is the fork server (which lives as long as they do), so they watch the run's process
    exit_with(*served)
    _fault = fault  # from the parent's environment now: the fork server's may be older
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    _router = spec.load(models=models)
    from scorers.batch import load_models

    load_models(_router)  # torch and the checkpoint now, not in the first chunk


FAULT_ENV = "CALLQA_FAULT_KILL"  # fault injection for tests: "<call_id>:<flag file>" (once) or "<call_id>:always"


def _score_shard(task) -> object:
    """One shard in a worker (:func:`scorers.shard_scoring.score_shard`) with the worker's rubrics."""
    from scorers.shard_scoring import score_shard

    result = score_shard(task, _router)
    _maybe_die(result.call_ids.to_pylist())  # after its files are written: the rerun must start clean
    return result


def _maybe_die(call_ids: list[str]) -> None:
    """Kill this worker (once) when a test asks for it, to prove a dead worker's shard is scored again."""
    if not _fault:
        return
    call_id, _, flag = _fault.partition(":")
    if call_id in call_ids and (flag == "always" or not os.path.exists(flag)):
        if flag != "always":
            Path(flag).write_text("killed", encoding="utf-8")
        os._exit(9)


def _new_pool(spec: RubricSpec, workers: int, models: bool) -> ProcessPoolExecutor:
    from scorers.lifetime import owner

    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("forkserver"),
                               initializer=_start_worker,
                               initargs=(spec, models, os.environ.get(FAULT_ENV, ""), owner()))


_early: dict[tuple, ProcessPoolExecutor] = {}  # pools started ahead of their night, by _early_key


def _early_key(spec: RubricSpec, workers: int, models: bool) -> tuple:
    return spec, workers, models, os.environ.get(FAULT_ENV, "")


def start_workers_early(spec: RubricSpec, workers: int, *, models: bool = True) -> None:
    """Start a night's scoring workers now, for a caller about to wait on something else.

    A worker's start (its imports and the word lists, about 0.7 CPU-s; the model's checkpoint
    too, with one; jieba's dictionary loads at the worker's first segmentation) is otherwise
    the first thing the night's scoring does. The nightly CLI calls this before it waits for Prefect's server to boot, when a
    core would idle. :func:`score_shards_in_workers` with the same spec, workers and models
    takes these workers; unused ones are shut down at exit.
    """
    key = _early_key(spec, workers, models)
    if key in _early:
        return
    pool = _new_pool(spec, workers, models)
    for _ in range(workers):  # each submission to a new pool starts one more worker, up to `workers`
        pool.submit(os.getpid)
    _early[key] = pool
    if len(_early) == 1:
        atexit.register(_shut_down_early)


def _shut_down_early() -> None:
    while _early:
        _early.popitem()[1].shutdown(wait=True, cancel_futures=True)


def score_shards_in_workers(tasks: list, spec: RubricSpec, workers: int, *, models: bool = True,
                            progress: Callable[[int], None] | None = None) -> list:
    """The :class:`~scorers.shard_scoring.ShardResult` of every task, in task order, scored by ``workers`` processes
    (the first pool is the one :func:`start_workers_early` started, when it did)."""
    pending = list(enumerate(tasks))
    results: dict[int, object] = {}
    solo: list[tuple[int, object]] = []  # in flight when a pool broke: retried alone, to find the one
    deaths: dict[int, int] = {}  # pools a shard broke while alone in flight

    def done(n: int, result) -> None:
        results[n] = result
        if progress:
            progress(result.records)

    while pending or solo:
        with _early.pop(_early_key(spec, workers, models), None) or _new_pool(spec, workers, models) as pool:
            while solo:  # one at a time: if the pool breaks now, this shard broke it
                n, task = solo[0]
                try:
                    done(n, pool.submit(_score_shard, task).result())
                except BrokenProcessPool:
                    deaths[n] = deaths.get(n, 0) + 1
                    if deaths[n] > 1:
                        raise RuntimeError(f"a scoring worker died twice on shard {n} ({task.shard.source}, "
                                           f"from line {task.shard.first_line}): giving up rather than hiding it")
                    break  # a fresh pool, the same shard again
                solo.pop(0)
            if solo:
                continue
            in_flight: dict[Future, tuple[int, object]] = {}
            queue = iter(pending)

            def fill() -> None:
                for item in queue:
                    in_flight[pool.submit(_score_shard, item[1])] = item
                    if len(in_flight) >= 2 * workers:
                        return

            fill()
            broken = False
            while in_flight:
                finished, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                for future in finished:
                    n, task = in_flight.pop(future)
                    try:
                        done(n, future.result())
                    except BrokenProcessPool:
                        solo.append((n, task))
                        broken = True
                if broken:  # the pool is gone: what ran goes solo, what never started waits its turn
                    solo.extend(in_flight.values())
                    in_flight.clear()
                else:
                    fill()
            pending = sorted(queue, key=lambda item: item[0]) if broken else []
            solo.sort(key=lambda item: item[0])
    return [results[n] for n in sorted(results)]
