"""Canned replies: the service-standard phrases the console offers with one click.

``config/handoff.yml`` lists them (``canned_replies``) with a button label and the key of
their wording in the catalogue (``locales/<language>/console.yml``), so each is offered in
the conversation's language and translators edit the wording where they edit the rest; a
reply written in the file as ``text`` is offered as written, whatever the language.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.i18n import get_catalogue, t


@dataclass(frozen=True)
class CannedReply:
    """A service-standard phrase offered in the console."""

    label: str
    text: str = ""
    key: str | None = None

    def text_in(self, language: str) -> str:
        """The reply's wording in ``language`` (English for a language not supported)."""
        return t(self.key, language) if self.key else self.text


def canned_reply(item: object) -> CannedReply:
    """One ``canned_replies`` entry: a ``label`` and a catalogue ``key`` (or a ``text``).

    Raises:
        ValueError: the entry is incomplete, or its key is not in the catalogue; the
            message says which.
    """
    if not (isinstance(item, dict) and isinstance(item.get("label"), str) and item["label"]):
        raise ValueError("needs a label")
    key, text = item.get("key"), item.get("text")
    if isinstance(key, str) and key.strip():
        if not get_catalogue().has(key.strip()):
            raise ValueError(f"{key.strip()} is not in the catalogue (locales/*/console.yml)")
        return CannedReply(item["label"].strip(), key=key.strip())
    if isinstance(text, str) and text.strip():
        return CannedReply(item["label"].strip(), text.strip())
    raise ValueError("needs a key (of locales/*/console.yml) or a text")
