"""Training recipes: every shipped model's recipe.json validates and states what its training
record and config.json say about the run (so drift fails here), the validator names the field,
overrides are applied and listed, and each script refuses a bad --recipe with a usage error."""
import fnmatch
import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from affectkit.core.errors import InputError
from affectkit.train.recipes import (RECIPE_FILE, SHIPPED, WEIGHTS_ROOT, load_recipe, recipe_record,
                                         shipped_recipe_path, validate, with_overrides, write_recipe)

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench" / "results"


def _json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _grid_step(by_weight: dict) -> float:
    w = sorted(float(k) for k in by_weight)
    assert w[0] == 0.0 and w[-1] == 1.0
    return round(w[1] - w[0], 6)


def _threads(machine: str) -> int:  # "x86_64 CPU, 2 threads"
    return int(machine.rsplit(",", 1)[1].split()[0])


def recorded(name: str) -> tuple[dict, dict]:
    """(what the shipped run's training record and config.json state, as dotted recipe fields -> value;
    the record's own recipe block in the new form, or {} for a record older than recipe files)."""
    if name == "face":
        rec, cfg = _json(RESULTS / "face_train.json"), _json(WEIGHTS_ROOT / "face" / "config.json")
        trained = {k: v for k, v in cfg["training"]["recipe"].items() if k != "extra"}  # FaceRecipe's fields
        if "params" not in rec["recipe"]:  # a record older than recipe files held the same FaceRecipe dict
            assert cfg["training"]["recipe"] == rec["recipe"]
        return ({**trained, "threads": rec["threads"], "tta": cfg["tta"], "widths": cfg["net"]["widths"],
                 "depths": cfg["net"]["depths"], "dropout": cfg["net"]["dropout"], "crop": cfg["crop"],
                 "int8_per_class": int(cfg["int8"]["calibration"].split("first ")[1].split()[0])},
                rec["recipe"] if "params" in rec["recipe"] else {})
    if name == "text":
        rec, cfg = _json(RESULTS / "text_train.json"), _json(WEIGHTS_ROOT / "text" / "config.json")
        t, net = rec["training"], cfg["net"]
        src = {s["name"]: s for s in t["sources"]}
        return ({**{k: t[k] for k in ("seed", "epochs", "lr", "batch_size", "smoothing")},
                 **{k: net[k] for k in ("n_top", "rank", "alpha", "dropout", "max_len", "max_context")},
                 "threads": _threads(t["machine"]), "meld_repeat": src["meld"]["repeat"],
                 "mix_emotion": "emotion" in src["goemotions"]["heads"],
                 "mix_weight": src["goemotions"]["heads"]["emotion"],
                 "lexical.blend_grid_step": _grid_step(t["lexical"]["carer_dev_accuracy_by_weight"])},
                rec.get("recipe") or {})
    if name == "carer":
        rec, cfg = _json(RESULTS / "carer_train.json"), _json(WEIGHTS_ROOT / "text" / "carer" / "config.json")
        t, net = rec["training"], cfg["net"]
        assert {k: cfg["training"][k] for k in ("seed", "epochs", "lr", "batch_size")} == \
            {k: t[k] for k in ("seed", "epochs", "lr", "batch_size")}
        return ({**{k: t[k] for k in ("seed", "epochs", "lr", "batch_size")},
                 **{k: net[k] for k in ("n_top", "rank", "alpha", "dropout", "max_len", "max_context")},
                 "threads": _threads(t["machine"]), "blend_grid_step": _grid_step(rec["val_accuracy_by_weight"])},
                rec.get("recipe") or {})
    if name == "voice":
        rec, cfg = _json(RESULTS / "voice_train.json"), _json(WEIGHTS_ROOT / "voice" / "config.json")
        assert rec["head"] == cfg["params"]
        return ({"seed": rec["seed"], "head": rec["head"], "extractor": cfg["extractor"]["params"],
                 "extractor.blocks": rec["blocks"]}, rec.get("recipe") or {})
    if name == "calibration":
        rec, cfg = _json(RESULTS / "calibration.json"), _json(WEIGHTS_ROOT / "fusion" / "calibration.json")
        assert sorted(rec["heads"]) == sorted(cfg["temperatures"])
        return ({"heads": list(cfg["temperatures"]), "weights": cfg["weights"], "conflict": cfg["conflict"]},
                rec.get("recipe") or {})
    if name == "stress":
        rec, cfg = _json(RESULTS / "stress_train.json"), _json(WEIGHTS_ROOT / "screen" / "stress_net" / "config.json")
        t, net = rec["training"], cfg["net"]
        assert rec["model"] == f"{cfg['name']}@{cfg['version']}" and not t["debug"]
        assert {k: cfg["training"][k] for k in ("seed", "epochs", "lr", "batch_size")} == \
            {k: t[k] for k in ("seed", "epochs", "lr", "batch_size")}
        return ({**{k: t[k] for k in ("seed", "epochs", "lr", "batch_size")},
                 **{k: net[k] for k in ("n_top", "rank", "alpha", "dropout", "max_len", "max_context")},
                 "threads": _threads(t["machine"]), "dev_share": t["split"]["dev_share"]}, rec["recipe"])
    if name == "screen":
        rec, cfg = _json(RESULTS / "screen_train.json"), _json(WEIGHTS_ROOT / "screen" / "config.json")
        assert rec["model"] == f"{cfg['name']}@{cfg['version']}" and not rec["debug"]
        chosen = rec["tasks"]["stress"]["chosen"]
        assert chosen["C_embedding"] in rec["recipe"]["params"]["grid"]["C_embedding"]
        return {"seed": rec["seed"]}, rec["recipe"]
    raise AssertionError(name)


