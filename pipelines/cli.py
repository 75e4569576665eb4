"""The ``callqa`` command.

Exit codes, for schedulers:
  0  every record scored
  3  the batch was scored, but some records were rejected (see OUT/rejected/)
  2  nothing was scored: bad arguments, no input found, input of which not one
     call could be read, a re-delivery with fewer calls (without --replace), or
     an invalid rubric; nothing in OUT was changed
  4  output busy: another run is writing to the same output folder; nothing
     was done (retry later)
  1  the run failed unexpectedly; no partial output was committed
  5  (nightly) the batch was scored and committed, but a report could not be
     rendered: rerun `callqa report agents|compliance`
"""
from __future__ import annotations

import atexit
import os
import sys
from contextlib import nullcontext
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from pipelines.report_cli import report_app, review_command
from pipelines.train_cli import review_corpus_command, train_command
from pipelines.workbench_cli import workbench_app

EXIT_OK, EXIT_FAILED, EXIT_UNUSABLE, EXIT_PARTIAL, EXIT_BUSY, EXIT_NO_REPORTS = 0, 1, 2, 3, 4, 5

app = typer.Typer(rich_markup_mode=None, add_completion=False, no_args_is_help=True, pretty_exceptions_show_locals=False,
                  help="Score every customer-service call of the night against the bank's service rubric.")
rubric_app = typer.Typer(rich_markup_mode=None, no_args_is_help=True, help="Check and inspect rubric files.")
app.add_typer(rubric_app, name="rubric")
console = Console(stderr=True)
out_console = Console()


WORKERS_HELP = ("processes that score the night's shards in parallel, each loading the rubrics once (default: "
                "every core this process may use; a night of one shard is scored in this process)")
SHARD_HELP = ("calls per shard: each worker reads, scores and writes one shard at a time (default: sized so every "
              "worker gets about four, 2,000 to 25,000 calls each)")
REPLACE_HELP = ("store a re-delivery even though it lacks calls the last run of the same input stored "
                "(they are dropped); without it such a run changes nothing and exits 2")
RUBRIC_HELP = "score every call with this rubric (default: route each call by rubrics/routing.yaml)"
ROUTING_HELP = "which rubric scores which team or channel (default: rubrics/routing.yaml)"
RULES_ONLY_HELP = "ignore the rubrics' model settings: score with the rules alone (to compare, or while retraining)"


def _one_rubric_source(rubric: Optional[Path], routing: Optional[Path]) -> None:
    if rubric is not None and routing is not None:
        console.print("[red]usage[/red] give --rubric FILE (every call) or --routing FILE (per team or channel), "
                      "not both")
        raise typer.Exit(EXIT_UNUSABLE)


def _load_router(rubric: Optional[Path], routing: Optional[Path], models: bool = True):
    """The rubric(s) of a run: one --rubric for every call, or the routing file's; never both at once
    (one of the two would be ignored without a word)."""
    from pipelines.paths import load_router
    from scorers.config import ConfigError

    _one_rubric_source(rubric, routing)
    try:
        return load_router(rubric, routing, models)
    except ConfigError as err:
        console.print(f"[red]rubric error[/red] {err}")
        raise typer.Exit(EXIT_UNUSABLE)


def _load_rubric(path: Path):
    from scorers.config import ConfigError
    from scorers.rubric import load_rubric

    try:
        return load_rubric(path)
    except ConfigError as err:
        console.print(f"[red]rubric error[/red] {err}")
        raise typer.Exit(EXIT_UNUSABLE)


def _check_out(out: Path) -> None:
    """``--out`` must be a folder (or not exist yet): a file there is one line, not a traceback."""
    if out.exists() and not out.is_dir():
        console.print(f"[red]bad --out[/red] {out} is a file; --out names the scorecard folder")
        raise typer.Exit(EXIT_UNUSABLE)


