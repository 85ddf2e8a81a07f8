"""Scoring an LLM on text classification tasks, with the metrics every other model gets.

``LLMClassifier`` is estimator-like (explicit keyword parameters, no work in ``__init__``,
``get_params``/``set_params``, ``fit``/``predict``/``predict_proba``), so the research harness
can treat ``--model llm:URL#MODEL`` like any model: ``make_llm_model("llm:URL#MODEL")``.

- ``fit(texts, y)`` learns nothing: it records the label set (``classes_``) and, for k-shot,
  draws ``k_shot`` examples with a seeded, class-balanced choice (one per class in turn).
  ``y`` holds label names, or integer class ids with ``labels=[names]`` (id i is labels[i]);
  ``predict`` answers in the same form (``NO_ANSWER`` or ``NO_ANSWER_ID`` = -1 for no answer).
- ``predict(texts)`` asks the model once per text with a versioned prompt
  (``emotion_zero_shot@1``, ``emotion_k_shot@1``, or ``emotion_cot@1`` with chain-of-thought)
  at temperature 0 with a fixed seed, and reads the label (``parse.parse_label``). A text whose
  reply yields no label is predicted as ``NO_ANSWER`` (always wrong) and listed in
  ``parse_failures_``; ``parse_failure_rate_`` is reported beside every score, and
  ``parse_methods_`` says how leniently labels were read (json / line / mention / synonym).

``evaluate_open_vocab`` scores open-vocabulary answers (the model's own emotion words, mapped
to the canonical labels by ``vocab``) with set-based precision / recall / F1 against reference
label sets.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from affectkit.core.errors import InputError
from affectkit.llm.errors import LLMError
from affectkit.llm.parse import parse_label
from affectkit.llm.prompts import load_template
from affectkit.llm.vocab import LEXICON

NO_ANSWER = "<no answer>"
NO_ANSWER_ID = -1
_PARAMS = ("base_url", "model", "template", "k_shot", "chain_of_thought", "labels", "seed", "timeout",
           "concurrency", "max_retries", "max_tokens", "cache")


class LLMClassifier:
    """An LLM as a text classifier. ``base_url``: an OpenAI-compatible server (``model``: its
    model name), or ``"local"`` for llama-cpp-python (``model``: a .gguf path, None for the
    bundled, weak Gemma 3 270M). ``template``: a prompt ``name@version`` (default by
    ``k_shot``/``chain_of_thought``); ``labels``: the label set (default: those seen in ``fit``);
    ``max_tokens``: default the template's; ``cache``: None default folder, False none."""

    def __init__(self, base_url: str | None = None, model: str | None = None, *, template: str | None = None,
                 k_shot: int = 0, chain_of_thought: bool = False, labels: Sequence[str] | None = None,
                 seed: int = 0, timeout: float = 60.0, concurrency: int = 4, max_retries: int = 2,
                 max_tokens: int | None = None, cache: Any = None) -> None:
        self.base_url, self.model, self.template = base_url, model, template
        self.k_shot, self.chain_of_thought, self.labels, self.seed = k_shot, chain_of_thought, labels, seed
        self.timeout, self.concurrency, self.max_retries = timeout, concurrency, max_retries
        self.max_tokens, self.cache = max_tokens, cache

    # -- scikit-learn conventions ------------------------------------------------------------
    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {k: getattr(self, k) for k in _PARAMS}

    def set_params(self, **params: Any) -> "LLMClassifier":
        for k, v in params.items():
            if k not in _PARAMS:
                raise InputError(f"LLMClassifier has no parameter {k!r}")
            setattr(self, k, v)
        return self

    def __repr__(self) -> str:
        return f"LLMClassifier(base_url={self.base_url!r}, model={self.model!r}, k_shot={self.k_shot})"

    # -- pieces --------------------------------------------------------------------------------
    def template_(self):
        if self.template:
            return load_template(self.template)
        if self.chain_of_thought:
            return load_template("emotion_cot@1")
        return load_template("emotion_k_shot@1" if self.k_shot else "emotion_zero_shot@1")

    def backend_(self):
        """The chat backend these parameters describe (built on each call: cheap)."""
        if self.base_url is None:
            raise InputError("LLMClassifier needs base_url (an OpenAI-compatible server URL, or 'local')")
        if self.base_url == "local":
            from affectkit.llm.local import LocalLLM

            return LocalLLM(self.model, seed=self.seed, cache=self.cache)
        from affectkit.llm.client import ChatClient

        return ChatClient(self.base_url, self.model or "", timeout=self.timeout, concurrency=self.concurrency,
                          max_retries=self.max_retries, seed=self.seed, cache=self.cache)

    @property
    def name(self) -> str:
        return self.backend_().name

    # -- fit / predict -------------------------------------------------------------------------
    def fit(self, X: Sequence[str], y: Sequence[str]) -> "LLMClassifier":
        texts, y = _texts(X), list(y)
        if len(texts) != len(y):
            raise InputError(f"{len(texts)} texts but {len(y)} labels")
        self.ids_ = bool(y) and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in y)
        if self.ids_:
            if self.labels is None:
                raise InputError("integer class ids need labels=[names] (class id i is labels[i]) for the prompt")
            self.label_names_ = [str(l) for l in self.labels]
            if min(y) < 0 or max(y) >= len(self.label_names_):
                raise InputError(f"class ids must be in 0..{len(self.label_names_) - 1}")
            labels = [self.label_names_[int(v)] for v in y]
            self.classes_ = np.arange(len(self.label_names_))
        else:
            labels = [str(v) for v in y]
            self.label_names_ = [str(l) for l in self.labels] if self.labels is not None else sorted(set(labels))
            self.classes_ = np.array(self.label_names_)
        if len(self.classes_) < 2:
            raise InputError("LLMClassifier needs at least two labels")
        if self.k_shot < 0 or (self.k_shot and self.k_shot > len(texts)):
            raise InputError(f"k_shot={self.k_shot} but {len(texts)} training texts")
        self.examples_ = _balanced_choice(texts, labels, self.k_shot, self.seed)
        return self

    def _messages(self, text: str) -> list[dict[str, str]]:
        tpl = self.template_()
        examples = [{"text": t, "label": l} for t, l in self.examples_] if tpl.assistant else []
        return tpl.messages(examples, text=text, labels=", ".join(self.label_names_))

    def predict(self, X: Sequence[str]) -> np.ndarray:
        """One label per text (``NO_ANSWER`` where the reply gave none); sets ``parse_failures_``,
        ``parse_failure_rate_``, ``parse_methods_``, ``reasonings_`` and ``cached_``."""
        if not hasattr(self, "classes_"):
            raise InputError("call fit(texts, labels) first: it fixes the label set and the k-shot examples")
        texts = _texts(X)
        tpl = self.template_()
        with self.backend_() as backend:  # closes the client's connections when the batch is done
            replies = backend.chat_many([self._messages(t) for t in texts],
                                        max_tokens=self.max_tokens or tpl.max_tokens)
        classes = self.label_names_
        synonyms = {w: l for w, l in LEXICON.items() if l in classes}
        out, failures, methods, reasons, cached = [], [], {}, [], 0
        for i, reply in enumerate(replies):
            try:
                if isinstance(reply, LLMError):
                    raise reply
                cached += reply.cached
                got = parse_label(reply, classes, synonyms=synonyms)
            except LLMError as exc:
                failures.append({"index": i, **exc.record()})
                out.append(NO_ANSWER)
                reasons.append(None)
                continue
            said = got.raw.strip().strip(".!\"'*").lower()
            how = "synonym" if got.how != "mention" and said != got.label else got.how
            methods[how] = methods.get(how, 0) + 1
            out.append(got.label)
            reasons.append(got.reasoning)
        self.parse_failures_, self.parse_methods_, self.reasonings_, self.cached_ = failures, methods, reasons, cached
        self.parse_failure_rate_ = len(failures) / len(texts) if texts else 0.0
        self.model_name_, self.template_id_ = backend.name, tpl.id
        if self.ids_:
            index = {name: j for j, name in enumerate(classes)}
            return np.array([index.get(p, NO_ANSWER_ID) for p in out], dtype=np.int64)
        return np.array(out, dtype=object)

    def predict_proba(self, X: Sequence[str]) -> np.ndarray:
        """One-hot rows of ``predict`` over ``classes_`` (an LLM gives no calibrated probability);
        a text without an answer gets a uniform row."""
        pred = self.predict(X)
        k = len(self.classes_)
        out = np.full((len(pred), k), 1.0 / k)
        index = {c.item() if hasattr(c, "item") else c: j for j, c in enumerate(self.classes_)}
        for i, p in enumerate(pred):
            p = p.item() if hasattr(p, "item") else p
            if p in index:
                out[i] = 0.0
                out[i, index[p]] = 1.0
        return out


