"""Harness metrics against hand-computed cases (ties, zeros, absent classes) and sklearn."""
import numpy as np
import pytest
from sklearn.metrics import f1_score, recall_score

from affectkit.bench import metrics as M
from affectkit.core.errors import InputError


def test_weighted_and_macro_f1_by_hand():
    y = [0, 0, 0, 1, 1, 2]
    p = [0, 0, 1, 1, 2, 2]
    # class 0: tp2 fp0 fn1 -> 4/5; class 1: tp1 fp1 fn1 -> 1/2; class 2: tp1 fp1 fn0 -> 2/3
    assert M.cls_weighted_f1(y, p, 3) == pytest.approx((3 * 0.8 + 2 * 0.5 + 1 * 2 / 3) / 6)
    assert M.cls_macro_f1(y, p, 3) == pytest.approx((0.8 + 0.5 + 2 / 3) / 3)


def test_macro_f1_counts_an_absent_class_as_zero():
    # class 3 never appears in truth or prediction: F1 0 over the 4-label space, as sklearn labels=range(4)
    y, p = [0, 1, 2], [0, 1, 2]
    assert M.cls_macro_f1(y, p, 4) == pytest.approx(0.75)
    assert M.cls_macro_f1(y, p, 4) == pytest.approx(f1_score(y, p, labels=range(4), average="macro", zero_division=0))
    # weighted F1 ignores it (support 0)
    assert M.cls_weighted_f1(y, p, 4) == 1.0


def test_uar_skips_classes_absent_from_truth():
    y = [0, 0, 1, 1]
    p = [0, 2, 1, 1]  # class 2 only predicted: not averaged in
    assert M.cls_uar(y, p, 3) == pytest.approx((0.5 + 1.0) / 2)
    assert M.cls_accuracy(y, p, 3) == 0.75


def test_no_answer_is_never_right_and_never_a_false_positive():
    # an LLM reply without a label is class id -1: a false negative for the true class only
    y, p = [0, 1, 2, 1, 1, 0], [0, -1, 2, 1, 0, -1]
    # class 0: tp1 fp1 fn1 -> 1/2; class 1: tp1 fp0 fn2 -> 2/4; class 2: tp1 -> 1
    assert M.cls_macro_f1(y, p, 3) == pytest.approx((0.5 + 0.5 + 1.0) / 3)
    assert M.cls_weighted_f1(y, p, 3) == pytest.approx(f1_score(y, p, labels=[0, 1, 2], average="weighted"))
    assert M.cls_uar(y, p, 3) == pytest.approx((1 / 2 + 1 / 3 + 1) / 3)
    assert M.cls_accuracy(y, p, 3) == 0.5
    assert M.cls_binary_f1([1, 0, 1, 0], [1, -1, -1, 0]) == pytest.approx(2 / 3)  # tp1 fp0 fn1


def test_classification_metrics_match_sklearn_on_random_data():
    rng = np.random.default_rng(1)
    y, p = rng.integers(0, 5, 300), rng.integers(0, 5, 300)
    assert M.cls_weighted_f1(y, p, 5) == pytest.approx(f1_score(y, p, average="weighted"))
    assert M.cls_macro_f1(y, p, 5) == pytest.approx(f1_score(y, p, average="macro"))
    assert M.cls_uar(y, p, 5) == pytest.approx(recall_score(y, p, average="macro"))
    assert M.cls_binary_f1(y % 2, p % 2) == pytest.approx(f1_score(y % 2, p % 2))


def test_mosi_has0_and_non0_with_zeros_by_hand():
    y = np.array([0.0, 0.0, 1.2, -0.6, 2.0, -3.0])
    p = np.array([0.0, -0.4, 0.0, -1.0, 1.5, 0.2])
    # has-0: truth>=0 [T T T F T F], pred>=0 [T F T F T T] -> agree 1,0,1,1,1,0 = 4/6
    assert M.mosi_acc2_has0(y, p) == pytest.approx(4 / 6)
    # non-0: drop the two zero labels; truth>0 [T F T F], pred>0 [F F T T] (pred 0 is negative) -> 2/4
    assert M.mosi_acc2_non0(y, p) == pytest.approx(0.5)
    # weighted F1 of the non-0 split: truth [1,0,1,0], pred [0,0,1,1]: each class F1 1/2 -> 0.5
    assert M.mosi_f1_non0(y, p) == pytest.approx(0.5)
    t0, p0 = (y >= 0).astype(int), (p >= 0).astype(int)
    assert M.mosi_f1_has0(y, p) == pytest.approx(f1_score(t0, p0, average="weighted"))