def _get(params: dict, dotted: str):
    for part in dotted.split("."):
        params = params[part]
    return params


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_every_shipped_recipe_validates_and_names_its_model_and_script(name):
    doc = load_recipe(name)
    assert Path(doc["path"]) == shipped_recipe_path(name) and (ROOT / doc["script"]).is_file()
    assert doc["source"].strip(), "say where the values come from"
    folder = shipped_recipe_path(name).parent
    config = _json(folder / ("calibration.json" if name == "calibration" else "config.json"))
    assert config["name"] == doc["model"]
    if "version" in config:
        assert config["version"] == doc["model_version"]


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_every_shipped_recipe_equals_what_its_training_record_states(name):
    params = load_recipe(name)["params"]
    stated, block = recorded(name)
    assert stated
    for key, value in stated.items():
        assert _get(params, key) == value, f"{name} recipe.json {key}: {_get(params, key)!r}, the record: {value!r}"
    if block:  # a record written since recipe files: the whole recipe, exactly
        assert block["params"] == params


def test_face_recipe_v3_has_no_degradations_and_v4_only_adds_them():
    from affectkit.train.recipes import FACE_DEGRADATIONS

    v3 = load_recipe("face")["params"]
    v4 = load_recipe("face", ROOT / "bench" / "recipes" / "face_v4.json")
    assert all(v3[k] == 0 for k in FACE_DEGRADATIONS) and all(v4["params"][k] > 0 for k in FACE_DEGRADATIONS)
    assert {k for k in v3 if v3[k] != v4["params"][k]} == set(FACE_DEGRADATIONS) and v4["model_version"] == "4"


def test_the_package_data_ships_every_recipe():
    rules = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["affectkit"]
    for name in SHIPPED:
        rel = shipped_recipe_path(name).relative_to(WEIGHTS_ROOT.parent).as_posix()
        assert any(fnmatch.fnmatch(rel, r) and rel.count("/") == r.count("/") for r in rules), rel


# the validator names the field

def _face() -> dict:
    return json.loads(shipped_recipe_path("face").read_text())


@pytest.mark.parametrize("change, message", [
    (lambda d: d["params"].update(epoch=3), r"unknown key\(s\) \['epoch'\]"),
    (lambda d: d["params"].pop("max_lr"), r"missing key\(s\) \['max_lr'\]"),
    (lambda d: d["params"].update(epochs="90"), r"params\.epochs: expected int, got '90'"),
    (lambda d: d["params"].update(epochs=True), r"params\.epochs: expected int"),
    (lambda d: d["params"].update(scale=[0.9]), r"params\.scale: expected 2 items"),
    (lambda d: d["params"].update(widths=[32, "64"]), r"params\.widths\[1\]: expected int"),
    (lambda d: d.update(model="voice.emotion"), r"a recipe for 'voice.emotion', not 'face.expression'"),
    (lambda d: d.update(format=2), r"format 2"),
    (lambda d: d.update(notes="x"), r"unknown key\(s\) \['notes'\]"),
    (lambda d: d.pop("source"), r"missing key\(s\) \['source'\]"),
])
def test_validate_names_the_field(change, message):
    doc = _face()
    change(doc)
    with pytest.raises(InputError, match=message):
        validate(doc, "face")


def _file(name: str) -> dict:
    return json.loads(shipped_recipe_path(name).read_text())


