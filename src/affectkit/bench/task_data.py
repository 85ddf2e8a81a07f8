"""Turn a task's dataset into model input: rows, labels, split/fold groups, then features.

Each dataset loader (registered in ``DATA_LOADERS`` under the name a task YAML gives) returns a
:class:`TaskData`: labels ``y``, the official split of each row (``part``) or its fold group
(speaker, session), and the raw material (texts, wav paths, face crops, or ready feature arrays
for MMSA). :func:`featurize` then fills ``X`` (modality -> array) with the task's extractors.

Debug mode (``debug=True``): the same loaders on tiny data - the first rows of each class of
the real files under ../shared/data, or a tiny synthetic file of the exact format for the
datasets users bring (MMSA pickle, IEMOCAP, DAIC-WOZ, E-DAIC, RAVDESS, CREMA-D) - and cheap stand-in
features (hashed words for text, a hash of the file for audio) so that every (task, model)
pair runs end to end in seconds.
"""
from __future__ import annotations

import atexit
import hashlib
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from affectkit.bench.tasks import TaskSpec
from affectkit.core.errors import DataError
from affectkit.core.registry import Registry

DATA_LOADERS: Registry = Registry("dataset loader")
DEBUG_PER_CLASS = 6
DEBUG_TEXT_DIMS = 32
DEBUG_AUDIO_DIMS = 24


@dataclass
class TaskData:
    y: np.ndarray
    part: np.ndarray | None = None          # official split name per row
    groups: np.ndarray | None = None        # fold group per row (speaker, session, actor)
    texts: list[str] | None = None
    audio: list[str] | None = None
    images: np.ndarray | None = None
    X: dict[str, np.ndarray] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.y)


def _labels(values, spec: TaskSpec) -> np.ndarray:
    index = {l: i for i, l in enumerate(spec.label_space)}
    bad = sorted({str(v) for v in values if v not in index})
    if bad:
        raise DataError(f"{spec.task}: labels {bad} are not in the label space {list(spec.label_space)}")
    return np.asarray([index[v] for v in values], dtype=np.int64)


def _head_per_class(df, col: str, n: int):
    return df.groupby(col, sort=False, group_keys=False).head(n)


def _splits(spec: TaskSpec, load: Callable, label_col: str, debug: bool, per_class: int | None = None):
    import pandas as pd

    frames = []
    for role, name in spec.split.items():
        df = load(name)
        if debug:
            df = _head_per_class(df, label_col, per_class or DEBUG_PER_CLASS)
        df = df.assign(_part=role)
        frames.append(df)
    return pd.concat(frames, ignore_index=True)


def _text_task(spec: TaskSpec, load: Callable, label_col: str, debug: bool, map_label=None) -> TaskData:
    df = _splits(spec, load, label_col, debug)
    labels = df[label_col].map(map_label) if map_label else df[label_col]
    return TaskData(y=_labels(labels.tolist(), spec), part=df["_part"].to_numpy(), texts=df.text.astype(str).tolist())


@DATA_LOADERS.register("meld")
def _meld(spec: TaskSpec, path=None, debug=False) -> TaskData:
    from affectkit.bench.datasets import load_meld

    target = spec.loader_args.get("target", "emotion")
    return _text_task(spec, load_meld, target, debug)


@DATA_LOADERS.register("carer")
def _carer(spec: TaskSpec, path=None, debug=False) -> TaskData:
    from affectkit.bench.datasets import load_carer

    return _text_task(spec, load_carer, "label", debug)


@DATA_LOADERS.register("dreaddit")
def _dreaddit(spec: TaskSpec, path=None, debug=False) -> TaskData:
    from affectkit.bench.datasets.text import load_dreaddit

    return _text_task(spec, load_dreaddit, "label", debug, map_label=lambda v: spec.label_space[int(v)])


