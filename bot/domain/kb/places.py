"""Place lookup: find a known city, port, airport or country inside a short phrase."""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.domain.kb.models import Place
from bot.domain.kb.normalise import normalise_text

# Longest place phrase we look for, in words ("ho chi minh city" has four).
_MAX_WORDS = 5


class PlaceIndex:
    """Case- and punctuation-tolerant lookup of places by name, alias or code."""

    def __init__(self, places: Iterable[Place]) -> None:
        """Index every name and alias of ``places``.

        Duplicates are rejected by the loader before this is built, so here a later
        phrase simply never overrides an earlier one.
        """
        self._by_phrase: dict[tuple[str, ...], Place] = {}
        self._exact: list[tuple[re.Pattern[str], str]] = []
        for place in places:
            for phrase in (place.name, *place.aliases):
                words = tuple(normalise_text(phrase).split())
                if words:
                    self._by_phrase.setdefault(words, place)
            for code in place.exact_aliases:
                # An exact code ("US", "CAN") is swapped for a private token before
                # normalising, so it keeps its position among the other words.
                token = f"zzplace{len(self._exact)}"
                self._by_phrase.setdefault((token,), place)
                pattern = re.compile(rf"(?<![A-Za-z0-9]){re.escape(code)}(?![A-Za-z0-9])")
                self._exact.append((pattern, token))

    def _words(self, text: str) -> list[str]:
        for pattern, token in self._exact:
            text = pattern.sub(f" {token} ", text)
        return normalise_text(text).split()

    def find_all(self, text: str) -> list[Place]:
        """Every place named in ``text``, in order, taking the longest phrase at each point.

        Args:
            text: e.g. ``"from Shenzhen to Los Angeles, USA"``.

        Returns:
            e.g. ``[Shenzhen, Los Angeles, United States]``.
        """
        return [place for _, _, place in self._scan(text)]

    def find(self, text: str) -> Place | None:
        """The place ``text`` names: the longest phrase found, then the earliest.

        Args:
            text: a place name or a short phrase such as ``"to los angeles, usa"``.

        Returns:
            The place, or ``None`` when no known place is named.
        """
        found = self._scan(text)
        if not found:
            return None
        return min(found, key=lambda hit: (-hit[1], hit[0]))[2]

    def _scan(self, text: str) -> list[tuple[int, int, Place]]:
        words = self._words(text)
        hits: list[tuple[int, int, Place]] = []
        i = 0
        while i < len(words):
            for length in range(min(_MAX_WORDS, len(words) - i), 0, -1):
                place = self._by_phrase.get(tuple(words[i : i + length]))
                if place is not None:
                    hits.append((i, length, place))
                    i += length
                    break
            else:
                i += 1
        return hits
