"""The wording catalogue: every customer-facing text, one folder per language.

``locales/<language>/*.yml`` (``en``, ``zh``) are flat YAML mappings that a translator edits
without reading code: ``dotted.key: text`` or, for a message with buttons,
``key: {text: ..., buttons: [{title: ..., payload: ...}]}``. Placeholders are named,
``{reference}``; a literal brace is written ``{{``. Files split the wording by area, but a
key is unique within a language, and every language has every key with the same
placeholders (:meth:`Catalogue.problems`, checked by the test suite).

The catalogue is read again when a file changes (one directory scan per second at most),
so a corrected translation reaches running servers without a restart. Hand-written: gettext
catalogues (Babel's ``.po``) key messages by their English text, which changes whenever the
English does; keyed YAML keeps the keys stable and the files readable.
"""

from __future__ import annotations

import string
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.core.i18n.language import DEFAULT_LANGUAGE, LANGUAGES, supported

LOCALES_DIR = Path(__file__).resolve().parents[3] / "locales"


class CatalogueError(ValueError):
    """A catalogue file is not valid, or a key is missing; the message names it."""


@dataclass(frozen=True)
class Entry:
    """One message: its text and, optionally, buttons (title and payload each a template)."""

    text: str
    buttons: tuple[tuple[str, str], ...] = ()
    source: str = ""


def placeholders(template: str) -> frozenset[str]:
    """The named placeholders of ``template``: "{reference} by {when}" -> {reference, when}."""
    names = set()
    for _literal, name, _spec, _conv in string.Formatter().parse(template):
        if name is not None:
            names.add(name.split(".")[0].split("[")[0])
    return frozenset(names)


def _entry(key: str, value: Any, source: str) -> Entry:
    if isinstance(value, str):
        return Entry(value, (), source)
    if isinstance(value, Mapping) and isinstance(value.get("text"), str):
        extra = set(value) - {"text", "buttons"}
        if extra:
            raise CatalogueError(f"{source}: {key}: unknown fields {sorted(extra)}")
        buttons = []
        for i, button in enumerate(value.get("buttons") or []):
            if not (
                isinstance(button, Mapping)
                and isinstance(button.get("title"), str)
                and isinstance(button.get("payload"), str)
            ):
                raise CatalogueError(f"{source}: {key}: button {i + 1} needs a title and a payload")
            buttons.append((button["title"], button["payload"]))
        return Entry(value["text"], tuple(buttons), source)
    raise CatalogueError(f"{source}: {key}: a text, or a mapping with 'text' (and 'buttons')")


@dataclass
class Catalogue:
    """Every language's entries, read from ``directory``."""

    directory: Path = LOCALES_DIR
    entries: dict[str, dict[str, Entry]] = field(default_factory=dict)

    @classmethod
    def load(cls, directory: Path = LOCALES_DIR) -> Catalogue:
        """Read every ``<language>/*.yml`` under ``directory``.

        Raises:
            CatalogueError: a file is not a mapping, an entry is malformed, or a key is
                defined twice in one language.
        """
        catalogue = cls(directory)
        for language in LANGUAGES:
            found: dict[str, Entry] = {}
            for path in sorted((directory / language).glob("*.yml")):
                source = f"locales/{language}/{path.name}"
                try:
                    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
                except yaml.YAMLError as exc:
                    raise CatalogueError(f"{source}: not valid YAML: {exc}") from exc
                if not isinstance(data, Mapping):
                    raise CatalogueError(f"{source}: must be a mapping of key: text")
                for key, value in data.items():
                    if key in found:
                        raise CatalogueError(
                            f"{source}: {key} is already defined in {found[key].source}"
                        )
                    found[str(key)] = _entry(str(key), value, source)
            catalogue.entries[language] = found
        return catalogue

    def entry(self, key: str, language: str) -> Entry:
        """The entry for ``key`` in ``language`` (English if the language is not supported).

        Raises:
            CatalogueError: no such key.
        """
        lang = supported(language) or DEFAULT_LANGUAGE
        try:
            return self.entries[lang][key]
        except KeyError:
            raise CatalogueError(f"no message {key!r} in locales/{lang}") from None

    def has(self, key: str) -> bool:
        """Whether ``key`` is in the default language's catalogue."""
        return key in self.entries.get(DEFAULT_LANGUAGE, {})

    def problems(self) -> list[str]:
        """Keys missing in a language, and entries whose placeholders or buttons differ
        from English's."""
        found = []
        reference = self.entries.get(DEFAULT_LANGUAGE, {})
        for language in LANGUAGES:
            entries = self.entries.get(language, {})
            for key in sorted(set(reference) | set(entries)):
                if key not in entries:
                    found.append(f"locales/{language}: missing {key}")
                    continue
                if key not in reference:
                    found.append(f"locales/{language}: {key} is not in English")
                    continue
                ours, theirs = entries[key], reference[key]
                if placeholders(ours.text) != placeholders(theirs.text):
                    found.append(
                        f"{ours.source}: {key} has placeholders "
                        f"{sorted(placeholders(ours.text))}, English has "
                        f"{sorted(placeholders(theirs.text))}"
                    )
                if [p for _t, p in ours.buttons] != [p for _t, p in theirs.buttons]:
                    found.append(f"{ours.source}: {key} buttons differ from English's")
        return found


def _fill(template: str, key: str, params: Mapping[str, Any]) -> str:
    try:
        return template.format_map(params)
    except (KeyError, IndexError, ValueError) as exc:
        raise CatalogueError(f"message {key!r} needs {exc} (given {sorted(params)})") from None


class _Cache:
    """The loaded catalogue, reloaded when a file under ``locales/`` changes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._catalogue: Catalogue | None = None
        self._stamp: tuple[tuple[str, int], ...] = ()
        self._checked = 0.0

    def _scan(self) -> tuple[tuple[str, int], ...]:
        return tuple((str(p), p.stat().st_mtime_ns) for p in sorted(LOCALES_DIR.glob("*/*.yml")))

    def get(self) -> Catalogue:
        now = time.monotonic()
        with self._lock:
            if self._catalogue is None or now - self._checked > 1.0:
                self._checked = now
                stamp = self._scan()
                if self._catalogue is None or stamp != self._stamp:
                    self._catalogue = Catalogue.load()
                    self._stamp = stamp
            return self._catalogue


_CACHE = _Cache()


def get_catalogue() -> Catalogue:
    """The catalogue under ``locales/``, read again after a file changed."""
    return _CACHE.get()


def t(key: str, language: str | None, /, **params: Any) -> str:
    """The text of ``key`` in ``language`` with its placeholders filled.

    >>> t("common.anything_else", "zh")
    '仲有冇其他可以幫到你？'
    """
    entry = get_catalogue().entry(key, language or DEFAULT_LANGUAGE)
    return _fill(entry.text, key, params)


def message(key: str, language: str | None, /, **params: Any) -> dict[str, Any]:
    """``key`` in ``language`` as a bot message: ``{"text": ..., "buttons": [...]}``."""
    entry = get_catalogue().entry(key, language or DEFAULT_LANGUAGE)
    result: dict[str, Any] = {"text": _fill(entry.text, key, params)}
    if entry.buttons:
        result["buttons"] = [
            {"title": _fill(title, key, params), "payload": _fill(payload, key, params)}
            for title, payload in entry.buttons
        ]
    return result