@DATA_LOADERS.register("depression_reddit")
def _depression(spec: TaskSpec, path=None, debug=False) -> TaskData:
    from affectkit.bench.datasets.text import load_depression_reddit

    return _text_task(spec, load_depression_reddit, "label", debug, map_label=lambda v: spec.label_space[int(v)])


@DATA_LOADERS.register("goemotions")
def _goemotions(spec: TaskSpec, path=None, debug=False) -> TaskData:
    import pandas as pd

    from affectkit.bench.datasets import load_goemotions

    frames = []
    for role, name in spec.split.items():
        df = load_goemotions(name)
        if debug:
            df = df.iloc[: 40 if role == "train" else 20]
        frames.append(df.assign(_part=role))
    df = pd.concat(frames, ignore_index=True)
    index = {l: i for i, l in enumerate(spec.label_space)}
    y = np.zeros((len(df), len(index)), dtype=np.int64)
    for i, labs in enumerate(df["labels"]):
        for l in labs:
            y[i, index[l]] = 1
    return TaskData(y=y, part=df["_part"].to_numpy(), texts=df.text.tolist())


@DATA_LOADERS.register("emodb")
def _emodb(spec: TaskSpec, path=None, debug=False) -> TaskData:
    from affectkit.bench.datasets import load_emodb

    df = load_emodb()
    if debug:
        df = df[df.speaker.isin(("03", "08", "09"))].groupby(["speaker", "emotion"], sort=False).head(2)
    return TaskData(y=_labels(df.emotion.tolist(), spec), groups=df.speaker.to_numpy(), audio=df.path.tolist())


@DATA_LOADERS.register("fer2013")
def _fer(spec: TaskSpec, path=None, debug=False) -> TaskData:
    from affectkit.bench.datasets.face import load_fer2013
    from affectkit.core.labels import EMOTION

    imgs, ys, parts = [], [], []
    for role, name in spec.split.items():
        x, y = load_fer2013(name, limit_per_class=(8 if role == "train" else 4) if debug else None)
        imgs.append(x)
        ys += [EMOTION.labels[i] for i in y]
        parts += [role] * len(y)
    return TaskData(y=_labels(ys, spec), part=np.asarray(parts), images=np.concatenate(imgs))


def _debug_dir(name: str) -> Path:
    """A fresh folder for a ``--debug`` run's synthetic corpus, removed when the process exits
    (the corpus's files are read lazily during the run, so not before)."""
    path = Path(tempfile.mkdtemp(prefix=f"affectkit-debug-{name}-"))
    atexit.register(shutil.rmtree, path, True)
    return path


@DATA_LOADERS.register("mmsa")
def _mmsa(spec: TaskSpec, path=None, debug=False) -> TaskData:
    from affectkit.bench.datasets.mmsa import load_mmsa, mmsa_path, write_synthetic_mmsa

    dataset = spec.loader_args.get("dataset", spec.task)
    if debug and path is None:
        path = write_synthetic_mmsa(_debug_dir(dataset) / "aligned_50.pkl", n=(24, 8, 12), t=6,
                                    label_range=1.0 if dataset == "sims" else 3.0)
    p = mmsa_path(dataset, path)
    data = load_mmsa(p)
    roles = {v: k for k, v in spec.split.items()}
    parts, ys, X = [], [], {m: [] for m in ("text", "audio", "vision")}
    for split in ("train", "valid", "test"):
        if split not in roles:
            continue
        d = data[split]
        parts += [roles[split]] * len(d["label"])
        ys.append(d["label"])
        for m in X:
            X[m].append(d[m])
    return TaskData(y=np.concatenate(ys), part=np.asarray(parts), X={m: np.concatenate(v) for m, v in X.items()},
                    info={"source": str(p)})


