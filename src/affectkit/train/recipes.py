"""Training recipes of the shipped models: one versioned JSON file beside each model's weights.

Every shipped model folder under ``affectkit/weights/`` holds a ``recipe.json``: every
hyper-parameter and augmentation setting of the run that produced the weights beside it. The
training scripts (``bench/train_face.py``, ``train_text.py``, ``train_carer.py``,
``train_voice.py``, ``bench/calibrate.py``) read it by default (``--recipe FILE`` for another
one), let command-line flags override single fields, write the recipe they used into their
training record and beside the weights they write. So "run the script with its defaults"
rebuilds exactly what ships, and a retrained model carries its own recipe.

A recipe file::

    {"format": 1, "model": "face.expression", "model_version": "3",
     "script": "bench/train_face.py", "source": "where the values come from",
     "params": {...every field of the model's schema, nothing else...}}

``validate`` checks it: known keys only, every field present, each of the right type.
"""
from __future__ import annotations

import argparse
import copy
import json
from pathlib import Path
from typing import Any, Mapping

from affectkit.core.atomic import write_atomic
from affectkit.core.errors import InputError

FORMAT = 1
RECIPE_FILE = "recipe.json"
WEIGHTS_ROOT = Path(__file__).resolve().parent.parent / "weights"

# recipe name -> (folder under weights/, model name in the file, training script)
SHIPPED: dict[str, tuple[str, str, str]] = {
    "face": ("face", "face.expression", "bench/train_face.py"),
    "text": ("text", "affectkit-text-minilm-lora", "bench/train_text.py"),
    "carer": ("text/carer", "affectkit-text-carer-specialist", "bench/train_carer.py"),
    "voice": ("voice", "voice.emotion", "bench/train_voice.py"),
    "calibration": ("fusion", "affectkit-late-fusion", "bench/calibrate.py"),
    "screen": ("screen", "affectkit-screen", "bench/train_screen.py"),
    "stress": ("screen/stress_net", "affectkit-screen-stress-net", "bench/train_stress.py"),
}

# Types: "int", "float" (an int is accepted), "bool", "str", a trailing "?" allows null,
# "T[]" a list of T, "T[n]" a list of exactly n T, "T{}" an object of str -> T; a dict: a nested
# object with exactly those keys.
FACE_PARAMS: dict[str, Any] = {
    "widths": "int[]", "depths": "int[]", "dropout": "float", "crop": "int",
    "epochs": "int", "batch_size": "int", "max_lr": "float", "weight_decay": "float",
    "momentum": "float", "pct_start": "float", "div_factor": "float", "final_div_factor": "float",
    "label_smoothing": "float",
    "rotate_deg": "float", "scale": "float[2]", "shift": "float", "gamma": "float",
    "erase_p": "float", "erase_size": "float[2]",
    "lowres_p": "float", "lowres_side": "int[2]", "blur_p": "float", "blur_sigma": "float[2]",
    "jpeg_p": "float", "jpeg_quality": "int[2]", "exposure_p": "float", "noise_p": "float",
    "noise_sigma": "float[2]",
    "seed": "int", "int8_per_class": "int", "tta": "str", "threads": "int?",
}
# the degradation augmentation of face recipe v4 (off in v3: every share 0)
FACE_DEGRADATIONS = ("lowres_p", "blur_p", "jpeg_p", "exposure_p", "noise_p")

# bench/train_text.py and bench/train_carer.py: text_train.train and the network (NetConfig)
_TRAINING = {"seed": "int", "epochs": "int", "lr": "float", "batch_size": "int", "weight_decay": "float",
             "warmup": "float", "clip_norm": "float", "smoothing": "float",
             "n_top": "int", "rank": "int", "alpha": "float", "dropout": "float", "max_len": "int",
             "max_context": "int", "threads": "int?"}
