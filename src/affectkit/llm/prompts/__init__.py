"""Versioned prompt templates, one JSON file each: ``<name>@<version>.json`` in this folder.

A template has ``system`` and ``user`` texts with ``$name`` placeholders (``string.Template``,
so JSON braces need no escaping), an ``assistant`` text that renders a k-shot example's answer,
``max_tokens`` and ``reply`` (``label``: one of a closed set; ``open``: open-vocabulary words).
A template is never edited once published: a change is a new version, so cached replies and
published scores stay tied to the exact prompt (``PromptTemplate.id``, e.g. ``emotion_zero_shot@1``).
"""
from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from importlib import resources
from string import Template
from typing import Sequence

from affectkit.core.errors import InputError

_FILE = re.compile(r"^(?P<name>[a-z0-9_]+)@(?P<version>\d+)\.json$")


@dataclass(frozen=True)
class PromptTemplate:
    name: str
    version: int
    description: str
    system: str
    user: str
    assistant: str | None
    max_tokens: int
    reply: str

    @property
    def id(self) -> str:
        return f"{self.name}@{self.version}"

    def _fill(self, text: str, values: dict[str, object]) -> str:
        try:
            return Template(text).substitute({k: str(v) for k, v in values.items()})
        except KeyError as exc:
            raise InputError(f"prompt {self.id} needs a value for ${exc.args[0]}") from None

    def messages(self, examples: Sequence[dict[str, object]] = (), **values: object) -> list[dict[str, str]]:
        """Chat messages: the system text, one user/assistant pair per k-shot example (each a
        dict of the template's values, with its ``label``), then the user text."""
        out = [{"role": "system", "content": self._fill(self.system, values)}]
        for ex in examples:
            if self.assistant is None:
                raise InputError(f"prompt {self.id} takes no examples")
            both = {**values, **ex}
            out += [{"role": "user", "content": self._fill(self.user, both)},
                    {"role": "assistant", "content": self._fill(self.assistant, both)}]
        out.append({"role": "user", "content": self._fill(self.user, values)})
        return out


def available() -> dict[str, list[int]]:
    """Template name -> its published versions, ascending."""
    found: dict[str, list[int]] = {}
    for entry in resources.files(__name__).iterdir():
        m = _FILE.match(entry.name)
        if m:
            found.setdefault(m["name"], []).append(int(m["version"]))
    return {k: sorted(v) for k, v in sorted(found.items())}


@functools.lru_cache(maxsize=None)
def load_template(spec: str) -> PromptTemplate:
    """``name@version``, or ``name`` for its latest version. InputError naming the ones there are."""
    name, _, version = str(spec).partition("@")
    versions = available().get(name)
    if not versions:
        raise InputError(f"no prompt template {name!r}; available: "
                         + ", ".join(f"{n}@{v[-1]}" for n, v in available().items()))
    if version and (not version.isdigit() or int(version) not in versions):
        raise InputError(f"prompt template {name!r} has versions {versions}, not {version!r}")
    v = int(version) if version else versions[-1]
    data = json.loads(resources.files(__name__).joinpath(f"{name}@{v}.json").read_text(encoding="utf-8"))
    return PromptTemplate(name=name, version=v, description=data.get("description", ""), system=data["system"],
                          user=data["user"], assistant=data.get("assistant"), max_tokens=int(data["max_tokens"]),
                          reply=data.get("reply", "label"))
