"""``callqa report agents|compliance`` and ``callqa review``: thin commands over :mod:`scorers.reports`.

Kept out of ``cli.py`` so the scoring commands stay as they are; ``cli.py``
only registers these. Heavy imports (pandas, matplotlib) happen inside the
commands, so ``callqa --help`` stays fast.

Exit codes follow ``cli.py``: 0 done, 2 unusable input (no scorecards, a bad
date, an unknown finding id, a bad decision; nothing was written), 1 an
unexpected failure.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

from pipelines.paths import DEFAULT_RUBRIC

EXIT_UNUSABLE = 2

report_app = typer.Typer(rich_markup_mode=None, no_args_is_help=True,
                         help="Render offline HTML reports (coaching pages, compliance queue) from the scorecards.")
console = Console(stderr=True)

SCORECARDS = typer.Option(..., "--scorecards", "-s", help="scorecard folder (the OUT of `callqa score`)")
RUBRIC = typer.Option(None, "--rubric", "-r", help="only the calls scored with this rubric "
                      "(default: every rubric of rubrics/routing.yaml)")
ROUTING = typer.Option(None, "--routing", help="the routing file whose rubrics scored the calls "
                       "(default: rubrics/routing.yaml)")
SITE_OUT = typer.Option(..., "--out", "-o", help="folder for the site (replaced if it holds an older report)")
QUEUE_OUT = typer.Option(..., "--out", "-o", help="folder for the queue (index.html, queue.csv)")
SINCE = typer.Option(None, "--since", help="first night, YYYY-MM-DD (default: 7 nights before --until)")
UNTIL = typer.Option(None, "--until", help="last night, YYYY-MM-DD (default: the latest scored night)")
QUEUE_SINCE = typer.Option(None, "--since", help="only cases from this night on, YYYY-MM-DD")
QUEUE_UNTIL = typer.Option(None, "--until", help="only cases up to this night, YYYY-MM-DD")
MIN_CALLS = typer.Option(2, "--min-calls", help="calls an agent needs in both periods to be ranked by its fall")
WORKERS = typer.Option(None, "--workers", help="processes drawing agent pages (default: one per core)")
FINDING = typer.Option(None, "--finding", "-f", help="finding_id (shown in the queue)")
DECISION = typer.Option(None, "--decision", "-d", help="confirmed or dismissed")
REVIEWER = typer.Option(None, "--reviewer", help="who decided")
NOTE = typer.Option("", "--note", help="why (long numbers are masked before storing)")
IMPORT = typer.Option(None, "--import", help="CSV with columns finding_id,decision,reviewer,note")


def _rubric(path: Optional[Path], routing: Optional[Path] = None):
    """The rubrics a report covers: ``--rubric`` alone, else every rubric of the routing file, so
    calls routed to the wealth rubric are not left out of the coaches' site."""
    from pipelines.paths import default_routing
    from scorers.config import ConfigError
    from scorers.routing import load_routing
    from scorers.rubric import load_rubric

    if path is not None and routing is not None:
        raise _unusable("usage", "give --rubric (one rubric's calls) or --routing (every rubric it names), not both")
    try:
        if path is not None:
            return [load_rubric(path, build=False)]
        routing = routing if routing is not None else default_routing()
        if routing is not None:
            return load_routing(routing, build=False).rubrics
        return [load_rubric(DEFAULT_RUBRIC, build=False)]
    except ConfigError as err:
        console.print(f"[red]rubric error[/red] {err}")
        raise typer.Exit(EXIT_UNUSABLE)


def _unusable(kind: str, err: Exception | str) -> typer.Exit:
    console.print(f"[red]{kind}[/red] ", end="")
    console.print(str(err), markup=False, highlight=False, soft_wrap=True)
    return typer.Exit(EXIT_UNUSABLE)


@report_app.command("agents")
def report_agents(scorecards: Path = SCORECARDS, out: Path = SITE_OUT, since: Optional[str] = SINCE,
                  until: Optional[str] = UNTIL, rubric: Optional[Path] = RUBRIC,
                  routing: Optional[Path] = ROUTING, min_calls: int = MIN_CALLS,
                  workers: Optional[int] = WORKERS) -> None:
    """Coaches' site: team overview (index.html) and one page per agent."""
    from scorers.reports import ReportError, build_agent_report
    from scorers.reports.fonts import FontError

    try:
        report = build_agent_report(scorecards, out, _rubric(rubric, routing), since, until, min_calls=min_calls,
                                    workers=workers)
    except (ReportError, FontError) as err:
        raise _unusable("report error", err)
    typer.echo(f"agents report: {report.agents} agents, {report.calls} calls, nights {report.since}..{report.until}")
    typer.echo(f"  open {report.dest / 'index.html'}")


@report_app.command("compliance")
def report_compliance(scorecards: Path = SCORECARDS, out: Path = QUEUE_OUT, since: Optional[str] = QUEUE_SINCE,
                      until: Optional[str] = QUEUE_UNTIL, rubric: Optional[Path] = RUBRIC,
                      routing: Optional[Path] = ROUTING) -> None:
    """Compliance review queue of over-promises and leaks (HTML and queue.csv)."""
    from scorers.reports import ReportError, ReviewError, build_compliance_report

    try:
        report = build_compliance_report(scorecards, out, _rubric(rubric, routing), since, until)
    except (ReportError, ReviewError) as err:
        raise _unusable("report error", err)
    typer.echo(f"compliance queue: {report.total} cases — {report.pending} pending, "
               f"{report.confirmed} confirmed, {report.dismissed} dismissed")
    typer.echo(f"  open {report.dest / 'index.html'}   csv {report.csv}")


def review_command(scorecards: Path = SCORECARDS, finding: Optional[str] = FINDING, decision: Optional[str] = DECISION,
                   reviewer: Optional[str] = REVIEWER, note: str = NOTE, import_csv: Optional[Path] = IMPORT) -> None:
    """Record reviewers' decisions on findings (append-only log under OUT/reviews/)."""
    from scorers.reports import Decision, ReviewError, import_decisions, record_decisions

    if (finding is None) == (import_csv is None):
        raise _unusable("usage", "give either --finding ID --decision ... --reviewer NAME, or --import FILE.csv")
    try:
        if import_csv is not None:
            if decision is not None or reviewer is not None or note:
                raise ReviewError("--decision, --reviewer and --note go with --finding; a CSV has its own columns")
            written, recorded, skipped = import_decisions(scorecards, import_csv)
            typer.echo(f"recorded {recorded} decisions from {import_csv}"
                       + (f" ({skipped} rows without a decision skipped)" if skipped else "") + f" → {written}")
            return
        missing = [flag for flag, value in (("--decision", decision), ("--reviewer", reviewer)) if value is None]
        if missing:
            raise ReviewError(f"{' and '.join(missing)} required with --finding")
        written = record_decisions(scorecards, [Decision(finding, decision, reviewer, note)])
    except ReviewError as err:
        raise _unusable("review error", err)
    typer.echo(f"recorded: {finding} {decision} by {reviewer} → {written}")
