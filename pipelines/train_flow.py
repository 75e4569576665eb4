"""Prefect flow ``train_model``: gather the labeled examples, train, write checkpoint and model card.

A bank retrains when its reviewers have labeled a new month of calls; as a
flow the run is logged and can be deployed next to ``nightly_scoring``
(``prefect.yaml``). The tasks are thin wrappers over :mod:`scorers.models`,
the same code ``callqa train`` calls.
"""
from __future__ import annotations

import os

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

from prefect import flow, get_run_logger, task  # noqa: E402
from prefect.cache_policies import NO_CACHE  # noqa: E402

from scorers.models.examples import Example, gather  # noqa: E402
from scorers.models.training import TrainConfig, train  # noqa: E402


@task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=10)
def gather_examples(labeled: list[tuple[str, str]], corpora: list[str]) -> tuple[list[Example], list[str]]:
    """Retried: labeled data often sits on a share that hiccups."""
    return gather([(Path(c), Path(l)) for c, l in labeled], [Path(p) for p in corpora])


@task(cache_policy=NO_CACHE)
def fit(examples: list[Example], sources: list[str], out: str, base: str | None, config: dict[str, Any]) -> dict:
    logger = get_run_logger()
    result = train(examples, out, base=base, config=TrainConfig(**config), sources=sources, progress=logger.info)
    return result.card


@flow(name="train_model", log_prints=True)
def train_model(out: str, labeled: list[tuple[str, str]], corpora: list[str], base: str | None = None,
                config: dict[str, Any] | None = None) -> dict:
    """Train the utterance classifier into ``out``; returns its model card."""
    examples, sources = gather_examples(labeled, corpora)
    card = fit(examples, sources, out, base, config or {})
    get_run_logger().info("model %s %s: held-back F1 %s", card["name"], card["version"],
                          {h: m["f1"] for h, m in card["holdout_metrics_at_0.5"].items()})
    return card
