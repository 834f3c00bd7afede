"""Reading the settings files under ``config/`` that staff edit: one loader for all.

Each feature owns its file's meaning (a ``parse`` function that validates the mapping and
builds a frozen settings object); this module owns reading it: YAML with the safe
loader, a clear error naming the file, and one caching rule. A :class:`ConfigFile` is
read again whenever the file's modification time changes (one ``stat`` per use), so an
edit takes effect in every running process without a restart, and a broken edit is
reported by the feature's own error class naming the file and the entry.

Hand-written because no kept library does "validated YAML re-read on change" in a few
lines; PyYAML does the parsing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, Generic, TypeVar

import yaml

T = TypeVar("T")


class ConfigFileError(ValueError):
    """A settings file is missing, not YAML, or has a wrong entry; the message names it."""


def read_mapping(
    path: Path, error: type[ConfigFileError] = ConfigFileError, *, empty_ok: bool = True
) -> dict[str, Any]:
    """The top-level mapping of the YAML file at ``path``.

    Args:
        path: the file.
        error: the feature's error class, raised with the file's name in the message.
        empty_ok: an empty file reads as ``{}``; otherwise it is an error.

    Raises:
        ConfigFileError: (as ``error``) unreadable, not YAML (the message gives the line),
            or not a mapping.
    """
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise error(f"{path}: file: cannot be read ({exc.strerror or exc})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "file"
        problem = getattr(exc, "problem", None) or exc
        raise error(
            f"{path}: {where}: is not valid YAML ({problem}), so it cannot be read"
        ) from None
    if data is None and empty_ok:
        return {}
    if not isinstance(data, dict):
        raise error(f"{path}: top level should be a mapping")
    return data


class ConfigFile(Generic[T]):
    """A settings file parsed by ``load(path)``, read again when it changes.

    Args:
        default: the shipped file, used when :meth:`get` is given no path.
        load: reads and validates one file (raising the feature's ConfigFileError).
    """

    def __init__(self, default: Path, load: Callable[[Path], T]) -> None:
        self.default = default
        self._load = load
        self._lock = threading.Lock()
        self._cache: dict[Path, tuple[float, T]] = {}

    def get(self, path: Path | None = None) -> T:
        """The parsed file (``path``, default the shipped one), re-read if it changed.

        Raises:
            ConfigFileError: the file cannot be read or is invalid.
        """
        file = path or self.default
        try:
            mtime = file.stat().st_mtime
        except OSError:
            return self._load(file)  # let the loader name the problem in its own words
        with self._lock:
            cached = self._cache.get(file)
            if cached is not None and cached[0] == mtime:
                return cached[1]
        value = self._load(file)
        with self._lock:
            self._cache[file] = (mtime, value)
        return value

    def clear(self) -> None:
        """Forget what was read (tests that rewrite a file within one mtime tick)."""
        with self._lock:
            self._cache.clear()