TEXT_PARAMS: dict[str, Any] = {
    **_TRAINING, "mix_emotion": "bool", "mix_weight": "float", "meld_repeat": "int",
    "punct_drop": "float",  # share of each source's texts trained without punctuation (train.text_augment)
    "lexical": {"ngram_range": "int[2]", "min_df": "int", "max_features": "int", "carer_C": "float",
                "carer_max_iter": "int", "goemotions_C": "float", "goemotions_max_iter": "int",
                "blend_grid_step": "float"},
}
CARER_PARAMS: dict[str, Any] = {**_TRAINING, "blend_grid_step": "float"}
# extractor: the voice.emotion_input parameters (as config.json's extractor.params); head: VoiceEmotionHead's
VOICE_PARAMS: dict[str, Any] = {
    "seed": "int",
    "extractor": {"sr": "int", "blocks": "str[]", "trim_db": "float", "whisper_layers": "int[]"},
    "head": {"C": "float", "blocks": "str[][]", "clip": "float", "class_weight": "str?", "max_iter": "int",
             "tol": "float"},
    "cv_protocol": "str",
    # training-time augmentation (affectkit.train.augment): altered copies per file and their seed;
    # boredom: "keep" (a class of its own) or "merge" (trained as neutral); output: what the shipped
    # head's output does with boredom ("hide" or "neutral", affectkit.recognize.voice_affect.OUTPUTS)
    "augment": {"copies": "int", "seed": "int"},
    "boredom": "str",
    "output": "str",
}
CALIBRATION_PARAMS: dict[str, Any] = {
    "heads": "str[]", "t_bounds": "float[2]", "weights": "float{}",
    "conflict": {"jsd_bits": "float", "valence": "float"},
}
# bench/train_screen.py: the dev split, the grid searched on it, and where the "high" level starts
SCREEN_PARAMS: dict[str, Any] = {
    "seed": "int", "dev_share": "float", "grid": {"C_embedding": "float[]", "C_tfidf": "float[]"},
    "weights": "float[]", "thresholds": "float[]", "high_precision": "float", "other_negatives": "bool",
    "false_flag_cost": "float", "everyday_posts": "int", "max_everyday_flag_rate": "float",
    # the stress network blended into the stress head (a subfolder, bench/train_stress.py; null: none)
    # and the shares of it tried on dev
    "stress_net": "str?", "net_weights": "float[]",
}
# bench/train_stress.py: the stress network (text_train.train on Dreaddit train less the dev split,
# which is the screen recipe's: seed and dev_share must match it)
STRESS_PARAMS: dict[str, Any] = {**_TRAINING, "dev_share": "float"}
SCHEMAS: dict[str, dict[str, Any]] = {"face": FACE_PARAMS, "text": TEXT_PARAMS, "carer": CARER_PARAMS,
                                      "voice": VOICE_PARAMS, "calibration": CALIBRATION_PARAMS,
                                      "screen": SCREEN_PARAMS, "stress": STRESS_PARAMS}
TOP_KEYS = {"format": "int", "model": "str", "model_version": "str?", "script": "str", "source": "str",
            "params": "object"}


def script_recipe(parser: argparse.ArgumentParser, name: str, path: str | Path | None,
                  overrides: Mapping[str, Any]) -> dict[str, Any]:
    """For a training script: the recipe ``path`` (default the shipped one) with the command
    line's ``overrides``; a bad file or value ends the script with a usage error naming it."""
    try:
        return with_overrides(load_recipe(name, path), overrides, name)
    except InputError as exc:
        parser.error(f"--recipe: {exc}")
        raise  # parser.error exits; for type checkers


def shipped_recipe_path(name: str) -> Path:
    """The recipe file beside the shipped weights of ``name`` (face, text, carer, voice, calibration)."""
    if name not in SHIPPED:
        raise InputError(f"unknown recipe {name!r}; known: {', '.join(SHIPPED)}")
    return WEIGHTS_ROOT / SHIPPED[name][0] / RECIPE_FILE


def _check(value: Any, spec: Any, where: str) -> None:
    if isinstance(spec, dict):
        if not isinstance(value, dict):
            raise InputError(f"{where}: expected an object, got {type(value).__name__}")
        unknown = sorted(set(value) - set(spec))
        missing = sorted(set(spec) - set(value))
        if unknown:
            raise InputError(f"{where}: unknown key(s) {unknown}; known: {sorted(spec)}")
        if missing:
            raise InputError(f"{where}: missing key(s) {missing}")
        for k, sub in spec.items():
            _check(value[k], sub, f"{where}.{k}")
        return
    if spec.endswith("?"):
        if value is None:
            return
        spec = spec[:-1]
    if spec.endswith("{}"):
        if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
            raise InputError(f"{where}: expected an object of {spec[:-2]}, got {value!r}")
        for k, v in value.items():
            _check(v, spec[:-2], f"{where}.{k}")
        return
    if spec.endswith("]"):
        inner, _, n = spec[:-1].rpartition("[")
        if not isinstance(value, list):
            raise InputError(f"{where}: expected a list ({spec}), got {value!r}")
        if n and len(value) != int(n):
            raise InputError(f"{where}: expected {n} items, got {len(value)}")
        for i, v in enumerate(value):
            _check(v, inner, f"{where}[{i}]")
        return
    ok = {"int": lambda v: isinstance(v, int) and not isinstance(v, bool),
          "float": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
          "bool": lambda v: isinstance(v, bool),
          "str": lambda v: isinstance(v, str),
          "object": lambda v: isinstance(v, dict)}[spec]
    if not ok(value):
        raise InputError(f"{where}: expected {spec}, got {value!r}")


