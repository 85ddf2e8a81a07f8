"""Temperature scaling: fit on held-out data, identity at T = 1, and the ECE metric."""
import numpy as np
import pytest

from affectkit.bench.metrics import expected_calibration_error
from affectkit.core.errors import InputError
from affectkit.recognize.calibrate import fit_temperature, negative_log_likelihood, temperature_scale


def synthetic(sharpen: float, n: int = 4000, k: int = 5, seed: int = 0):
    """Labels drawn from true probabilities; the 'model' reports them raised to ``sharpen``
    and renormalised (> 1: over-confident, < 1: under-confident). The right T is ``sharpen``."""
    rng = np.random.default_rng(seed)
    true = rng.dirichlet(np.full(k, 0.7), size=n)
    y = np.array([rng.choice(k, p=p) for p in true])
    reported = true ** sharpen
    return reported / reported.sum(1, keepdims=True), y


def test_t_equal_one_is_the_identity():
    p = np.array([[0.7, 0.2, 0.1], [0.05, 0.05, 0.9]])
    assert temperature_scale(p, 1.0) == pytest.approx(p)
    assert temperature_scale(p, 3.0).argmax(1).tolist() == p.argmax(1).tolist()     # the label never changes
    assert temperature_scale(p, 3.0).max(1).max() < 0.9 and temperature_scale(p, 0.5).max() > 0.9


def test_fitting_undoes_over_confidence_and_lowers_nll_and_ece():
    p, y = synthetic(sharpen=3.0)
    t = fit_temperature(p, y)
    assert t == pytest.approx(3.0, rel=0.15)
    q = temperature_scale(p, t)
    assert negative_log_likelihood(q, y) < negative_log_likelihood(p, y) - 0.1
    assert expected_calibration_error(q, y) < expected_calibration_error(p, y) / 3


def test_an_under_confident_head_gets_sharpened():
    p, y = synthetic(sharpen=0.5)
    t = fit_temperature(p, y)
    assert t == pytest.approx(0.5, rel=0.15)
    assert negative_log_likelihood(temperature_scale(p, t), y) < negative_log_likelihood(p, y)


def test_a_calibrated_head_keeps_t_near_one():
    p, y = synthetic(sharpen=1.0)
    assert fit_temperature(p, y) == pytest.approx(1.0, rel=0.1)


def test_bad_input_is_an_input_error():
    with pytest.raises(InputError):
        temperature_scale([[0.5, 0.5]], 0.0)
    with pytest.raises(InputError):
        temperature_scale([[0.5, -0.5]], 1.0)
    with pytest.raises(InputError):
        fit_temperature([[0.5, 0.5]], [2])
    with pytest.raises(InputError):
        negative_log_likelihood([[0.5, 0.5]], [0, 1])


def test_ece_hand_computed():
    p = np.array([[0.9, 0.1], [0.9, 0.1], [0.6, 0.4], [0.4, 0.6]])
    y = [0, 1, 0, 1]
    # bin (0.86, 0.93]: confidence 0.9, accuracy 1/2 -> 0.4 x 2/4; bin (0.53, 0.6]: 0.6 vs 1 -> 0.4 x 2/4
    assert expected_calibration_error(p, y, n_bins=15) == pytest.approx(0.4)
    assert expected_calibration_error(np.array([[1.0, 0.0], [0.0, 1.0]]), [0, 1]) == pytest.approx(0.0)
