"""callqa scoring library: rule scorers, rubrics, ingest and scorecard storage.

This package never imports Prefect: the orchestration layer in ``pipelines/``
is a thin wrapper over the plain functions here, so tests, notebooks and other
orchestrators can call them directly.
"""
from scorers.call import Call, Utterance
from scorers.finding import Finding

__all__ = ["Call", "Utterance", "Finding"]