def validate(doc: Mapping[str, Any], name: str, where: str = "recipe") -> dict[str, Any]:
    """Check a recipe document for the model ``name``: known keys only, every field present and
    of its type, the right model. Returns it (a plain dict); raises InputError naming the field."""
    if name not in SCHEMAS:
        raise InputError(f"unknown recipe {name!r}; known: {', '.join(SCHEMAS)}")
    doc = dict(doc)
    _check(doc, TOP_KEYS, where)
    if doc["format"] != FORMAT:
        raise InputError(f"{where}: format {doc['format']} (this affectkit reads format {FORMAT})")
    if doc["model"] != SHIPPED[name][1]:
        raise InputError(f"{where}: a recipe for {doc['model']!r}, not {SHIPPED[name][1]!r}")
    _check(doc["params"], SCHEMAS[name], f"{where}: params")
    return doc


def load_recipe(name: str, path: str | Path | None = None) -> dict[str, Any]:
    """The validated recipe document for ``name`` from ``path`` (default: the shipped one)."""
    p = Path(path) if path is not None else shipped_recipe_path(name)
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{p}: no such recipe file") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{p}: not valid JSON ({exc})") from None
    doc = validate(doc, name, str(p))
    doc["path"] = str(p)
    return doc


def with_overrides(doc: Mapping[str, Any], overrides: Mapping[str, Any], name: str) -> dict[str, Any]:
    """A copy of the recipe with ``overrides`` (dotted keys for nested fields, ``None`` values
    ignored) applied to its params, validated again; the applied ones are listed in
    ``doc["overrides"]``."""
    out = copy.deepcopy({k: v for k, v in doc.items() if k != "path"})
    applied = dict(doc.get("overrides") or {})
    for key, value in overrides.items():
        if value is None:
            continue
        target = out["params"]
        *parents, leaf = key.split(".")
        for p in parents:
            if not isinstance(target.get(p), dict):
                raise InputError(f"cannot override {key!r}: not a field of the {name} recipe")
            target = target[p]
        if leaf not in target:
            raise InputError(f"cannot override {key!r}: not a field of the {name} recipe")
        target[leaf] = list(value) if isinstance(value, tuple) else value
        applied[key] = target[leaf]
    out.pop("overrides", None)
    validate(out, name, f"{name} recipe with overrides")
    out["overrides"] = applied
    if "path" in doc:
        out["path"] = doc["path"]
    return out


def recipe_record(doc: Mapping[str, Any], root: Path | None = None) -> dict[str, Any]:
    """What a training record says about its recipe: the file read (relative to ``root`` when
    inside it), the fields overridden on the command line, and the full params used."""
    path = doc.get("path")
    if path is not None and root is not None:
        try:
            path = str(Path(path).resolve().relative_to(root.resolve()))
        except ValueError:
            pass
    return {"file": path, "model_version": doc.get("model_version"), "overrides": dict(doc.get("overrides") or {}),
            "params": copy.deepcopy(doc["params"])}


def run_source(doc: Mapping[str, Any], command: str, root: Path | None = None, note: str = "") -> str:
    """The provenance line of a recipe written by a run: the command, the date, the file read
    (relative to ``root``) and the overrides applied."""
    import time

    src = recipe_record(doc, root)["file"]
    over = doc.get("overrides") or {}
    return (f"{command} ({time.strftime('%Y-%m-%d')}), from {src}"
            + (f" with {json.dumps(over)}" if over else "") + (f"; {note}" if note else ""))


def write_recipe(doc: Mapping[str, Any], folder: str | Path, source: str | None = None) -> Path:
    """Write the recipe actually used (overrides applied) as ``folder/recipe.json``, beside the
    weights it produced; ``source`` replaces the provenance line (e.g. the command run)."""
    out = {k: copy.deepcopy(doc[k]) for k in TOP_KEYS}
    if source is not None:
        out["source"] = source
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / RECIPE_FILE
    write_atomic(path, json.dumps(out, indent=1) + "\n")
    return path