def _texts(X: Sequence[str]) -> list[str]:
    if isinstance(X, str):
        raise InputError("expected a list of texts, got one string")
    out = [str(t) for t in X]
    return out


def _balanced_choice(texts: list[str], labels: list[str], k: int, seed: int) -> list[tuple[str, str]]:
    """``k`` (text, label) examples: classes in turn (in a seeded order), a seeded random
    example of each, then shuffled; the same seed gives the same examples."""
    if not k:
        return []
    rng = np.random.default_rng(seed)
    by_class: dict[str, list[int]] = {}
    for i, l in enumerate(labels):
        by_class.setdefault(l, []).append(i)
    pools = {l: list(rng.permutation(idx)) for l, idx in sorted(by_class.items())}
    order = [sorted(pools)[j] for j in rng.permutation(len(pools))]
    chosen: list[int] = []
    while len(chosen) < k:
        for l in order:
            if pools[l] and len(chosen) < k:
                chosen.append(int(pools[l].pop()))
    chosen = [chosen[j] for j in rng.permutation(len(chosen))]
    return [(texts[i], labels[i]) for i in chosen]


def evaluate_llm(clf: LLMClassifier, texts: Sequence[str], y: Sequence[str]) -> dict[str, Any]:
    """Scores of a fitted ``clf`` on (texts, y) with ``affectkit.bench.metrics``: accuracy,
    weighted F1, macro F1 over ``classes_``, per-class F1, and beside them the parse failure
    rate, failures by kind, how labels were read and how often each label was answered (a
    model that always gives the same label shows here). A text without an answer counts as wrong."""
    from affectkit.bench.metrics import accuracy, macro_f1, per_class_f1, weighted_f1

    pred = list(clf.predict(texts))
    classes = list(clf.label_names_)
    if clf.ids_:  # scored by name, so that per-class figures read as labels
        y = [classes[int(v)] for v in y]
        pred = [classes[p] if p != NO_ANSWER_ID else NO_ANSWER for p in pred]
    else:
        y = [str(v) for v in y]
    kinds: dict[str, int] = {}
    for f in clf.parse_failures_:
        kinds[f["kind"]] = kinds.get(f["kind"], 0) + 1
    return {"model": clf.model_name_, "prompt": clf.template_id_, "k_shot": clf.k_shot, "seed": clf.seed,
            "n": len(y), "accuracy": accuracy(y, pred), "weighted_f1": weighted_f1(y, pred),
            "macro_f1": macro_f1(y, pred, labels=classes), "per_class_f1": per_class_f1(y, pred, classes),
            "parse_failure_rate": clf.parse_failure_rate_, "parse_failures_by_kind": kinds,
            "parse_methods": clf.parse_methods_, "cached_replies": clf.cached_,
            "predicted_counts": {l: pred.count(l) for l in [*classes, NO_ANSWER]},
            "examples": [list(e) for e in clf.examples_]}


