"""Typed errors. Every error a user can cause is an AffectkitError with a clear message."""
from __future__ import annotations


class AffectkitError(Exception):
    """Base class of every error affectkit raises on purpose."""


class InputError(AffectkitError):
    """The user's input cannot be used (empty text, unreadable file, bad option)."""


class TranscriptError(InputError):
    """A transcript file is malformed. Names the file and, where known, the line."""

    def __init__(self, path: str, message: str, line: int | None = None) -> None:
        self.path = str(path)
        self.line = line
        self.reason = message
        where = f"{self.path}, line {line}" if line is not None else self.path
        super().__init__(f"{where}: {message}")


class AudioError(InputError):
    """An audio or video file cannot be used as audio. Names the file and the problem."""

    def __init__(self, path: str, message: str) -> None:
        self.path = str(path)
        self.reason = message
        super().__init__(f"{self.path}: {message}")


class VideoError(InputError):
    """A video or image file cannot be used for its pictures. Names the file and the problem."""

    def __init__(self, path: str, message: str) -> None:
        self.path = str(path)
        self.reason = message
        super().__init__(f"{self.path}: {message}")


class DependencyError(AffectkitError, ImportError):
    """An optional dependency (a Python extra or a system tool) is missing; says how to install it."""


class DataError(AffectkitError):
    """A benchmark or training dataset is missing or not in the expected shape."""


class ModelError(AffectkitError):
    """A bundled model is missing, corrupt, or incompatible with this version."""


class RegistryError(AffectkitError, KeyError):
    """Unknown or duplicate name in a registry."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""
