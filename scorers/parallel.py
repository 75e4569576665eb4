"""Score a night on every core: a bounded pool of worker processes, each loading its rubrics once.

One Python process scores on one core. A bank's night (up to a million calls)
needs all of them, so :func:`score_in_workers` hands chunks of calls to
``workers`` processes and collects what they score, in order:

- **Bounded**: at most ``2 × workers`` chunks are in flight, so a night never
  sits in the pool's queues at once, whatever its size.
- **Loaded once**: each worker loads the rubrics (word lists, jieba, the model)
  when it starts, from their paths (:class:`RubricSpec`), and keeps them.
  ``forkserver`` starts the workers, not ``fork``: the parent may hold threads
  (Prefect's) and locks a forked child would inherit half-taken.
- **One bad call never costs the night**: a call whose scoring raises comes
  back as a rejection naming the criterion (:func:`scorers.batch.scoring_rejection`).
- **A worker that dies** (killed, out of memory) breaks the pool. The chunks in
  flight then are scored again in a fresh pool, one at a time, so the one that
  kills a worker is known; a chunk that kills a worker a second time fails the
  night (a third try would only hide a bug). No chunk is kept twice.

The model runs one torch thread per worker: processes scale better than threads
on a small machine (two threads gave 1.5× on two cores, two processes 1.9×).
"""
from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator

from scorers.call import Call

CHUNK_CALLS = 500  # calls per task: large enough to batch the model, small enough to spread over workers


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


def _start_worker(spec: RubricSpec, models: bool, fault: str = "") -> None:
    global _router, _fault
    _fault = fault  # from the parent's environment now: the fork server's may be older
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    _router = spec.load(models=models)
    from scorers.batch import load_models

    load_models(_router)  # torch and the checkpoint now, not in the first chunk


FAULT_ENV = "CALLQA_FAULT_KILL"  # fault injection for tests: "<call_id>:<flag file>" (once) or "<call_id>:always"


def worth_a_pool(n_calls: int, workers: int) -> bool:
    """Whether ``n_calls`` are scored in worker processes: not for one worker, nor for a batch of
    one chunk or less (starting the workers would cost more than it saves)."""
    return workers > 1 and n_calls > CHUNK_CALLS


def _score_chunk(calls: list[Call], confirmed: frozenset[str]) -> tuple[list, list]:
    """Score a chunk in a worker. The scored calls go back without their :class:`Call`
    (the parent has it): pickling every call back doubled the parent's work."""
    from scorers.batch import score_rejecting

    _maybe_die(calls)
    scored, rejections = score_rejecting(calls, _router, confirmed=confirmed)
    by_id = {id(c): n for n, c in enumerate(calls)}
    slim = []
    for s in scored:
        n = by_id[id(s.call)]
        s.call = None
        slim.append((n, s))
    return slim, rejections


def _maybe_die(calls: list[Call]) -> None:
    """Kill this worker (once) when a test asks for it, to prove a dead worker's chunk is scored again."""
    if not _fault:
        return
    call_id, _, flag = _fault.partition(":")
    if any(c.call_id == call_id for c in calls) and (flag == "always" or not os.path.exists(flag)):
        if flag != "always":
            Path(flag).write_text("killed", encoding="utf-8")
        os._exit(9)


def chunks(calls: Iterable[Call], size: int = CHUNK_CALLS) -> Iterator[list[Call]]:
    chunk: list[Call] = []
    for call in calls:
        chunk.append(call)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def score_in_workers(calls: Iterable[Call], spec: RubricSpec, workers: int, *,
                     confirmed: frozenset[str] = frozenset(), models: bool = True, chunk_size: int = CHUNK_CALLS,
                     progress: Callable[[int], None] | None = None) -> tuple[list, list]:
    """(scored calls in input order, rejections) for ``calls``, scored by ``workers`` processes."""
    pending = list(enumerate(chunks(calls, chunk_size)))
    chunk_calls = dict(pending)
    results: dict[int, tuple[list, list]] = {}
    solo: list[tuple[int, list[Call]]] = []  # in flight when a pool broke: retried alone, to find the one
    deaths: dict[int, int] = {}  # pools a chunk broke while alone in flight
    context = multiprocessing.get_context("forkserver")
    while pending or solo:
        with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_start_worker,
                                 initargs=(spec, models, os.environ.get(FAULT_ENV, ""))) as pool:
            while solo:  # one at a time: if the pool breaks now, this chunk broke it
                n, chunk = solo[0]
                try:
                    results[n] = pool.submit(_score_chunk, chunk, confirmed).result()
                except BrokenProcessPool:
                    deaths[n] = deaths.get(n, 0) + 1
                    if deaths[n] > 1:
                        raise RuntimeError(f"a scoring worker died twice on chunk {n} (calls {n * chunk_size + 1}"
                                           f"-{n * chunk_size + len(chunk)}): giving up rather than hiding it")
                    break  # a fresh pool, the same chunk again
                solo.pop(0)
                if progress:
                    progress(len(chunk))
            if solo:
                continue
            in_flight: dict[Future, tuple[int, list[Call]]] = {}
            queue = iter(pending)

            def fill() -> None:
                for item in queue:
                    in_flight[pool.submit(_score_chunk, item[1], confirmed)] = item
                    if len(in_flight) >= 2 * workers:
                        return

            fill()
            broken = False
            while in_flight:
                done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                for future in done:
                    n, chunk = in_flight.pop(future)
                    try:
                        results[n] = future.result()
                    except BrokenProcessPool:
                        solo.append((n, chunk))
                        broken = True
                        continue
                    if progress:
                        progress(len(chunk))
                if broken:  # the pool is gone: what ran goes solo, what never started waits its turn
                    solo.extend(in_flight.values())
                    in_flight.clear()
                else:
                    fill()
            pending = sorted(queue, key=lambda item: item[0]) if broken else []
            solo.sort(key=lambda item: item[0])
    scored = []
    for n in sorted(results):
        chunk = chunk_calls[n]
        for index, s in results[n][0]:
            s.call = chunk[index]  # the parent's own Call object, not a copy
            scored.append(s)
    rejections = [r for n in sorted(results) for r in results[n][1]]
    return scored, rejections