def print_summary(summary) -> None:
    table = Table(title=f"callqa run {summary.run_id} — rubric {summary.rubric}", show_header=True)
    table.add_column("criterion")
    table.add_column("violations", justify="right")
    table.add_column("met", justify="right")
    for criterion, n in summary.violations.items():
        table.add_row(criterion, str(n), str(summary.met.get(criterion, 0)))
    out_console.print(table)
    out_console.print(f"calls scored: {summary.calls_scored}   passed: {summary.passed}   "
                      f"vetoed (一票否决): {summary.vetoed}   rejected: {summary.rejected}   "
                      f"days: {', '.join(summary.dates) or '-'}   time: {summary.seconds:.1f}s")
    for notice in summary.notices:
        out_console.print(f"  [yellow]notice[/yellow] {escape(notice)}")
    for message in summary.warnings:
        out_console.print(f"  [yellow]warning[/yellow] {escape(message)}", soft_wrap=True)
    for message in summary.rejections[:10]:
        out_console.print(f"  [yellow]rejected[/yellow] {escape(message)}")
    if summary.rejected > 10:
        out_console.print(f"  … {summary.rejected - 10} more in {summary.out / 'rejected'}")
    out_console.print("scorecards:")
    for name, path in summary.outputs().items():
        if Path(path).exists():  # only folders there are (no rejected/ on a clean night)
            out_console.print(f"  {name:<11}{escape(path)}")
    for error in getattr(summary, "report_errors", []):
        console.print("[red]report not rendered[/red] ", end="")
        console.print(error, markup=False, highlight=False, soft_wrap=True)


def _busy(err: Exception) -> typer.Exit:
    console.print(f"[red]output busy[/red] {err}")
    return typer.Exit(EXIT_BUSY)


def exit_code(summary) -> int:
    if getattr(summary, "report_errors", None):
        return EXIT_NO_REPORTS  # scored and committed, but coaches and compliance got no (fresh) report
    return EXIT_PARTIAL if summary.rejected else EXIT_OK


