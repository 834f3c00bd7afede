"""The :class:`KnowledgeBase`: loaded from its folder, looked up, and one per process.

:func:`load_knowledge_base` reads every file of the folder with its parser
(:mod:`bot.domain.kb.parsers`), so a broken file stops start-up with a
:class:`KnowledgeBaseError` that names the file and the entry. :func:`get_knowledge_base`
keeps one loaded, matcher-ready knowledge base per process.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from bot.domain.kb.checks import read_yaml
from bot.domain.kb.models import (
    Faq,
    Place,
    RateCard,
    Service,
    Term,
    TermLookup,
    TransitTime,
)
from bot.domain.kb.parsers import FILES, PARSERS, check_coverage
from bot.domain.kb.places import PlaceIndex
from bot.domain.kb.terms import TermMatcher


class KnowledgeBase:
    """Freight Desk's validated knowledge: glossary, FAQs, services, places, times, rates.

    Attributes:
        path: the folder it was loaded from.
        terms: glossary by key.
        faqs: FAQs by topic.
        services: service catalogue by code.
        places: every known place.
        transit_times: typical transit by (mode, region).
        rates: the indicative rate table.
    """

    def __init__(
        self,
        *,
        path: Path,
        terms: dict[str, Term],
        faqs: dict[str, Faq],
        services: dict[str, Service],
        places: tuple[Place, ...],
        transit_times: dict[tuple[str, str], TransitTime],
        rates: RateCard,
    ) -> None:
        """Hold already validated data; use :func:`load_knowledge_base` to build one."""
        self.path = path
        self.terms = terms
        self.faqs = faqs
        self.services = services
        self.places = places
        self.transit_times = transit_times
        self.rates = rates
        self._place_index = PlaceIndex(places)
        self._term_matcher: TermMatcher | None = None
        self._matcher_lock = threading.Lock()

    def prepare(self) -> None:
        """Build the spaCy term matcher now rather than on the first lookup.

        Raises:
            KnowledgeBaseError: two terms have aliases that lemmatise the same.
        """
        self._matcher()

    def _matcher(self) -> TermMatcher:
        with self._matcher_lock:
            if self._term_matcher is None:
                self._term_matcher = TermMatcher(
                    self.terms, source=f"{self.path.name}/{FILES['terms']}"
                )
            return self._term_matcher

    def find_term(self, text: str) -> TermLookup:
        """Find the glossary term a bare term or a whole customer message names.

        Args:
            text: e.g. ``"demurrage"``, ``"what does FOB mean?"``, ``"B/L?"``, ``"TEUs"``.

        Returns:
            A :class:`TermLookup`: ``term`` is set only on a real match (longest first);
            otherwise ``suggestions`` lists up to three close terms, possibly none.
        """
        return self._matcher().find(text)

    def find_place(self, text: str) -> Place | None:
        """Find the place named in ``text`` ("LAX", "to los angeles, usa", "from shenzhen").

        Returns:
            The longest (then earliest) place named, or ``None``.
        """
        return self._place_index.find(text)

    def find_places(self, text: str) -> list[Place]:
        """Every place named in ``text``, in the order they appear."""
        return self._place_index.find_all(text)

    def find_lane(self, text: str) -> tuple[Place | None, Place | None]:
        """Origin and destination a Chinese message names ("由香港寄去洛杉磯").

        See :meth:`bot.domain.kb.places.PlaceIndex.find_lane`.
        """
        return self._place_index.find_lane(text)

    def transit_time(self, mode: str, region: str) -> TransitTime | None:
        """Typical transit time of ``mode`` to ``region``.

        Args:
            mode: a mode code; ``"sea"`` gives the range covering both FCL and LCL.
            region: a region code.

        Returns:
            The transit time, or ``None`` when the table has none for that pair.
        """
        if mode != "sea":
            return self.transit_times.get((mode, region))
        both = [self.transit_times.get((m, region)) for m in ("sea_fcl", "sea_lcl")]
        known = [t for t in both if t is not None]
        if not known:
            return None
        return TransitTime(
            mode="sea",
            region=region,
            min_days=min(t.min_days for t in known),
            max_days=max(t.max_days for t in known),
            day_type=known[0].day_type,
            note=known[0].note,
            note_zh=known[0].note_zh,
        )

    def services_for_mode(self, mode: str) -> list[Service]:
        """Services priced and timed as ``mode`` (``"sea"`` gives both sea services)."""
        modes = ("sea_fcl", "sea_lcl") if mode == "sea" else (mode,)
        return [s for s in self.services.values() if s.mode in modes]


def load_knowledge_base(path: Path | None = None) -> KnowledgeBase:
    """Read and validate every knowledge base file.

    Args:
        path: the knowledge base folder; default ``Settings.from_env().kb_dir``.

    Returns:
        The validated knowledge base. The spaCy matcher is built on first use or by
        :meth:`KnowledgeBase.prepare`.

    Raises:
        KnowledgeBaseError: a file is missing, is not valid YAML, or has a bad entry; the
            message names the file and the entry.
    """
    if path is None:
        from bot.core.settings import Settings

        path = Settings.from_env().kb_dir
    parsed: dict[str, Any] = {}
    for part, filename in FILES.items():
        file = f"{path.name}/{filename}"
        parsed[part] = PARSERS[part](read_yaml(path / filename, file), file)
    rates: RateCard = parsed["rates"]
    transit: dict[tuple[str, str], TransitTime] = parsed["transit"]
    places: tuple[Place, ...] = parsed["places"]
    check_coverage(path.name, rates, transit, places)
    return KnowledgeBase(
        path=path,
        terms=parsed["terms"],
        faqs=parsed["faqs"],
        services=parsed["services"],
        places=places,
        transit_times=transit,
        rates=rates,
    )


_cache_lock = threading.Lock()
_cached: KnowledgeBase | None = None
_cached_rates_mtime: float | None = None


def _rates_mtime(kb: KnowledgeBase) -> float | None:
    try:
        return (kb.path / FILES["rates"]).stat().st_mtime
    except OSError:
        return None


def get_knowledge_base() -> KnowledgeBase:
    """The process-wide knowledge base, loaded, validated and matcher-ready on first call.

    Loaded again when its rate card file changes (one ``stat`` per call), so a card put in
    place by ``python -m bot rates import`` prices the next quote without a restart. If the
    changed folder no longer loads, the error is raised (no stale prices are given).

    Raises:
        KnowledgeBaseError: as :func:`load_knowledge_base` and
            :meth:`KnowledgeBase.prepare`.
    """
    global _cached, _cached_rates_mtime
    with _cache_lock:
        if _cached is not None and _rates_mtime(_cached) != _cached_rates_mtime:
            _cached = None
        if _cached is None:
            kb = load_knowledge_base()
            kb.prepare()
            _cached = kb
            _cached_rates_mtime = _rates_mtime(kb)
        return _cached


def clear_knowledge_base_cache() -> None:
    """Forget the cached knowledge base, so the next call reloads it (for tests and reloads)."""
    global _cached
    with _cache_lock:
        _cached = None
