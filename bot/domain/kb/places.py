"""Place lookup: find a known city, port, airport or country inside a short phrase.

English names are matched word by word; Chinese names (香港, 洛杉磯) are found inside Chinese
text, which has no spaces ("由香港寄去洛杉磯"), after Simplified Chinese is written in
Traditional, so "洛杉矶" is found too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.domain.kb.models import Place
from bot.domain.kb.normalise import normalise_chinese, normalise_text

# Longest place phrase we look for, in words ("ho chi minh city" has four).
_MAX_WORDS = 5
_HAN_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
# Words just before a Chinese place name that make it the origin or the destination.
_ZH_ORIGIN_CUES = ("由", "從", "自", "喺", "响", "響", "係")
_ZH_DESTINATION_CUES = ("去", "到", "往", "至", "入", "返", "飛", "運")
_CUE_WINDOW = 2


class PlaceIndex:
    """Case- and punctuation-tolerant lookup of places by name, alias or code."""

    def __init__(self, places: Iterable[Place]) -> None:
        """Index every name and alias of ``places``.

        Duplicates are rejected by the loader before this is built, so here a later
        phrase simply never overrides an earlier one.
        """
        self._by_phrase: dict[tuple[str, ...], Place] = {}
        self._exact: list[tuple[re.Pattern[str], str]] = []
        self._by_chinese: dict[str, Place] = {}
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
            for phrase in (place.name_zh, *place.aliases_zh):
                if phrase:
                    self._by_chinese.setdefault(normalise_chinese(phrase), place)
        self._longest_chinese = max((len(p) for p in self._by_chinese), default=0)

    def _words(self, text: str) -> list[str]:
        for pattern, token in self._exact:
            text = pattern.sub(f" {token} ", text)
        return normalise_text(text).split()

    def find_all(self, text: str) -> list[Place]:
        """Every place named in ``text``, in order, taking the longest phrase at each point.

        Args:
            text: e.g. ``"from Shenzhen to Los Angeles, USA"`` or ``"由深圳寄去洛杉磯"``.

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

    def find_lane(self, text: str) -> tuple[Place | None, Place | None]:
        """Origin and destination named in Chinese text ("由香港寄去洛杉磯", "深圳到東京").

        A place right after 由/從/喺 is the origin, one right after 去/到/往/寄去 the
        destination; two places without such words are read in order (origin first), and a
        single place without one is the destination.

        Returns:
            ``(origin, destination)``, each ``None`` when not named.
        """
        folded = normalise_chinese_keep_spaces(text)
        hits = self._scan(folded)
        origin: Place | None = None
        destination: Place | None = None
        unmarked: list[Place] = []
        for start, _, place in hits:
            before = "".join(folded[max(0, start - 2 * _CUE_WINDOW) : start].split())
            before = before[-_CUE_WINDOW:]
            if before.endswith(_ZH_ORIGIN_CUES) and origin is None:
                origin = place
            elif any(cue in before for cue in _ZH_DESTINATION_CUES) and destination is None:
                destination = place
            else:
                unmarked.append(place)
        for place in unmarked:
            if origin is None and destination is None and len(unmarked) > 1:
                origin = place
            elif destination is None:
                destination = place
            elif origin is None:
                origin = place
        return origin, destination

    def _scan(self, text: str) -> list[tuple[int, int, Place]]:
        """(position, length, place) of every place named, in order.

        Chinese runs are scanned character by character, the rest word by word; a
        position counts words and characters alike, so hits keep their order.
        """
        if self._by_chinese and _HAN_RUN.search(text):
            folded = normalise_chinese_keep_spaces(text)
            hits: list[tuple[int, int, Place]] = []
            cursor = 0
            for match in _HAN_RUN.finditer(folded):
                for i, length, place in self._scan_words(folded[cursor : match.start()]):
                    hits.append((cursor + i, length, place))
                for i, length, place in self._scan_chinese(match.group()):
                    hits.append((match.start() + i, length, place))
                cursor = match.end()
            for i, length, place in self._scan_words(folded[cursor:]):
                hits.append((cursor + i, length, place))
            return hits
        return self._scan_words(text)

    def _scan_chinese(self, text: str) -> list[tuple[int, int, Place]]:
        hits: list[tuple[int, int, Place]] = []
        i = 0
        while i < len(text):
            for length in range(min(self._longest_chinese, len(text) - i), 1, -1):
                place = self._by_chinese.get(text[i : i + length])
                if place is not None:
                    hits.append((i, length, place))
                    i += length
                    break
            else:
                i += 1
        return hits

    def _scan_words(self, text: str) -> list[tuple[int, int, Place]]:
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


def normalise_chinese_keep_spaces(text: str) -> str:
    """Full-width forms folded and Simplified written in Traditional, spaces kept (so the
    English words between Chinese runs stay apart)."""
    from bot.core.i18n import normalise_input

    return normalise_input(text)