def make_llm_model(spec: str, **params: Any) -> LLMClassifier:
    """An LLMClassifier from a harness model spec: ``llm:URL#MODEL`` (an OpenAI-compatible
    server), ``llm:local`` (the bundled GGUF) or ``llm:local#PATH.gguf``. ``params`` go to the
    constructor (``k_shot``, ``chain_of_thought``, ``template``...). InputError for a bad spec."""
    if not isinstance(spec, str) or not spec.startswith("llm:"):
        raise InputError(f"an LLM model spec looks like llm:URL#MODEL or llm:local[#PATH.gguf], got {spec!r}")
    body = spec[len("llm:"):]
    if body == "local" or body.startswith("local#"):
        path = body.partition("#")[2] or None
        return LLMClassifier("local", path, **params)
    url, sep, model = body.rpartition("#")
    if not sep or not url or not model:
        raise InputError(f"an LLM model spec needs the model after '#': llm:URL#MODEL, got {spec!r}")
    from affectkit.llm.client import endpoint

    endpoint(url)  # validates the URL now, not at the first request
    return LLMClassifier(url, model, **params)


def open_vocab_words(reply) -> list[str]:
    """The emotion words of an open-vocabulary reply (``emotion_words``, else ``emotion``);
    LLMReplyError subclasses when there are none."""
    from affectkit.llm.errors import LLMReplyError
    from affectkit.llm.parse import parse_json

    obj = parse_json(reply)
    words = obj.get("emotion_words", obj.get("emotions", obj.get("emotion")))
    if isinstance(words, str):
        words = [w.strip() for w in words.split(",")]
    words = [str(w).strip() for w in (words or []) if isinstance(w, str) and w.strip()]
    if not words:
        raise LLMReplyError(f"the reply names no emotion words: {obj!r:.200}")
    return words