@DATA_LOADERS.register("iemocap")
def _iemocap(spec: TaskSpec, path=None, debug=False) -> TaskData:
    from affectkit.bench.datasets.iemocap import load_iemocap
    from affectkit.bench.datasets.synthetic import write_iemocap

    if debug and path is None:
        path = write_iemocap(_debug_dir("iemocap") / "IEMOCAP_full_release", turns_per_dialog=10)
    df = load_iemocap(path, classes=int(spec.loader_args.get("classes", 4)))
    return TaskData(y=_labels(df.label.tolist(), spec), groups=df.session.to_numpy(), texts=df.text.tolist(),
                    audio=df.wav.tolist(), info={"speakers": sorted(set(df.speaker))})


def _interviews(spec: TaskSpec, load: Callable, path, include: bool) -> TaskData:
    """Session-level interview tasks (DAIC-WOZ, E-DAIC): one row per interview, the PHQ-8 score or
    its binary label (PHQ-8 >= 10) as the target."""
    import pandas as pd

    frames = [load(name, path, include_interviewer=include).assign(_part=role) for role, name in spec.split.items()]
    df = pd.concat(frames, ignore_index=True)
    if spec.target == "regression":
        if df.phq8.isna().any():
            raise DataError(f"{spec.task}: the label files give no PHQ-8 score for "
                            f"{int(df.phq8.isna().sum())} sessions (a score regression needs PHQ_Score)")
        y = df.phq8.to_numpy(dtype=np.float32)
    else:
        y = df.label.to_numpy(dtype=np.int64)
    return TaskData(y=y, part=df["_part"].to_numpy(), texts=df.text.tolist(),
                    info={"include_interviewer": include, "participants": df.participant.astype(int).tolist()})


@DATA_LOADERS.register("daic")
def _daic(spec: TaskSpec, path=None, debug=False) -> TaskData:
    from affectkit.bench.datasets.daic import load_daic
    from affectkit.bench.datasets.synthetic import write_daic

    if debug and path is None:
        path = write_daic(_debug_dir("daic") / "daic", n=(12, 6, 6))
    return _interviews(spec, load_daic, path, bool(spec.loader_args.get("include_interviewer", False)))


@DATA_LOADERS.register("edaic")
def _edaic(spec: TaskSpec, path=None, debug=False) -> TaskData:
    from affectkit.bench.datasets.edaic import load_edaic
    from affectkit.bench.datasets.synthetic import write_edaic

    if debug and path is None:
        path = write_edaic(_debug_dir("edaic") / "edaic", n=(12, 6, 6))
    return _interviews(spec, load_edaic, path, bool(spec.loader_args.get("include_interviewer", False)))


@DATA_LOADERS.register("ravdess")
def _ravdess(spec: TaskSpec, path=None, debug=False) -> TaskData:
    from affectkit.bench.datasets.acted import load_ravdess
    from affectkit.bench.datasets.synthetic import write_ravdess

    if debug and path is None:
        path = write_ravdess(_debug_dir("ravdess") / "ravdess")
    df = load_ravdess(path)
    return TaskData(y=_labels(df.emotion.tolist(), spec), groups=df.actor.to_numpy(), audio=df.path.tolist())


@DATA_LOADERS.register("cremad")
def _cremad(spec: TaskSpec, path=None, debug=False) -> TaskData:
    from affectkit.bench.datasets.acted import load_cremad
    from affectkit.bench.datasets.synthetic import write_cremad

    if debug and path is None:
        path = write_cremad(_debug_dir("cremad") / "cremad", actors=tuple(range(1001, 1011)))
    df = load_cremad(path)
    return TaskData(y=_labels(df.emotion.tolist(), spec), groups=df.actor.to_numpy(), audio=df.path.tolist())


# ------------------------------------------------------------------------------------ features

