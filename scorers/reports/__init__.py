"""Offline HTML reports from the scorecards, and the reviewers' decision log.

- :func:`build_agent_report` — coaches' site: team overview and a page per agent.
- :func:`build_compliance_report` — compliance review queue (HTML and ``queue.csv``).
- :func:`record_decisions` / :func:`import_decisions` — append reviewers' decisions to ``OUT/reviews/``.
- :func:`build_reports` — both reports into ``OUT/reports/``, as the nightly flow does.

Plain functions over files, like the rest of :mod:`scorers`: the CLI and the
Prefect flow are thin layers over them.
"""
from __future__ import annotations

from pathlib import Path

from scorers.reports.agents import AgentReport, build_agent_report
from scorers.reports.compliance import ComplianceReport, build_compliance_report
from scorers.reports.render import ReportError
from scorers.reports.reviews import Decision, ReviewError, import_decisions, latest_decisions, record_decisions
from scorers.rubric import Rubric, load_rubric

__all__ = ["AgentReport", "ComplianceReport", "Decision", "ReportError", "ReviewError", "build_agent_report",
           "build_compliance_report", "build_reports", "import_decisions", "latest_decisions", "record_decisions"]


def build_reports(scorecards: Path | str, rubric, dest: Path | str | None = None,
                  since=None, until=None) -> tuple[AgentReport, ComplianceReport]:
    """Both reports into ``dest`` (default ``OUT/reports``): ``agents/`` and ``compliance/``.

    ``rubric``: a rubric (or its path), a list of rubrics, or a Router — every rubric the calls were
    scored with, so the coaches' site shows every agent."""
    if isinstance(rubric, (str, Path)):
        rubric = load_rubric(rubric, build=False)
    root = Path(dest) if dest is not None else Path(scorecards) / "reports"
    agents = build_agent_report(scorecards, root / "agents", rubric, since, until)
    compliance = build_compliance_report(scorecards, root / "compliance", rubric)
    return agents, compliance
