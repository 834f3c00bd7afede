"""Load and validate the knowledge base files, and the :class:`KnowledgeBase` built on them.

Every file is validated completely at load time; a broken file stops start-up with a
:class:`KnowledgeBaseError` that names the file and the entry, rather than surfacing later
as a wrong or missing answer to a customer.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from bot.domain.kb.errors import KnowledgeBaseError
from bot.domain.kb.models import (
    MODES,
    REGIONS,
    TERM_CATEGORIES,
    ContainerType,
    Faq,
    LaneRate,
    ModeRates,
    Place,
    RateCard,
    Service,
    Term,
    TermLookup,
    TransitTime,
    WeightBreak,
)
from bot.domain.kb.normalise import normalise_text
from bot.domain.kb.places import PlaceIndex
from bot.domain.kb.terms import TermMatcher, term_phrases

#: The FAQ topics other parts of the bot (NLU, responses) rely on: a contract.
FAQ_TOPICS: tuple[str, ...] = (
    "opening_hours",
    "contact_channels",
    "prohibited_items",
    "dangerous_goods",
    "lithium_batteries",
    "packaging_guidelines",
    "shipping_documents",
    "commercial_invoice",
    "cargo_insurance",
    "claims_time_limits",
    "book_pickup",
    "cancel_pickup",
    "payment_methods",
    "open_account",
    "duties_and_taxes",
    "change_delivery_address",
    "missed_delivery",
    "customs_clearance",
    "customs_hold",
    "food_shipping",
    "medicine_shipping",
    "personal_effects",
    "size_weight_limits",
    "proof_of_delivery",
    "hold_for_collection",
    "fuel_surcharge",
    "service_areas",
    "weekend_delivery",
    "return_shipment",
    "invoice_copy",
    "data_privacy",
    "liquids_shipping",
    "cash_on_delivery",
    "services_offered",
)
PLACE_KINDS: tuple[str, ...] = ("country", "city", "port", "airport", "area")
DAY_TYPES: tuple[str, ...] = ("working", "calendar")
WEIGHT_MODES: tuple[str, ...] = ("express", "economy", "air")
_KEY = re.compile(r"^[a-z0-9][a-z0-9_]*$")

FILES = {
    "terms": "terms.yml",
    "faqs": "faqs.yml",
    "services": "services.yml",
    "places": "places.yml",
    "transit": "transit_times.yml",
    "rates": "rates.yml",
}


# --------------------------------------------------------------------------------------
# Small validation helpers. ``where`` is always "<file>" or "<file>: entry '<key>'".
# --------------------------------------------------------------------------------------


def _fail(where: str, problem: str) -> KnowledgeBaseError:
    return KnowledgeBaseError(f"{where}: {problem}")


def _mapping(value: Any, where: str, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _fail(where, f"{what} must be a mapping, not {type(value).__name__}")
    return value


def _list(value: Any, where: str, what: str) -> list[Any]:
    if not isinstance(value, list):
        raise _fail(where, f"{what} must be a list, not {type(value).__name__}")
    return value


def _fields(
    entry: Mapping[str, Any], where: str, required: Iterable[str], optional: Iterable[str] = ()
) -> None:
    required = tuple(required)
    allowed = set(required) | set(optional)
    missing = [name for name in required if name not in entry]
    if missing:
        raise _fail(where, "missing field " + ", ".join(repr(m) for m in missing))
    unknown = sorted(set(entry) - allowed)
    if unknown:
        raise _fail(where, "unknown field " + ", ".join(repr(u) for u in unknown))


def _text(entry: Mapping[str, Any], name: str, where: str) -> str:
    value = entry.get(name)
    if not isinstance(value, str) or not value.strip():
        raise _fail(where, f"{name!r} must be non-empty text")
    return " ".join(value.split())


def _texts(entry: Mapping[str, Any], name: str, where: str) -> tuple[str, ...]:
    values = _list(entry.get(name, []), where, repr(name))
    for value in values:
        if not isinstance(value, str) or not value.strip():
            raise _fail(where, f"{name!r} must hold non-empty text only, found {value!r}")
    return tuple(value.strip() for value in values)


def _number(value: Any, where: str, what: str, *, positive: bool = True) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _fail(where, f"{what} must be a number, not {value!r}")
    if positive and value <= 0:
        raise _fail(where, f"{what} must be positive, not {value!r}")
    return float(value)


def _whole_days(value: Any, where: str, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _fail(where, f"{what} must be a whole number of days, not {value!r}")
    return value


def _choice(value: Any, allowed: Iterable[str], where: str, what: str) -> str:
    allowed = tuple(allowed)
    if value not in allowed:
        raise _fail(where, f"unknown {what} {value!r} (expected one of {', '.join(allowed)})")
    return str(value)


def _iso_date(value: Any, where: str, what: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise _fail(where, f"{what} must be a date like 2026-12-31, not {value!r}") from None


def _entries(
    data: Any, file: str, top: str, id_field: str
) -> list[tuple[str, str, dict[str, Any]]]:
    """The list under ``top`` as (id, where, entry), rejecting duplicate ids."""
    top_level = _mapping(data, file, "the file")
    if top not in top_level:
        raise _fail(file, f"missing top-level key {top!r}")
    items = _list(top_level[top], file, repr(top))
    result: list[tuple[str, str, dict[str, Any]]] = []
    seen: set[str] = set()
    for index, item in enumerate(items, start=1):
        where = f"{file}: entry #{index}"
        entry = _mapping(item, where, "each entry")
        ident = entry.get(id_field)
        if isinstance(ident, str) and ident.strip():
            where = f"{file}: entry {ident!r}"
        else:
            raise _fail(where, f"missing field {id_field!r}")
        if ident in seen:
            raise _fail(where, f"duplicate {id_field} {ident!r}")
        seen.add(ident)
        result.append((ident, where, entry))
    return result


def _read_yaml(path: Path, file: str) -> Any:
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


# --------------------------------------------------------------------------------------
# One parser per file.
# --------------------------------------------------------------------------------------


def parse_terms(data: Any, file: str) -> dict[str, Term]:
    """Validate the glossary and return it by key."""
    terms: dict[str, Term] = {}
    for key, where, entry in _entries(data, file, "terms", "key"):
        _fields(entry, where, ("key", "name", "definition", "aliases", "category", "related"))
        if not _KEY.match(key):
            raise _fail(where, "'key' must be lowercase letters, digits and underscores")
        terms[key] = Term(
            key=key,
            name=_text(entry, "name", where),
            definition=_text(entry, "definition", where),
            aliases=_texts(entry, "aliases", where),
            category=_choice(entry["category"], TERM_CATEGORIES, where, "category"),
            related=_texts(entry, "related", where),
        )
    owner: dict[str, tuple[str, str]] = {}
    for term in terms.values():
        where = f"{file}: entry {term.key!r}"
        for related in term.related:
            if related not in terms:
                raise _fail(where, f"'related' names unknown term {related!r}")
            if related == term.key:
                raise _fail(where, "'related' names the term itself")
        for phrase in term_phrases(term):
            text = normalise_text(phrase)
            if not text:
                raise _fail(where, f"alias {phrase!r} has no letters or digits")
            other = owner.setdefault(text, (term.key, phrase))
            if other[0] != term.key:
                raise _fail(
                    where, f"alias {phrase!r} duplicates {other[1]!r} of entry {other[0]!r}"
                )
    return {
        key: dataclasses.replace(
            term, related_names=tuple(terms[other].name for other in term.related)
        )
        for key, term in terms.items()
    }


def parse_faqs(data: Any, file: str) -> dict[str, Faq]:
    """Validate the FAQs: exactly the agreed topics, each with a question and an answer."""
    faqs: dict[str, Faq] = {}
    for topic, where, entry in _entries(data, file, "faqs", "topic"):
        _fields(entry, where, ("topic", "question", "answer"))
        if topic not in FAQ_TOPICS:
            raise _fail(where, f"unknown topic {topic!r}; the topics are a contract with the NLU")
        faqs[topic] = Faq(
            topic=topic,
            question=_text(entry, "question", where),
            answer=_text(entry, "answer", where),
        )
    missing = [topic for topic in FAQ_TOPICS if topic not in faqs]
    if missing:
        raise _fail(file, "missing topic " + ", ".join(repr(m) for m in missing))
    return faqs


def parse_services(data: Any, file: str) -> dict[str, Service]:
    """Validate the service catalogue and return it by code."""
    services: dict[str, Service] = {}
    for code, where, entry in _entries(data, file, "services", "code"):
        _fields(entry, where, ("code", "name", "mode", "description", "typical_use", "limits"))
        services[code] = Service(
            code=code,
            name=_text(entry, "name", where),
            mode=_choice(entry["mode"], MODES, where, "mode"),
            description=_text(entry, "description", where),
            typical_use=_text(entry, "typical_use", where),
            limits=_texts(entry, "limits", where),
        )
    return services


def parse_places(data: Any, file: str) -> tuple[Place, ...]:
    """Validate the places; no name or alias may point at two places."""
    places: list[Place] = []
    owner: dict[str, str] = {}
    exact_owner: dict[str, str] = {}
    for _, where, entry in _entries(data, file, "places", "name"):
        _fields(
            entry,
            where,
            ("name", "country", "region"),
            ("home", "kind", "aliases", "exact_aliases"),
        )
        home = entry.get("home", False)
        if not isinstance(home, bool):
            raise _fail(where, f"'home' must be true or false, not {home!r}")
        place = Place(
            name=_text(entry, "name", where),
            country=_text(entry, "country", where),
            region=_choice(entry["region"], REGIONS, where, "region"),
            home=home,
            kind=_choice(entry.get("kind", "city"), PLACE_KINDS, where, "kind"),
            aliases=_texts(entry, "aliases", where),
            exact_aliases=_texts(entry, "exact_aliases", where),
        )
        for phrase in (place.name, *place.aliases):
            text = normalise_text(phrase)
            if not text:
                raise _fail(where, f"alias {phrase!r} has no letters or digits")
            other = owner.setdefault(text, place.name)
            if other != place.name:
                raise _fail(where, f"alias {phrase!r} is already used by entry {other!r}")
        for code in place.exact_aliases:
            other = exact_owner.setdefault(code, place.name)
            if other != place.name:
                raise _fail(where, f"exact alias {code!r} is already used by entry {other!r}")
        places.append(place)
    return tuple(places)


def parse_transit(data: Any, file: str) -> dict[tuple[str, str], TransitTime]:
    """Validate transit times and return them by (mode, region)."""
    top = _mapping(data, file, "the file")
    modes = _mapping(top.get("modes"), file, "'modes'")
    result: dict[tuple[str, str], TransitTime] = {}
    for mode, block in modes.items():
        where = f"{file}: mode {mode!r}"
        _choice(mode, MODES, f"{file}: entry {mode!r}", "mode")
        block = _mapping(block, where, "a mode")
        _fields(block, where, ("day_type", "note", "regions"))
        day_type = _choice(block["day_type"], DAY_TYPES, where, "day_type")
        note = _text(block, "note", where)
        regions = _mapping(block["regions"], where, "'regions'")
        for region, times in regions.items():
            rwhere = f"{file}: entry '{mode}.{region}'"
            _choice(region, REGIONS, rwhere, "region")
            times = _mapping(times, rwhere, "a region")
            _fields(times, rwhere, ("min_days", "max_days"), ("note",))
            low = _whole_days(times["min_days"], rwhere, "'min_days'")
            high = _whole_days(times["max_days"], rwhere, "'max_days'")
            if low > high:
                raise _fail(rwhere, f"min_days {low} is more than max_days {high}")
            if low == 0:
                raise _fail(rwhere, "'min_days' must be at least 1")
            result[(mode, region)] = TransitTime(
                mode=mode,
                region=region,
                min_days=low,
                max_days=high,
                day_type=day_type,
                note=_text(times, "note", rwhere) if "note" in times else note,
            )
    return result


def _parse_breaks(value: Any, where: str) -> tuple[WeightBreak, ...]:
    table = _mapping(value, where, "'per_kg'")
    breaks = sorted(
        (
            WeightBreak(
                from_kg=_number(kg, where, f"weight break {kg!r}", positive=False),
                per_kg=_number(rate, where, f"rate from {kg} kg"),
            )
            for kg, rate in table.items()
        ),
        key=lambda b: b.from_kg,
    )
    if not breaks or breaks[0].from_kg != 0:
        raise _fail(where, "'per_kg' must start with a break at 0 kg")
    return tuple(breaks)


def _parse_mode_rates(mode: str, block: Any, file: str) -> ModeRates:
    where = f"{file}: mode {mode!r}"
    block = _mapping(block, where, "a mode")
    if mode == "sea_fcl":
        _fields(block, where, ("covers", "excluded", "containers", "regions"))
        containers: dict[str, ContainerType] = {}
        for code, spec in _mapping(block["containers"], where, "'containers'").items():
            cwhere = f"{file}: entry 'sea_fcl.containers.{code}'"
            spec = _mapping(spec, cwhere, "a container")
            _fields(spec, cwhere, ("label", "usable_cbm", "max_payload_kg"))
            containers[str(code)] = ContainerType(
                code=str(code),
                label=_text(spec, "label", cwhere),
                usable_cbm=_number(spec["usable_cbm"], cwhere, "'usable_cbm'"),
                max_payload_kg=_number(spec["max_payload_kg"], cwhere, "'max_payload_kg'"),
            )
        if not containers:
            raise _fail(where, "'containers' must name at least one container")
    else:
        required = ["covers", "excluded", "kg_per_cbm", "regions"]
        optional = ["max_shipment_kg"]
        if mode == "sea_lcl":
            required.append("minimum_cbm")
            optional.append("fcl_suggested_from_cbm")
        _fields(block, where, required, optional)
        containers = {}
    regions: dict[str, LaneRate] = {}
    for region, spec in _mapping(block["regions"], where, "'regions'").items():
        rwhere = f"{file}: entry '{mode}.{region}'"
        _choice(region, REGIONS, rwhere, "region")
        spec = _mapping(spec, rwhere, "a region")
        if mode == "sea_fcl":
            _fields(spec, rwhere, tuple(f"per_{code}" for code in containers))
            regions[region] = LaneRate(
                region=region,
                per_container={
                    code: _number(spec[f"per_{code}"], rwhere, f"'per_{code}'")
                    for code in containers
                },
            )
        elif mode == "sea_lcl":
            _fields(spec, rwhere, ("per_revenue_tonne",))
            regions[region] = LaneRate(
                region=region,
                per_revenue_tonne=_number(spec["per_revenue_tonne"], rwhere, "'per_revenue_tonne'"),
            )
        else:
            _fields(spec, rwhere, ("minimum_charge", "per_kg"))
            regions[region] = LaneRate(
                region=region,
                minimum_charge=_number(spec["minimum_charge"], rwhere, "'minimum_charge'"),
                breaks=_parse_breaks(spec["per_kg"], rwhere),
            )
    max_kg = block.get("max_shipment_kg")
    suggest_fcl = block.get("fcl_suggested_from_cbm")
    return ModeRates(
        mode=mode,
        covers=_text(block, "covers", where),
        excluded=_texts(block, "excluded", where),
        kg_per_cbm=(
            None if mode == "sea_fcl" else _number(block["kg_per_cbm"], where, "'kg_per_cbm'")
        ),
        max_shipment_kg=None if max_kg is None else _number(max_kg, where, "'max_shipment_kg'"),
        minimum_cbm=(
            _number(block["minimum_cbm"], where, "'minimum_cbm'") if mode == "sea_lcl" else 0.0
        ),
        fcl_suggested_from_cbm=(
            None if suggest_fcl is None else _number(suggest_fcl, where, "'fcl_suggested_from_cbm'")
        ),
        containers=containers,
        regions=regions,
    )


def parse_rates(data: Any, file: str) -> RateCard:
    """Validate the indicative rate table."""
    top = _mapping(data, file, "the file")
    _fields(top, file, ("currency", "as_of", "valid_until", "origin", "excluded", "basis", "modes"))
    as_of = _iso_date(top["as_of"], file, "'as_of'")
    valid_until = _iso_date(top["valid_until"], file, "'valid_until'")
    if valid_until < as_of:
        raise _fail(file, f"'valid_until' {valid_until} is before 'as_of' {as_of}")
    currency = _text(top, "currency", file)
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise _fail(file, f"'currency' must be a three-letter code, not {currency!r}")
    modes: dict[str, ModeRates] = {}
    for mode, block in _mapping(top["modes"], file, "'modes'").items():
        _choice(mode, MODES, f"{file}: entry {mode!r}", "mode")
        modes[mode] = _parse_mode_rates(mode, block, file)
    return RateCard(
        currency=currency,
        as_of=as_of.isoformat(),
        valid_until=valid_until.isoformat(),
        origin=_text(top, "origin", file),
        excluded=_texts(top, "excluded", file),
        basis=_text(top, "basis", file),
        modes=modes,
    )


# --------------------------------------------------------------------------------------
# The knowledge base.
# --------------------------------------------------------------------------------------


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
        )

    def services_for_mode(self, mode: str) -> list[Service]:
        """Services priced and timed as ``mode`` (``"sea"`` gives both sea services)."""
        modes = ("sea_fcl", "sea_lcl") if mode == "sea" else (mode,)
        return [s for s in self.services.values() if s.mode in modes]


_PARSERS: dict[str, Callable[[Any, str], Any]] = {
    "terms": parse_terms,
    "faqs": parse_faqs,
    "services": parse_services,
    "places": parse_places,
    "transit": parse_transit,
    "rates": parse_rates,
}


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
        parsed[part] = _PARSERS[part](_read_yaml(path / filename, file), file)
    rates: RateCard = parsed["rates"]
    transit: dict[tuple[str, str], TransitTime] = parsed["transit"]
    places: tuple[Place, ...] = parsed["places"]
    _check_coverage(path.name, rates, transit, places)
    return KnowledgeBase(
        path=path,
        terms=parsed["terms"],
        faqs=parsed["faqs"],
        services=parsed["services"],
        places=places,
        transit_times=transit,
        rates=rates,
    )


def _check_coverage(
    folder: str,
    rates: RateCard,
    transit: dict[tuple[str, str], TransitTime],
    places: tuple[Place, ...],
) -> None:
    """Every region a place can lead to must have a rate and a transit time per mode."""
    used_regions = sorted({place.region for place in places})
    for mode in MODES:
        mode_rates = rates.modes.get(mode)
        if mode_rates is None:
            raise _fail(f"{folder}/{FILES['rates']}", f"missing mode {mode!r}")
        for region in used_regions:
            if region not in mode_rates.regions:
                raise _fail(
                    f"{folder}/{FILES['rates']}: entry {mode!r}", f"missing region {region!r}"
                )
            if (mode, region) not in transit:
                raise _fail(
                    f"{folder}/{FILES['transit']}: entry {mode!r}", f"missing region {region!r}"
                )
    if not any(place.home for place in places):
        raise _fail(f"{folder}/{FILES['places']}", "no place is marked 'home: true'")


_cache_lock = threading.Lock()
_cached: KnowledgeBase | None = None


def get_knowledge_base() -> KnowledgeBase:
    """The process-wide knowledge base, loaded, validated and matcher-ready on first call.

    Raises:
        KnowledgeBaseError: as :func:`load_knowledge_base` and
            :meth:`KnowledgeBase.prepare`.
    """
    global _cached
    with _cache_lock:
        if _cached is None:
            kb = load_knowledge_base()
            kb.prepare()
            _cached = kb
        return _cached


def clear_knowledge_base_cache() -> None:
    """Forget the cached knowledge base, so the next call reloads it (for tests and reloads)."""
    global _cached
    with _cache_lock:
        _cached = None
