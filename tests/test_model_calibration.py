"""calibration: temperature scaling, expected calibration error, thresholds for a stated precision."""
import numpy as np
import pytest

from scorers.models.calibration import ece, fit_temperature, log_loss, scaled, threshold_for_precision


def overconfident(seed=0, n=2000):
    """Scores that say 0.99 / 0.01 but are right only about 80 % of the time."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n).astype(float)
    right = rng.random(n) < 0.8
    p = np.where(right == (y == 1), 0.99, 0.01)
    return p, y


def test_temperature_scaling_tempers_an_overconfident_head():
    p, y = overconfident()
    t = fit_temperature(p, y)
    assert t > 1.5
    assert log_loss(scaled(p, t), y) < log_loss(p, y)
    assert ece(scaled(p, t), y) < ece(p, y) / 3


def test_scaling_keeps_the_order_of_scores():
    p = np.array([0.1, 0.4, 0.6, 0.95])
    assert list(np.argsort(scaled(p, 3.0))) == list(np.argsort(p))


def test_ece_of_a_perfectly_calibrated_bin_is_zero():
    assert ece(np.array([0.25] * 4), np.array([1.0, 0, 0, 0])) == 0.0
    assert ece(np.array([0.9] * 10), np.zeros(10)) == pytest.approx(0.9)


def test_a_head_with_one_class_keeps_temperature_one():
    assert fit_temperature(np.array([0.2, 0.7]), np.array([0.0, 0.0])) == 1.0


def test_threshold_is_the_lowest_score_that_reaches_the_target_precision():
    p = np.array([0.99, 0.97, 0.95, 0.9, 0.85, 0.8, 0.7, 0.6, 0.5, 0.4])
    y = np.array([1, 1, 1, 1, 1, 0, 1, 0, 0, 0], dtype=float)
    chosen = threshold_for_precision(p, y, 0.85)
    assert chosen["threshold"] == 0.7 and chosen["precision"] == pytest.approx(6 / 7, abs=1e-3)
    assert chosen["recall"] == 1.0
    assert threshold_for_precision(p, y, 1.0)["threshold"] == 0.85


def test_an_unreachable_target_switches_the_head_off():
    p = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4])
    y = np.array([0, 1, 0, 1, 0, 0], dtype=float)
    assert threshold_for_precision(p, y, 0.9)["threshold"] > 1.0
