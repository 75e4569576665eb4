"""Calibration of the heads' scores, and thresholds chosen for a stated precision.

Why: a score of 0.99 should mean "right 99 times in 100". A small network that
memorised its training set is over-confident, so its raw scores say little and a
threshold of "0.9" is a guess. Temperature scaling (one number per head, fitted
on held-back data by minimising the log-loss) makes the scores honest without
changing their order; the expected calibration error (ECE, 10 equal-width bins)
is reported before and after. Each head's threshold is then the lowest score at
which the held-back precision reaches the target, so a rubric states what it
wants ("at least 90 % of the model's findings right") instead of a number.
"""
from __future__ import annotations

import numpy as np

TEMPERATURES = np.round(np.concatenate([np.arange(0.25, 1.0, 0.05), np.arange(1.0, 8.01, 0.1)]), 3)


def _logits(p: np.ndarray) -> np.ndarray:
    p = np.clip(p.astype(np.float64), 1e-7, 1 - 1e-7)
    return np.log(p / (1 - p))


def scaled(p: np.ndarray, temperature: float) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-_logits(p) / temperature))


def log_loss(p: np.ndarray, y: np.ndarray) -> float:
    p = np.clip(p, 1e-7, 1 - 1e-7)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def ece(p: np.ndarray, y: np.ndarray, bins: int = 10) -> float:
    """Expected calibration error: |mean score - share positive| per bin, weighted by the bin's size."""
    if len(p) == 0:
        return 0.0
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(p, edges[1:-1]), 0, bins - 1)
    total = 0.0
    for b in range(bins):
        sel = which == b
        if sel.any():
            total += sel.mean() * abs(p[sel].mean() - y[sel].mean())
    return round(float(total), 4)


def fit_temperature(p: np.ndarray, y: np.ndarray) -> float:
    """The temperature (from a fixed grid: deterministic, no optimiser) with the lowest log-loss."""
    if len(p) == 0 or y.min() == y.max():
        return 1.0
    losses = [log_loss(scaled(p, t), y) for t in TEMPERATURES]
    return float(TEMPERATURES[int(np.argmin(losses))])


def threshold_for_precision(p: np.ndarray, y: np.ndarray, target: float, min_support: int = 5) -> dict:
    """The lowest threshold whose precision (on ``p``, ``y``) is at least ``target``.

    Only thresholds with at least ``min_support`` predictions count (a precision of one out of one
    says nothing). None reaches the target: the threshold is 1.01, which the head never reaches,
    and the rubric should not use it.
    """
    order = np.argsort(-p, kind="stable")
    ps, ys = p[order], y[order]
    tp = np.cumsum(ys)
    n = np.arange(1, len(ps) + 1)
    precision = tp / n
    positives = max(int(y.sum()), 1)
    best = None
    for k in range(len(ps)):
        if n[k] >= min_support and precision[k] >= target and (k + 1 == len(ps) or ps[k + 1] < ps[k]):
            best = k
    if best is None:
        return {"target_precision": target, "threshold": 1.01, "precision": None, "recall": 0.0}
    return {"target_precision": target, "threshold": round(float(ps[best]), 4),
            "precision": round(float(precision[best]), 3), "recall": round(float(tp[best] / positives), 3)}
