"""Reading a knowledge-base YAML file and checking its entries: what every file's parser uses.

Each check returns the value it checked (trimmed or converted where that is the point) or
raises :class:`KnowledgeBaseError`. ``where`` is always ``"<file>"`` or
``"<file>: entry '<key>'"``, and the message starts with it, so whoever edits the YAML can
find the problem without reading code.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from bot.domain.kb.errors import KnowledgeBaseError


def fail(where: str, problem: str) -> KnowledgeBaseError:
    """The error to raise: ``problem`` at ``where``."""
    return KnowledgeBaseError(f"{where}: {problem}")


def mapping(value: Any, where: str, what: str) -> dict[str, Any]:
    """``value``, which must be a mapping."""
    if not isinstance(value, dict):
        raise fail(where, f"{what} must be a mapping, not {type(value).__name__}")
    return value


def list_(value: Any, where: str, what: str) -> list[Any]:
    """``value``, which must be a list."""
    if not isinstance(value, list):
        raise fail(where, f"{what} must be a list, not {type(value).__name__}")
    return value


def fields(
    entry: Mapping[str, Any], where: str, required: Iterable[str], optional: Iterable[str] = ()
) -> None:
    """Check ``entry`` has every ``required`` field and nothing but those and ``optional``."""
    required = tuple(required)
    allowed = set(required) | set(optional)
    missing = [name for name in required if name not in entry]
    if missing:
        raise fail(where, "missing field " + ", ".join(repr(m) for m in missing))
    unknown = sorted(set(entry) - allowed)
    if unknown:
        raise fail(where, "unknown field " + ", ".join(repr(u) for u in unknown))


def text(entry: Mapping[str, Any], name: str, where: str) -> str:
    """Field ``name``: non-empty text, its runs of white space made single spaces."""
    value = entry.get(name)
    if not isinstance(value, str) or not value.strip():
        raise fail(where, f"{name!r} must be non-empty text")
    return " ".join(value.split())


def texts(entry: Mapping[str, Any], name: str, where: str) -> tuple[str, ...]:
    """Field ``name``: a list (default empty) of non-empty texts, trimmed."""
    values = list_(entry.get(name, []), where, repr(name))
    for value in values:
        if not isinstance(value, str) or not value.strip():
            raise fail(where, f"{name!r} must hold non-empty text only, found {value!r}")
    return tuple(value.strip() for value in values)


def number(value: Any, where: str, what: str, *, positive: bool = True) -> float:
    """``value`` as a number (not a boolean), above 0 when ``positive``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise fail(where, f"{what} must be a number, not {value!r}")
    if positive and value <= 0:
        raise fail(where, f"{what} must be positive, not {value!r}")
    return float(value)


def whole_days(value: Any, where: str, what: str) -> int:
    """``value``: a whole number of days, 0 or more."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise fail(where, f"{what} must be a whole number of days, not {value!r}")
    return value


def choice(value: Any, allowed: Iterable[str], where: str, what: str) -> str:
    """``value``, which must be one of ``allowed``."""
    allowed = tuple(allowed)
    if value not in allowed:
        raise fail(where, f"unknown {what} {value!r} (expected one of {', '.join(allowed)})")
    return str(value)


def iso_date(value: Any, where: str, what: str) -> dt.date:
    """``value`` as a date: a YAML date or text like 2026-12-31."""
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise fail(where, f"{what} must be a date like 2026-12-31, not {value!r}") from None


def entries(data: Any, file: str, top: str, id_field: str) -> list[tuple[str, str, dict[str, Any]]]:
    """The list under ``top`` as (id, where, entry), rejecting duplicate ids."""
    top_level = mapping(data, file, "the file")
    if top not in top_level:
        raise fail(file, f"missing top-level key {top!r}")
    items = list_(top_level[top], file, repr(top))
    result: list[tuple[str, str, dict[str, Any]]] = []
    seen: set[str] = set()
    for index, item in enumerate(items, start=1):
        where = f"{file}: entry #{index}"
        entry = mapping(item, where, "each entry")
        ident = entry.get(id_field)
        if isinstance(ident, str) and ident.strip():
            where = f"{file}: entry {ident!r}"
        else:
            raise fail(where, f"missing field {id_field!r}")
        if ident in seen:
            raise fail(where, f"duplicate {id_field} {ident!r}")
        seen.add(ident)
        result.append((ident, where, entry))
    return result


def read_yaml(path: Path, file: str) -> Any:
    """The YAML at ``path``, named ``file`` in errors (missing, unreadable, bad YAML)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise KnowledgeBaseError(f"{file}: file not found") from None
    except OSError as exc:
        raise KnowledgeBaseError(f"{file}: cannot be read ({exc.strerror})") from None
    try:
        # The C loader when PyYAML has it: it reads these files about ten times faster.
        return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "unreadable"
        raise KnowledgeBaseError(f"{file}: bad YAML{at}: {problem}") from None


_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def chinese(entry: Mapping[str, Any], name: str, where: str) -> str:
    """Field ``name``: required Chinese text (it must contain Chinese characters).

    Every customer-facing field has a Chinese twin (``name`` -> ``name_zh``), so a Chinese
    customer never gets an English answer because a translation was forgotten.
    """
    if name not in entry:
        raise fail(where, f"missing Chinese field {name!r}")
    value = text(entry, name, where)
    if not _HAN.search(value):
        raise fail(where, f"{name!r} must be written in Chinese, not {value!r}")
    return value


def chinese_texts(
    entry: Mapping[str, Any], name: str, where: str, *, like: tuple[str, ...] | None = None
) -> tuple[str, ...]:
    """Field ``name``: a list of Chinese texts; with ``like``, required and as long as it.

    Args:
        entry: the YAML entry.
        name: the field, e.g. ``"limits_zh"``.
        where: the entry, for errors.
        like: the English list this one translates, item by item; ``None`` when the list
            is optional (Chinese aliases).
    """
    if like is not None and name not in entry:
        raise fail(where, f"missing Chinese field {name!r}")
    values = texts(entry, name, where)
    for value in values:
        if not _HAN.search(value):
            raise fail(where, f"{name!r} must hold Chinese text, found {value!r}")
    if like is not None and len(values) != len(like):
        raise fail(
            where,
            f"{name!r} has {len(values)} items but its English list has {len(like)}; "
            "translate each one",
        )
    return values