def test_validate_names_nested_fields():
    doc = _file("text")
    doc["params"]["lexical"]["min_df"] = 1.5
    with pytest.raises(InputError, match=r"params\.lexical\.min_df: expected int"):
        validate(doc, "text")
    doc = _file("voice")
    doc["params"]["head"]["solver"] = "lbfgs"
    with pytest.raises(InputError, match=r"params\.head: unknown key\(s\) \['solver'\]"):
        validate(doc, "voice")
    doc = _file("calibration")
    doc["params"]["weights"]["text"] = "2"
    with pytest.raises(InputError, match=r"params\.weights\.text: expected float"):
        validate(doc, "calibration")


def test_load_recipe_errors_say_which_file(tmp_path):
    with pytest.raises(InputError, match="no such recipe file"):
        load_recipe("face", tmp_path / "nope.json")
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(InputError, match="bad.json: not valid JSON"):
        load_recipe("face", tmp_path / "bad.json")
    with pytest.raises(InputError, match="unknown recipe"):
        load_recipe("lip")


# overrides

def test_overrides_apply_are_listed_and_none_is_no_override():
    doc = load_recipe("text")
    out = with_overrides(doc, {"epochs": 1, "seed": None, "lexical.min_df": 1}, "text")
    assert out["params"]["epochs"] == 1 and out["params"]["lexical"]["min_df"] == 1
    assert out["params"]["seed"] == doc["params"]["seed"]
    assert out["overrides"] == {"epochs": 1, "lexical.min_df": 1} and out["path"] == doc["path"]
    assert doc["params"]["epochs"] == 3 and doc["params"]["lexical"]["min_df"] == 2  # the original is untouched
    again = with_overrides(out, {"rank": 4}, "text")
    assert again["overrides"] == {"epochs": 1, "lexical.min_df": 1, "rank": 4}
    rec = recipe_record(again, ROOT)
    assert rec["file"] == "src/affectkit/weights/text/recipe.json" and rec["overrides"] == again["overrides"]
    assert rec["params"] == again["params"] and rec["model_version"] == "2"


def test_overrides_of_unknown_fields_or_wrong_types_fail_by_name():
    doc = load_recipe("face")
    with pytest.raises(InputError, match="'epoch'"):
        with_overrides(doc, {"epoch": 3}, "face")
    with pytest.raises(InputError, match="'head.solver'"):
        with_overrides(load_recipe("voice"), {"head.solver": "x"}, "voice")
    with pytest.raises(InputError, match="'seed.x'"):
        with_overrides(doc, {"seed.x": 1}, "face")
    with pytest.raises(InputError, match=r"params\.epochs: expected int"):
        with_overrides(doc, {"epochs": 2.5}, "face")


def test_write_recipe_round_trips(tmp_path):
    doc = with_overrides(load_recipe("carer"), {"epochs": 1}, "carer")
    path = write_recipe(doc, tmp_path / "m", source="a test")
    assert path == tmp_path / "m" / RECIPE_FILE
    back = load_recipe("carer", path)
    assert back["params"] == doc["params"] and back["source"] == "a test" and "overrides" not in _json(path)


# each script refuses a bad --recipe with a usage error naming the problem (no traceback)

SCRIPTS = {"face": "train_face.py", "text": "train_text.py", "carer": "train_carer.py", "voice": "train_voice.py",
           "calibration": "calibrate.py", "stress": "train_stress.py"}


# each run starts a script that imports its stack: only the quickest (voice) is in the fast set
@pytest.mark.parametrize("name", [n if n == "voice" else pytest.param(n, marks=pytest.mark.slow) for n in sorted(SCRIPTS)])
def test_a_bad_recipe_file_is_a_usage_error(name, tmp_path):
    doc = json.loads(shipped_recipe_path(name).read_text())
    first = next(iter(doc["params"]))
    doc["params"][first + "_typo"] = doc["params"].pop(first)
    bad = tmp_path / "recipe.json"
    bad.write_text(json.dumps(doc))
    cases = [(bad, first + "_typo"), (tmp_path / "missing.json", "no such recipe file")]
    if name == "text":
        (tmp_path / "face.json").write_text(shipped_recipe_path("face").read_text())
        cases.append((tmp_path / "face.json", "a recipe for 'face.expression'"))
    for path, message in cases:
        r = subprocess.run([sys.executable, str(ROOT / "bench" / SCRIPTS[name]), "--recipe", str(path),
                            "--out", str(tmp_path / ("out/calibration.json" if name == "calibration" else "out"))],
                           capture_output=True, text=True, timeout=300)
        assert r.returncode == 2, (r.returncode, r.stderr[-2000:])
        assert "Traceback" not in r.stderr and message in r.stderr and "--recipe" in r.stderr
        assert not (tmp_path / "out").exists()
