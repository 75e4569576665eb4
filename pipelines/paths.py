"""Where the project's bundled files are, and which night's input a scheduled run reads."""
from __future__ import annotations

import os
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SAMPLE_INPUT = PROJECT_ROOT / "data" / "sample"
BEIJING = timezone(timedelta(hours=8))


def default_rubric() -> Path:
    """$CALLQA_RUBRIC, else the checkout's rubrics/default.yaml, else ./rubrics/default.yaml.

    An installed (non-editable) callqa has no rubrics folder of its own: a bank
    keeps its rubric under version control next to its deployment.
    """
    if os.environ.get("CALLQA_RUBRIC"):
        return Path(os.environ["CALLQA_RUBRIC"])
    bundled = PROJECT_ROOT / "rubrics" / "default.yaml"
    return bundled if bundled.exists() else Path.cwd() / "rubrics" / "default.yaml"


DEFAULT_RUBRIC = default_rubric()


def default_routing() -> Path | None:
    """$CALLQA_ROUTING, else rubrics/routing.yaml next to the default rubric; None when there is none
    (or when $CALLQA_RUBRIC names one rubric for every call): then every call gets DEFAULT_RUBRIC."""
    if os.environ.get("CALLQA_ROUTING"):
        return Path(os.environ["CALLQA_ROUTING"])
    if os.environ.get("CALLQA_RUBRIC"):
        return None
    routing = DEFAULT_RUBRIC.parent / "routing.yaml"
    return routing if routing.exists() else None


def load_router(rubric: Path | str | None = None, routing: Path | str | None = None, models: bool = True):
    """The rubric(s) a run scores with: ``rubric`` for every call when given, else the routing file.
    ``models=False``: rules only, whatever the rubrics' model settings say."""
    from scorers.routing import Router, load_routing
    from scorers.rubric import load_rubric

    if rubric is not None:
        return Router.single(load_rubric(rubric, models=models))
    routing = routing if routing is not None else default_routing()
    return load_routing(routing, models=models) if routing is not None else \
        Router.single(load_rubric(DEFAULT_RUBRIC, models=models))


def night_input(template: str, now: datetime | None = None) -> str:
    """Fill ``{date}`` with the night being scored: yesterday, Beijing time.

    ``/data/asr/{date}`` → ``/data/asr/2026-11-20`` when the job runs at 02:00 on the 21st.
    """
    night: date = (now or datetime.now(BEIJING)).astimezone(BEIJING).date() - timedelta(days=1)
    return template.replace("{date}", night.isoformat())