def evaluate_open_vocab(backend, texts: Sequence[str], references: Sequence[Sequence[str]],
                        template: str = "emotion_open@1", embeddings: bool = True) -> dict[str, Any]:
    """Score open-vocabulary answers against reference label sets (e.g. GoEmotions' rows in
    the canonical labels): the model names emotions in its own words, each word is mapped to a
    canonical label (``vocab.map_emotions``; unmapped words are dropped and counted), and the
    predicted label sets are scored with ``vocab.set_scores``. A text without an answer has an
    empty predicted set. The original words are kept in ``answers``."""
    from affectkit.llm.vocab import map_emotions, set_scores

    tpl = load_template(template)
    replies = backend.chat_many([tpl.messages(text=t) for t in texts], max_tokens=tpl.max_tokens)
    predicted, answers, kinds, methods, unmapped = [], [], {}, {}, {}
    for reply in replies:
        try:
            if isinstance(reply, LLMError):
                raise reply
            words = open_vocab_words(reply)
        except LLMError as exc:
            kinds[exc.kind] = kinds.get(exc.kind, 0) + 1
            predicted.append(set())
            answers.append(None)
            continue
        mapped = map_emotions(words, embeddings=embeddings)
        for m in mapped:
            methods[m.method] = methods.get(m.method, 0) + 1
            if m.label is None:
                unmapped[m.word.lower()] = unmapped.get(m.word.lower(), 0) + 1
        predicted.append({m.label for m in mapped if m.label})
        answers.append(words)
    scores = set_scores(predicted, [set(r) for r in references])
    return {"model": backend.name, "prompt": tpl.id, **scores, "parse_failure_rate": sum(kinds.values()) / len(texts),
            "parse_failures_by_kind": kinds, "mapping_methods": methods,
            "unmapped_words": dict(sorted(unmapped.items(), key=lambda kv: -kv[1])[:30]),
            "answers": answers, "predicted": [sorted(p) for p in predicted]}