@app.command()
def score(input: str = typer.Option(..., "--input", "-i", help="a .jsonl/.csv/.parquet file, a folder or a glob"),
          out: Path = typer.Option(..., "--out", "-o", help="scorecard folder"),
          rubric: Optional[Path] = typer.Option(None, "--rubric", "-r", help=RUBRIC_HELP),
          routing: Optional[Path] = typer.Option(None, "--routing", help=ROUTING_HELP),
          rules_only: bool = typer.Option(False, "--rules-only", help=RULES_ONLY_HELP),
          replace: bool = typer.Option(False, "--replace", help=REPLACE_HELP),
          workers: Optional[int] = typer.Option(None, "--workers", "-w", min=1, help=WORKERS_HELP),
          shard_calls: Optional[int] = typer.Option(None, "--shard-calls", min=1, help=SHARD_HELP),
          quiet: bool = typer.Option(False, "--quiet", "-q", help="no progress bar")) -> None:
    """Score a batch directly, without the orchestrator."""
    from scorers.parallel import available_cores
    from scorers.batch import run_batch
    from scorers.ingest import InputError
    from scorers.output_lock import OutputBusy

    _check_out(out)
    loaded_rubric = _load_router(rubric, routing, models=not rules_only)
    with Progress(TextColumn("scoring"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=console, disable=quiet or not console.is_terminal) as bar:
        task = bar.add_task("score", total=None)
        try:
            summary = run_batch(input, out, loaded_rubric, progress=lambda n: bar.advance(task, n),
                                on_planned=lambda night: bar.update(task, total=night.planned_records),
                                replace=replace, workers=workers or available_cores(), shard_calls=shard_calls)
        except InputError as err:
            console.print(f"[red]input error[/red] {escape(str(err))}")
            raise typer.Exit(EXIT_UNUSABLE)
        except OutputBusy as err:
            raise _busy(err)
    print_summary(summary)
    _Teardown.requested = True  # everything is written and committed: see _Teardown
    raise typer.Exit(exit_code(summary))


@app.command()
def nightly(input: str = typer.Option(..., "--input", "-i", help="a .jsonl/.csv/.parquet file, a folder or a glob"),
            out: Path = typer.Option(..., "--out", "-o", help="scorecard folder"),
            rubric: Optional[Path] = typer.Option(None, "--rubric", "-r", help=RUBRIC_HELP),
            routing: Optional[Path] = typer.Option(None, "--routing", help=ROUTING_HELP),
            replace: bool = typer.Option(False, "--replace", help=REPLACE_HELP),
            workers: Optional[int] = typer.Option(None, "--workers", "-w", min=1, help=WORKERS_HELP),
            dask: Optional[str] = typer.Option(None, "--dask", help="score on a Dask cluster: a scheduler's address "
                                               "(tcp://scheduler:8786) or 'local' (a cluster of --workers processes "
                                               "here); README 'A Dask cluster'"),
            shard_calls: Optional[int] = typer.Option(None, "--shard-calls", min=1, help=SHARD_HELP),
            rules_only: bool = typer.Option(False, "--rules-only", help=RULES_ONLY_HELP)) -> None:
    """Run the Prefect flow ``nightly_scoring`` (local, no server needed)."""
    from pipelines.paths import night_input
    from scorers.ingest import InputError, discover
    from scorers.output_lock import OutputBusy, OutputLock

    _check_out(out)
    rubric, routing = (p.resolve() if p is not None else None for p in (rubric, routing))
    _one_rubric_source(rubric, routing)
    probe = OutputLock(out)  # fail fast, before Prefect's temporary server starts; the flow itself takes the lock
    try:
        probe.acquire()
    except OutputBusy as err:
        raise _busy(err)
    except OSError as err:
        console.print(f"[red]output error[/red] {out}: {err.strerror}")
        raise typer.Exit(EXIT_UNUSABLE)
    probe.release()
    try:
        files = discover(night_input(input))  # no input: one line here, not the flow's and the task's tracebacks
    except InputError as err:
        console.print(f"[red]input error[/red] {escape(str(err))}")
        raise typer.Exit(EXIT_UNUSABLE)
    from pipelines.server import ServerError, TemporaryServer

    # Prefect's temporary server boots in its own process while the flow's code and the rubrics
    # load here (pipelines.server); None when a server is configured (PREFECT_API_URL). It stops at exit.
    server = TemporaryServer.launch()
    try:
        from pipelines.flows import run_nightly

        # a bad rubric still fails in seconds, with the file and key; the server stops with it
        router = _load_router(rubric, routing, models=not rules_only)  # from the paths the flow resolves
        if dask is None:
            _start_scoring_workers_early(files, router, workers)
        import scorers.reports  # noqa: F401 - the flow's plan and reports need them: imported while the server boots
        _freeze_what_lives_on()
        with server.serving() if server is not None else nullcontext():
            summary = run_nightly(input, out, rubric, routing, replace=replace, workers=workers, dask=dask,
                                  shard_calls=shard_calls, rules_only=rules_only, loaded=router)
    except InputError as err:
        console.print(f"[red]input error[/red] {escape(str(err))}")
        raise typer.Exit(EXIT_UNUSABLE)
    except OutputBusy as err:
        raise _busy(err)
    except ServerError as err:  # nothing was scored: the flow never started
        console.print(f"[red]no Prefect server[/red] {escape(str(err))}; set PREFECT_API_URL to use a running one")
        raise typer.Exit(EXIT_FAILED)
    print_summary(summary)
    _Teardown.requested = True  # everything is written and committed: see _Teardown
    raise typer.Exit(exit_code(summary))


def _freeze_what_lives_on() -> None:
    """Move what is alive now (Prefect's, pandas', Arrow's modules, the rubrics: objects that live
    until exit) out of the cycle collector's sight (``gc.freeze``): the reports' collections then
    look at the flow's own objects only (the coaches' site 4.0-4.4 -> 3.5-3.8 CPU-s at 100,000
    calls). Only in callqa's own process, not in a test that calls the command."""
    if _Teardown.ours:
        import gc

        gc.freeze()


EARLY_WORKERS_MIN_BYTES = 8 << 20  # about 4,000 calls: a night of at least two shards (scorers.shards)


def _start_scoring_workers_early(files: list[Path], router, workers: int | None) -> None:
    """The night's scoring workers start while Prefect's server boots (scorers.parallel.start_workers_early):
    their start-up runs on a core that would wait. Not for a small night, scored in this process."""
    from scorers.batch import uses_models
    from scorers.parallel import RubricSpec, available_cores, start_workers_early

    n = workers or available_cores()
    size = 0
    for path in files:
        try:
            size += path.stat().st_size
        except OSError:
            return  # the flow reports it
    if n > 1 and size >= EARLY_WORKERS_MIN_BYTES:
        start_workers_early(RubricSpec.of(router), n, models=uses_models(router))


@app.command()
def serve(input: str = typer.Option(..., "--input", "-i",
                                    help="where each night's transcripts land; {date} = the night scored"),
          out: Path = typer.Option(..., "--out", "-o"),
          rubric: Optional[Path] = typer.Option(None, "--rubric", "-r", help=RUBRIC_HELP),
          routing: Optional[Path] = typer.Option(None, "--routing", help=ROUTING_HELP),
          cron: str = typer.Option("0 2 * * *", "--cron", help="schedule, cron syntax, read in Asia/Shanghai time (02:00 Beijing by default)")) -> None:
    """Serve the nightly flow on a schedule (long-running; needs a Prefect server)."""
    import os

    from pipelines.flows import serve_nightly

    if not os.environ.get("PREFECT_API_URL"):
        # Prefect would serve the flow on a temporary server that never schedules a run
        console.print("[red]no Prefect server[/red] schedules need one: run `prefect server start` and set "
                      "PREFECT_API_URL=http://127.0.0.1:4200/api (or use prefect.yaml with `prefect deploy`)")
        raise typer.Exit(EXIT_UNUSABLE)
    _check_out(out)
    _load_router(rubric, routing)
    serve_nightly(input, str(out), None if rubric is None else str(rubric), cron,
                  None if routing is None else str(routing))


@rubric_app.command("check")
def rubric_check(path: Path = typer.Argument(..., help="rubric YAML file (or a routing file: every rubric it names)")) -> None:
    """Validate a rubric, every lexicon and condition it uses (or a routing file and its rubrics)."""
    if _is_routing(path):
        router = _load_router(None, path)
        out_console.print(f"ok: routing {path} — default {router.default.id}; "
                          + "; ".join(f"{', '.join(f'{k}={sorted(v)}' for k, v in r.match.items())} → {r.rubric.id}"
                                      for r in router.routes))
        rubrics = router.rubrics
    else:
        rubrics = [_load_rubric(path)]
    for loaded in rubrics:
        out_console.print(f"ok: {loaded.id}@{loaded.version} — {len(loaded.criteria)} criteria: "
                          + ", ".join(f"{c.id} ({c.scorer_name or 'conditions'}, weight {c.weight:g}"
                                      f"{', veto' if c.veto else ''})" for c in loaded.criteria))


def _is_routing(path: Path) -> bool:
    """A routing file maps `default` (and `routes`) to rubric files; a rubric has `criteria`."""
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return False  # load_rubric reports it
    return isinstance(data, dict) and "default" in data and "criteria" not in data


@rubric_app.command("test")
def rubric_test(paths: list[Path] = typer.Argument(..., help="rubric YAML files (a routing file: the rubrics it names)")) -> None:
    """Run the examples written in each criterion (examples: hit / miss); exit 1 when one fails."""
    from scorers.selftest import run_examples

    failed, tested = 0, set()
    for path in paths:
        # `callqa rubric test rubrics/*.yaml` passes routing.yaml too: test the rubrics it names, each once
        for loaded in (_load_router(None, path).rubrics if _is_routing(path) else [_load_rubric(path)]):
            if loaded.path in tested:
                continue
            tested.add(loaded.path)
            ran, failures = run_examples(loaded)
            for failure in failures:
                out_console.print(f"[red]FAIL[/red] {failure.message()}", soft_wrap=True)
            with_examples = sum(1 for c in loaded.criteria if c.examples)
            status = "[green]ok[/green]" if not failures else f"[red]{len(failures)} failed[/red]"
            shown = path if loaded.path == path.resolve() else loaded.path
            out_console.print(f"{status}: {loaded.id}@{loaded.version} — {ran} examples in {with_examples} of "
                              f"{len(loaded.criteria)} criteria ({shown})", soft_wrap=True)
            failed += len(failures)
    raise typer.Exit(EXIT_FAILED if failed else EXIT_OK)


@rubric_app.command("scorers")
def rubric_scorers() -> None:
    """List the scorers a rubric can name, with their default parameters."""
    from scorers.registry import FACTORIES

    for name, factory in FACTORIES.items():
        out_console.print(f"{name:<18}{factory.description}\n{'':<18}defaults: {factory.defaults}")


app.add_typer(report_app, name="report")
app.command("train")(train_command)
app.command("review-corpus")(review_corpus_command)
app.command("review")(review_command)
app.add_typer(workbench_app, name="workbench")


class _Teardown:
    """How the ``callqa`` process ends once every exit handler has run.

    CPython then frees every object one by one: 0.6-0.7 s after a nightly run (Prefect's,
    pandas' and Arrow's modules, the rubrics), memory the system takes back at once anyway.
    By then a ``score`` or ``nightly`` run that printed its summary has closed its files and
    committed the night, and (nightly) drained Prefect's log and event workers and stopped
    its server: exit handlers registered after this one (all of them: :func:`main` registers
    it first) run before it. Such a run ends there, with its exit code; other commands end
    as usual, and so does anything run without :func:`main` (tests).
    """

    ours = False  # main() runs: this is callqa's own process, not a test calling a command
    requested = False  # set by a command that may skip the teardown
    code: int | None = None  # its exit status, once the command has returned

    @classmethod
    def end(cls) -> None:
        if cls.requested and cls.code is not None:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(cls.code)


def main() -> None:
    from scorers.memory import use_system_allocator

    atexit.register(_Teardown.end)  # the first handler, so the last to run
    _Teardown.ours = True
    use_system_allocator()  # the flow's process builds the reports: the same allocator as the workers
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(EXIT_FAILED)
    except SystemExit as done:
        if isinstance(done.code, int) or done.code is None:
            _Teardown.code = done.code or 0
        raise


if __name__ == "__main__":
    main()
