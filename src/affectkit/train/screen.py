"""Training recipe of the screening heads (used by ``bench/train_screen.py`` and its debug test).

Stress: Dreaddit train, with a dev split carved from it *by post* (Dreaddit's rows are chunks of
posts: chunks of one post never straddle train and dev), 15 %, seed 0. Depression: the Reddit
depression set as the harness splits it (exact duplicates dropped, stratified 80/10/10, seed 0).
On dev, a small grid picks both regularisation strengths, the blend weights (for stress, also
the share of the fine-tuned network, trained on train only) and the decision
threshold (binary F1 for stress, macro-F1 for depression: the figures each task reports); the
head is then refit on train + dev with those settings. Test splits are not read here.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

from affectkit.screen.heads import ScreenHead

GRID = {"C_embedding": (0.003, 0.01, 0.03, 0.1, 0.3), "C_tfidf": (0.3, 1.0, 3.0, 10.0)}
WEIGHTS = tuple(round(w, 1) for w in np.linspace(0, 1, 11))
THRESHOLDS = tuple(round(t, 2) for t in np.arange(0.3, 0.71, 0.05))


def dreaddit_dev_split(post_ids: Sequence, seed: int = 0, share: float = 0.15) -> np.ndarray:
    """Boolean mask of the dev rows: ``share`` of the posts (all chunks of a post together)."""
    posts = np.array(sorted(set(map(str, post_ids))))
    rng = np.random.default_rng(seed)
    dev_posts = set(posts[rng.permutation(len(posts))[: int(round(share * len(posts)))]])
    return np.array([str(p) in dev_posts for p in post_ids])


def binary_f1(y: np.ndarray, pred: np.ndarray) -> float:
    from sklearn.metrics import f1_score

    return float(f1_score(y, pred, zero_division=0))


def macro_f1(y: np.ndarray, pred: np.ndarray) -> float:
    from sklearn.metrics import f1_score

    return float(f1_score(y, pred, average="macro", zero_division=0))


@dataclass
class Choice:
    params: dict
    dev_score: float
    tried: list[dict] = field(default_factory=list)


def choose(train_texts: list[str], y_train: np.ndarray, dev_texts: list[str], y_dev: np.ndarray,
           emb_train: np.ndarray, emb_dev: np.ndarray, metric: Callable = binary_f1,
           grid: dict | None = None, weights: Sequence[float] = WEIGHTS,
           thresholds: Sequence[float] = THRESHOLDS, p_net_dev: np.ndarray | None = None,
           net_weights: Sequence[float] = (0.0,)) -> Choice:
    """The grid point, blend weights and threshold with the best ``metric`` on dev (ties: the
    earlier, i.e. simpler / more regularised, setting). ``p_net_dev``: a network's P(positive) on
    the dev texts (trained without them), blended in at each of ``net_weights``."""
    from sklearn.linear_model import LogisticRegression

    from affectkit.recognize.lexical import TfidfLogReg

    grid = grid or GRID
    # the two models of a head are independent: fit each C once, then try every blend of them
    base = ScreenHead()
    X_tr, X_dev = base._dense(train_texts, emb_train), base._dense(dev_texts, emb_dev)
    mean, scale = X_tr.mean(0), X_tr.std(0) + 1e-6
    p_emb = {}
    for C_e in grid["C_embedding"]:
        m = LogisticRegression(C=C_e, max_iter=base.max_iter).fit((X_tr - mean) / scale, y_train)
        p_emb[C_e] = m.predict_proba((X_dev - mean) / scale)[:, 1]
    p_tf = {C_t: TfidfLogReg(C=C_t, max_iter=base.max_iter).fit(train_texts, y_train).predict_proba(dev_texts)[:, 1]
            for C_t in grid["C_tfidf"]}
    if p_net_dev is None:
        net_weights = (0.0,)
    best: Choice | None = None
    tried = []
    for v, C_e, C_t in itertools.product(net_weights, grid["C_embedding"], grid["C_tfidf"]):
        for w in weights:
            p = w * p_emb[C_e] + (1 - w) * p_tf[C_t]
            if v > 0:
                p = v * np.asarray(p_net_dev) + (1 - v) * p
            for th in thresholds:
                s = metric(y_dev, (p >= th).astype(int))
                point = {"C_embedding": float(C_e), "C_tfidf": float(C_t), "weight": float(w), "threshold": float(th),
                         "net_weight": float(v)}
                tried.append(dict(point, dev=round(s, 4)))
                if best is None or s > best.dev_score + 1e-9:
                    best = Choice(point, s)
    assert best is not None
    best.tried = tried
    return best


def train_head(texts: list[str], y: np.ndarray, emb: np.ndarray, params: dict) -> ScreenHead:
    """The head refit on all of ``texts`` with the chosen ``params``."""
    return ScreenHead(**params).fit(texts, y, emb=emb)


def high_threshold(y: np.ndarray, p: np.ndarray, elevated: float, precision: float = 0.9) -> float:
    """The lowest probability (at or above ``elevated``) from which the dev precision reaches
    ``precision``: the start of the "high" level. If none reaches it, the highest dev
    probability of a positive (so "high" stays rare rather than meaningless)."""
    y, p = np.asarray(y).astype(int), np.asarray(p, dtype=float)
    for t in np.unique(np.round(p[p >= elevated], 3)):
        sel = p >= t
        if sel.sum() >= 5 and y[sel].mean() >= precision:
            return float(max(t, elevated))
    return float(max(elevated, p[y == 1].max() if (y == 1).any() else 1.0))


def choose_similarity(texts: list[str], labels: Sequence[bool], emb: np.ndarray,
                      thresholds: Sequence[float] = tuple(np.round(np.arange(0.30, 0.81, 0.05), 2)),
                      margins: Sequence[float] = tuple(np.round(np.arange(-0.10, 0.21, 0.05), 2)),
                      fp_cost: float = 2.0, everyday: list[str] | None = None,
                      max_everyday_rate: float = 0.02) -> dict:
    """The crisis similarity pass's threshold and margin, by leave-one-out on the labelled dev
    set (each post compared with all the others): the most true flags minus ``fp_cost`` x false
    ones; ties: the stricter setting. Why 2: the set's 47 non-crisis posts are mostly hard cases
    (denials, idioms, other people), not the everyday posts a screen mostly sees, so its false
    flag rate understates the real one; at cost 1 the choice falls to the grid's laxest corner.
    ``everyday``: real posts taken as non-crisis (Dreaddit training posts labelled not stressed):
    only settings that flag at most ``max_everyday_rate`` of them are allowed.
    Posts the guards exclude (``crisis_similarity.guarded``) or in which the patterns excluded a
    phrase (negated, quoted...) are never flagged, as at inference."""
    from affectkit.screen.crisis import detect_crisis
    from affectkit.screen.crisis_similarity import guarded

    y = np.asarray(labels, dtype=bool)
    S = emb @ emb.T
    np.fill_diagonal(S, -np.inf)
    sp = np.where(y[None, :], S, -np.inf).max(1)
    sn = np.where(~y[None, :], S, -np.inf).max(1)
    ok = np.array([guarded(t) is None and not detect_crisis(t).excluded for t in texts])
    ev_sp = ev_sn = ev_post = None
    if everyday:
        from affectkit.screen.crisis_similarity import split_sentences
        from affectkit.screen.heads import embed

        sents, ev_post = [], []
        for k, post in enumerate(everyday):
            res = detect_crisis(post)
            for off, sent in split_sentences(post):
                if guarded(sent) is None and not any(off <= e["start_char"] < off + len(sent)
                                                     for e in res.evidence + res.excluded):
                    sents.append(sent)
                    ev_post.append(k)
        ev = embed(sents) if sents else np.zeros((0, emb.shape[1]), np.float32)
        ev_sp, ev_sn, ev_post = (ev @ emb[y].T).max(1), (ev @ emb[~y].T).max(1), np.array(ev_post)
    best = None
    for T in sorted(thresholds, reverse=True):
        for M in sorted(margins, reverse=True):
            f = (sp >= T) & (sp - sn >= M) & ok
            score = float((f & y).sum() - fp_cost * (f & ~y).sum())
            rate = None
            if ev_sp is not None:
                hit = (ev_sp >= T) & (ev_sp - ev_sn >= M)
                rate = len(set(ev_post[hit].tolist())) / max(len(everyday), 1)
                if rate > max_everyday_rate:
                    continue
            if best is None or score > best["score"]:
                best = {"threshold": float(T), "margin": float(M), "score": score,
                        "loo_true_flags": int((f & y).sum()), "loo_false_flags": int((f & ~y).sum()),
                        "positives": int(y.sum()), "n": int(len(y)), "everyday_flag_rate": rate,
                        "everyday_posts": len(everyday or [])}
    if best is None:  # nothing meets the budget: the strictest setting
        best = {"threshold": float(max(thresholds)), "margin": float(max(margins)), "score": None,
                "loo_true_flags": None, "loo_false_flags": None, "positives": int(y.sum()), "n": int(len(y)),
                "everyday_flag_rate": None, "everyday_posts": len(everyday or [])}
    return best