def debug_text_features(texts: list[str], dims: int = DEBUG_TEXT_DIMS) -> np.ndarray:
    """Hashed bag of words, L2-normalised: a cheap stand-in for sentence embeddings in debug runs."""
    out = np.zeros((len(texts), dims), dtype=np.float32)
    for i, t in enumerate(texts):
        for w in t.lower().split():
            h = int.from_bytes(hashlib.blake2b(w.encode(), digest_size=4).digest(), "little")
            out[i, h % dims] += 1.0 if (h >> 16) & 1 else -1.0
    n = np.linalg.norm(out, axis=1, keepdims=True)
    return np.divide(out, n, out=out, where=n > 0)


def debug_audio_features(paths: list[str], dims: int = DEBUG_AUDIO_DIMS) -> np.ndarray:
    """A vector seeded by the file name: a stand-in for voice features in debug runs."""
    out = np.empty((len(paths), dims), dtype=np.float32)
    for i, p in enumerate(paths):
        seed = int.from_bytes(hashlib.blake2b(Path(p).name.encode(), digest_size=4).digest(), "little")
        out[i] = np.random.default_rng(seed).normal(size=dims)
    return out


def text_features(texts: list[str], extractor: str, debug: bool = False, cache_root: str | None = None) -> np.ndarray:
    """Texts -> [N, D] with the named extractor (or the debug stand-in)."""
    if debug:
        return debug_text_features(texts)
    if extractor != "text.minilm":
        raise DataError(f"text extractor {extractor!r} is not supported by the harness (text.minilm)")
    from affectkit.bench.features import text_embeddings

    return text_embeddings(texts, cache_root)


def _by_split(data: TaskData, embed: Callable[[list[str]], np.ndarray]) -> np.ndarray:
    """Embed each split's texts on their own (contiguous runs of ``data.part``), so the cached
    blocks of a split are the same whichever task, or split order, asks for them."""
    texts = data.texts or []
    if data.part is None or not len(texts):
        return embed(texts)
    part = np.asarray(data.part)
    starts = [0] + [i for i in range(1, len(part)) if part[i] != part[i - 1]] + [len(part)]
    return np.concatenate([embed(texts[a:b]) for a, b in zip(starts[:-1], starts[1:])], axis=0)


def featurize(spec: TaskSpec, data: TaskData, debug: bool = False, cache_root: str | None = None) -> TaskData:
    """Fill ``data.X`` for each modality of ``spec.features`` not already there."""
    from affectkit.bench.features import face_pixels, voice_features

    for mod, ex in spec.features.items():
        if mod in data.X:
            continue
        if ex == "text.raw":  # the texts themselves, for models that read text (the screening heads)
            if data.texts is None:
                raise DataError(f"{spec.task}: no texts for the text modality")
            data.X[mod] = np.asarray(data.texts, dtype=object)
        elif ex.startswith("text."):
            if data.texts is None:
                raise DataError(f"{spec.task}: no texts for the text modality")
            data.X[mod] = _by_split(data, lambda texts: text_features(texts, ex, debug, cache_root))
        elif ex.startswith("voice."):
            if data.audio is None:
                raise DataError(f"{spec.task}: no audio files for the audio modality")
            data.X[mod] = debug_audio_features(data.audio) if debug else voice_features(data.audio, cache_root)
        elif ex.startswith("face.pixels"):
            size = int(ex[len("face.pixels"):] or 24)
            data.X[mod] = face_pixels(data.images, size=size)
        else:
            raise DataError(f"{spec.task}: unknown feature extractor {ex!r} for {mod}")
    return data


def load_task_data(spec: TaskSpec, path: str | None = None, debug: bool = False,
                   cache_root: str | None = None) -> TaskData:
    """The task's rows, labels, split or groups, and features (X)."""
    data = DATA_LOADERS.get(spec.loader)(spec, path=path, debug=debug)
    if spec.protocol == "official" and data.part is None:
        raise DataError(f"{spec.task}: the official protocol needs a split per row")
    if spec.protocol != "official" and data.groups is None:
        raise DataError(f"{spec.task}: protocol {spec.protocol} needs a group (speaker/session) per row")
    return featurize(spec, data, debug=debug, cache_root=cache_root)