def test_mosi_acc7_acc5_clip_and_round_half_to_even():
    y = np.array([0.5, 1.5, 2.5, -2.5, 3.4, -2.6])
    # np.round: 0.5 -> 0, 1.5 -> 2, 2.5 -> 2, -2.5 -> -2; 3.4 clipped to 3; -2.6 -> -3
    p = np.array([0.0, 2.0, 2.0, -2.0, 3.0, -3.0])
    assert M.mosi_acc7(y, p) == 1.0
    # Acc-5 clips to [-2, 2]: 3.4 -> 2 and -2.6 -> -2 both match predictions clipped the same way
    assert M.mosi_acc5(y, p) == 1.0
    assert M.mosi_acc7([0.4], [0.6]) == 0.0
    assert M.mosi_acc5([2.9], [2.1]) == 1.0  # both clip to 2


def test_mosi_non0_with_only_zero_labels_is_nan():
    assert np.isnan(M.mosi_acc2_non0([0.0, 0.0], [1.0, -1.0]))


def test_mae_rmse_and_pearson():
    assert M.reg_mae([0, 1, 2], [1, 1, 4]) == pytest.approx(1.0)
    assert M.reg_rmse([0, 1, 2], [1, 1, 4]) == pytest.approx(np.sqrt(5 / 3))
    assert M.reg_pearson([1, 2, 3], [2, 4, 6]) == pytest.approx(1.0)
    assert np.isnan(M.reg_pearson([1, 2, 3], [1, 1, 1]))


def test_sims_bins_at_the_boundaries():
    # Acc-2: [-1, 0] negative, (0, 1] positive: 0.0 is negative, 0.01 positive
    assert M.sims_acc2([0.0, 0.01, -1.0, 1.0], [-0.5, 0.5, -0.2, 0.9]) == 1.0
    # Acc-3: (-0.1, 0.1] is neutral: -0.1 falls in the negative bin, 0.1 in neutral
    assert M.sims_acc3([-0.1, 0.1, 0.5], [-0.8, 0.0, 0.11]) == 1.0
    assert M.sims_acc5([-0.7, -0.69, 0.75, 2.0], [-1.0, -0.2, 0.8, 1.0]) == 1.0


def test_multilabel_macro_f1_with_an_absent_label():
    Y = np.array([[1, 0, 0], [1, 1, 0], [0, 1, 0]])
    P = np.array([[1, 0, 0], [0, 1, 0], [0, 1, 0]])
    # label0: tp1 fn1 -> 2/3; label1: tp2 -> 1; label2 absent both sides -> 0
    assert M.ml_macro_f1(Y, P) == pytest.approx((2 / 3 + 1 + 0) / 3)
    assert M.ml_macro_f1(Y, P) == pytest.approx(f1_score(Y, P, average="macro", zero_division=0))
    assert M.ml_micro_f1(Y, P) == pytest.approx(f1_score(Y, P, average="micro"))


def test_compute_and_bootstrap():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 200)
    p = np.where(rng.random(200) < 0.7, y, rng.integers(0, 3, 200))
    point = M.compute("weighted_f1", y, p, 3)
    lo, hi = M.bootstrap_ci("weighted_f1", y, p, 3, n_boot=300, seed=0)
    assert lo < point < hi and hi - lo < 0.2
    assert (lo, hi) == M.bootstrap_ci("weighted_f1", y, p, 3, n_boot=300, seed=0)
    # several seeds' predictions: the interval of the seed mean
    lo2, hi2 = M.bootstrap_ci("accuracy", y, [p, y], 3, n_boot=200)
    assert lo2 > M.compute("accuracy", y, p, 3)
    with pytest.raises(InputError):
        M.compute("nope", y, p, 3)
    with pytest.raises(InputError):
        M.compute("macro_f1", y, p)
