"""Where rubric ``scorer:`` names are resolved: one place, versioned names.

A rubric says ``scorer: jargon/v1``; the factory registered under that name
builds the scorer from the criterion's ``params`` (paths are relative to the
rubric file). A changed behaviour gets a new version, so a rubric keeps
meaning what it meant when it was written.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Protocol

from scorers.call import Call
from scorers.config import ConfigError, closest, lexicon_path
from scorers.empathy import EmpathyScorer
from scorers.finding import Finding
from scorers.info_leak import InfoLeakScorer
from scorers.jargon import JargonScorer
from scorers.over_promise import OverPromiseScorer
from scorers.paraphrase import ParaphraseScorer


class Scorer(Protocol):
    criterion: str

    def __call__(self, call: Call) -> list[Finding]: ...


@dataclass(frozen=True)
class Factory:
    build: Callable[[dict[str, Any], Path, str], Scorer]
    defaults: dict[str, Any]
    description: str


def _jargon(p: dict, base: Path, crit: str) -> Scorer:
    return JargonScorer.from_file(lexicon_path(p, "lexicon", base, crit), explain_window=int(p["explain_window"]))


def _empathy(p: dict, base: Path, crit: str) -> Scorer:
    return EmpathyScorer.from_file(lexicon_path(p, "phrases", base, crit), window=int(p["window"]))


def _paraphrase(p: dict, base: Path, crit: str) -> Scorer:
    return ParaphraseScorer.from_file(lexicon_path(p, "phrases", base, crit),
                                      min_overlap_with_cue=int(p["min_overlap_with_cue"]),
                                      min_overlap_without_cue=int(p["min_overlap_without_cue"]))


def _over_promise(p: dict, base: Path, crit: str) -> Scorer:
    return OverPromiseScorer.from_file(lexicon_path(p, "phrases", base, crit))


def _info_leak(p: dict, base: Path, crit: str) -> Scorer:
    return InfoLeakScorer.from_file(lexicon_path(p, "phrases", base, crit))


FACTORIES: dict[str, Factory] = {
    "jargon/v1": Factory(_jargon, {"lexicon": "lexicons/jargon.yaml", "explain_window": 12},
                         "unexplained banking terms (lexicon + jieba word boundaries)"),
    "empathy/v1": Factory(_empathy, {"phrases": "lexicons/empathy.yaml", "window": 2},
                          "empathy shown (met) and distress left unanswered (violation)"),
    "paraphrase/v1": Factory(_paraphrase, {"phrases": "lexicons/paraphrase.yaml", "min_overlap_with_cue": 2,
                                           "min_overlap_without_cue": 3},
                             "restating the customer's need (cue + content overlap)"),
    "over_promise/v1": Factory(_over_promise, {"phrases": "lexicons/over_promise.yaml"},
                               "guarantees of returns, approvals or outcomes"),
    "info_leak/v1": Factory(_info_leak, {"phrases": "lexicons/info_leak.yaml"},
                            "full card/ID/mobile numbers, asking for secrets, third-party disclosure"),
}


def create_scorer(name: str, params: dict[str, Any] | None, base_dir: Path, criterion: str,
                  file: Path | str = "<rubric>") -> Scorer:
    factory = FACTORIES.get(name)
    if factory is None:
        raise ConfigError(file, f"criteria.{criterion}.scorer",
                          f"unknown scorer {name!r}{closest(name, FACTORIES)}; known: {', '.join(FACTORIES)}")
    unknown = set(params or {}) - set(factory.defaults)
    if unknown:
        key = sorted(unknown)[0]
        raise ConfigError(file, f"criteria.{criterion}.params.{key}",
                          f"unknown parameter for {name}{closest(key, factory.defaults)}; "
                          f"known: {', '.join(factory.defaults)}")
    merged = {**factory.defaults, **(params or {})}
    for key, default in factory.defaults.items():
        value = merged[key]
        if isinstance(default, int) and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
            raise ConfigError(file, f"criteria.{criterion}.params.{key}",
                              f"must be a whole number ≥ 0 (default {default}), got {value!r}")
        if isinstance(default, str) and not isinstance(value, str):
            raise ConfigError(file, f"criteria.{criterion}.params.{key}", f"must be a file path, got {value!r}")
    scorer = factory.build(merged, base_dir, criterion)
    scorer.criterion = criterion
    return scorer
