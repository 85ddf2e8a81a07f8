import numpy as np
import pytest

from affectkit.bench.metrics import (accuracy, macro_f1, multilabel_macro_f1, tune_thresholds, uar, weighted_f1)

Y = ["a", "a", "a", "b", "c", "c"]
P = ["a", "a", "b", "b", "c", "a"]
# per class: a P=2/3 R=2/3 F1=2/3 (support 3); b P=1/2 R=1 F1=2/3 (1); c P=1 R=1/2 F1=2/3 (2)


def test_hand_computed():
    assert accuracy(Y, P) == pytest.approx(4 / 6)
    assert weighted_f1(Y, P) == pytest.approx(2 / 3)
    assert macro_f1(Y, P) == pytest.approx(2 / 3)
    assert uar(Y, P) == pytest.approx((2 / 3 + 1 + 1 / 2) / 3)


def test_weighted_differs_from_macro_when_f1_differs():
    y = ["a", "a", "a", "b"]
    p = ["a", "a", "a", "a"]
    # a: P=3/4 R=1 F1=6/7; b: F1=0
    assert weighted_f1(y, p) == pytest.approx(0.75 * 6 / 7)
    assert macro_f1(y, p) == pytest.approx(0.5 * 6 / 7)


def test_uar_ignores_classes_only_predicted():
    assert uar(["a", "a"], ["a", "z"]) == pytest.approx(0.5)


def test_multilabel_and_thresholds():
    y = np.array([[1, 0], [0, 1], [1, 1], [0, 0]])
    p = np.array([[1, 0], [0, 0], [1, 1], [1, 0]])
    # label0: tp2 fp1 fn0 -> F1=0.8; label1: tp1 fn1 -> F1=2/3
    assert multilabel_macro_f1(y, p) == pytest.approx((0.8 + 2 / 3) / 2)
    probs = np.array([[0.9, 0.1], [0.2, 0.3], [0.7, 0.35], [0.1, 0.2]])
    t = tune_thresholds(y, probs)
    assert multilabel_macro_f1(y, probs >= t) == pytest.approx(1.0)
    assert 0.2 < t[1] <= 0.3
