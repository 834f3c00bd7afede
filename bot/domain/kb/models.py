"""Plain, immutable records read from the knowledge base files."""

from __future__ import annotations

from dataclasses import dataclass, field

#: Every destination region a place, transit time or rate may name.
REGIONS: tuple[str, ...] = (
    "greater_china",
    "north_asia",
    "southeast_asia",
    "south_asia",
    "oceania",
    "middle_east",
    "europe",
    "north_america",
    "latin_america",
    "africa",
)

#: Modes that have their own transit times and rates.
MODES: tuple[str, ...] = ("express", "economy", "air", "sea_fcl", "sea_lcl")

#: The mode codes a customer's wording can resolve to: :data:`MODES` and the unresolved
#: "sea" (FCL or LCL still to be decided). Their names are in the catalogue
#: (``kb.mode_name.<mode>``, ``kb.mode_phrase.<mode>``).
MODE_CODES: tuple[str, ...] = (*MODES, "sea")

TERM_CATEGORIES: tuple[str, ...] = ("incoterms", "air", "sea", "customs", "express", "general")


def _zh(language: str | None) -> bool:
    """Whether ``language`` asks for the Chinese wording ("zh"); anything else is English."""
    return language == "zh"


@dataclass(frozen=True)
class Term:
    """One glossary entry.

    Attributes:
        key: unique snake_case identifier, e.g. ``"bill_of_lading"``.
        name: display name, e.g. ``"Bill of lading (B/L)"``.
        definition: one to three customer-friendly sentences.
        aliases: other spellings, expansions and abbreviations.
        category: one of :data:`TERM_CATEGORIES`.
        related: keys of other terms worth reading next.
        related_names: display names of ``related``, in the same order (filled in by the
            loader, so a term can be explained without the whole glossary at hand).
        name_zh: Chinese display name, e.g. ``"提單（B/L）"``.
        aliases_zh: Chinese names customers use (``"提單"``, ``"海運提單"``).
        definition_zh: the definition in Hong Kong Chinese.
        related_names_zh: Chinese display names of ``related``.
    """

    key: str
    name: str
    definition: str
    aliases: tuple[str, ...]
    category: str
    related: tuple[str, ...]
    related_names: tuple[str, ...] = ()
    name_zh: str = ""
    aliases_zh: tuple[str, ...] = ()
    definition_zh: str = ""
    related_names_zh: tuple[str, ...] = ()

    def name_in(self, language: str | None) -> str:
        """The display name in ``language`` ("en" or "zh")."""
        return self.name_zh if _zh(language) and self.name_zh else self.name

    def definition_in(self, language: str | None) -> str:
        """The definition in ``language`` ("en" or "zh")."""
        return self.definition_zh if _zh(language) and self.definition_zh else self.definition

    def related_names_in(self, language: str | None) -> tuple[str, ...]:
        """Display names of the related terms in ``language``."""
        return self.related_names_zh if _zh(language) else self.related_names


@dataclass(frozen=True)
class TermLookup:
    """The result of :meth:`KnowledgeBase.find_term`.

    Attributes:
        term: the term the text names, or ``None`` when nothing known matched.
        suggestions: when ``term`` is ``None``, up to three close known terms.
        query: the words of the text that were looked up, without filler words.
        unknown_words: words right next to the matched term that are neither in the
            glossary nor ordinary English ("florbex" in "florbex surcharge"): the customer
            may have meant a term the glossary lacks, so the answer names them.
        matched_chars: letters and digits of the phrase that matched (0 without a match),
            to weigh an English match against a Chinese one in mixed text.
    """

    term: Term | None
    suggestions: list[Term] = field(default_factory=list)
    query: str = ""
    unknown_words: list[str] = field(default_factory=list)
    matched_chars: int = 0


@dataclass(frozen=True)
class Faq:
    """One frequently asked question with Freight Desk's answer, in English and Chinese."""

    topic: str
    question: str
    answer: str
    question_zh: str = ""
    answer_zh: str = ""

    def question_in(self, language: str | None) -> str:
        """The question in ``language`` ("en" or "zh")."""
        return self.question_zh if _zh(language) and self.question_zh else self.question

    def answer_in(self, language: str | None) -> str:
        """The answer in ``language`` ("en" or "zh")."""
        return self.answer_zh if _zh(language) and self.answer_zh else self.answer


@dataclass(frozen=True)
class Service:
    """One service of the catalogue.

    Attributes:
        code: short service code, e.g. ``"EXP"``.
        name: customer-facing name.
        mode: the transport mode it is priced and timed as (one of :data:`MODES`).
        description: what the service is.
        typical_use: who or what it suits.
        limits: size, weight or content limits, one sentence each.
        name_zh, description_zh, typical_use_zh, limits_zh: the same in Chinese.
    """

    code: str
    name: str
    mode: str
    description: str
    typical_use: str
    limits: tuple[str, ...]
    name_zh: str = ""
    description_zh: str = ""
    typical_use_zh: str = ""
    limits_zh: tuple[str, ...] = ()

    def name_in(self, language: str | None) -> str:
        """The service's name in ``language``."""
        return self.name_zh if _zh(language) and self.name_zh else self.name

    def description_in(self, language: str | None) -> str:
        """What the service is, in ``language``."""
        return self.description_zh if _zh(language) and self.description_zh else self.description

    def typical_use_in(self, language: str | None) -> str:
        """Who or what the service suits, in ``language``."""
        return self.typical_use_zh if _zh(language) and self.typical_use_zh else self.typical_use

    def limits_in(self, language: str | None) -> tuple[str, ...]:
        """The service's limits in ``language``."""
        return self.limits_zh if _zh(language) and self.limits_zh else self.limits


@dataclass(frozen=True)
class Place:
    """A place a customer may name.

    Attributes:
        name: display name, e.g. ``"Los Angeles"``.
        country: country or territory, e.g. ``"United States"``.
        region: one of :data:`REGIONS`.
        home: whether it lies in the operator's origin area (Hong Kong and South China).
        kind: ``"country"``, ``"city"``, ``"port"``, ``"airport"`` or ``"area"``.
        aliases: other names and codes, matched case-insensitively.
        exact_aliases: codes matched only as written, because in lowercase they are
            ordinary words (``"US"``, ``"CAN"``).
        name_zh: Chinese name, e.g. ``"洛杉磯"``.
        aliases_zh: other Chinese names (``"洛城"``), found inside Chinese text.
        country_zh: Chinese name of ``country`` (filled in by the loader from the country's
            own entry).
    """

    name: str
    country: str
    region: str
    home: bool
    kind: str = "city"
    aliases: tuple[str, ...] = ()
    exact_aliases: tuple[str, ...] = ()
    name_zh: str = ""
    aliases_zh: tuple[str, ...] = ()
    country_zh: str = ""

    @property
    def label(self) -> str:
        """``"Los Angeles, United States"``, or just the name for a country."""
        return self.label_in("en")

    def name_in(self, language: str | None) -> str:
        """The place's name in ``language`` ("en" or "zh")."""
        return self.name_zh if _zh(language) and self.name_zh else self.name

    def label_in(self, language: str | None) -> str:
        """``"Los Angeles, United States"`` / ``"洛杉磯（美國）"``; a country alone by name."""
        if self.kind == "country" or self.name == self.country:
            return self.name_in(language)
        if _zh(language) and self.name_zh:
            return f"{self.name_zh}（{self.country_zh}）" if self.country_zh else self.name_zh
        return f"{self.name}, {self.country}"


@dataclass(frozen=True)
class TransitTime:
    """Typical transit time of a mode to a region.

    Attributes:
        mode: one of :data:`MODES`, or ``"sea"`` for a combined FCL/LCL range.
        region: one of :data:`REGIONS`.
        min_days: shortest typical transit.
        max_days: longest typical transit.
        day_type: ``"working"`` or ``"calendar"``.
        note: what the range covers, e.g. ``"door-to-door from pick-up"``.
        note_zh: the same in Chinese.
    """

    mode: str
    region: str
    min_days: int
    max_days: int
    day_type: str
    note: str
    note_zh: str = ""

    def note_in(self, language: str | None) -> str:
        """What the range covers, in ``language``."""
        return self.note_zh if _zh(language) and self.note_zh else self.note


@dataclass(frozen=True)
class WeightBreak:
    """A per-kilogram rate that applies from ``from_kg`` of chargeable weight upwards."""

    from_kg: float
    per_kg: float


@dataclass(frozen=True)
class LaneRate:
    """Indicative rate of one mode to one region; which fields are set depends on the mode.

    Attributes:
        region: one of :data:`REGIONS`.
        minimum_charge: lowest amount billed (express, economy, air).
        breaks: per-kg rates by weight break, ascending (express, economy, air).
        per_revenue_tonne: LCL rate per W/M revenue tonne.
        per_container: FCL rate per container size, e.g. ``{"20ft": 3900.0}``.
    """

    region: str
    minimum_charge: float = 0.0
    breaks: tuple[WeightBreak, ...] = ()
    per_revenue_tonne: float = 0.0
    per_container: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class ContainerType:
    """A container size offered for FCL."""

    code: str
    label: str
    usable_cbm: float
    max_payload_kg: float
    label_zh: str = ""

    def label_in(self, language: str | None) -> str:
        """The container's name in ``language``."""
        return self.label_zh if _zh(language) and self.label_zh else self.label


@dataclass(frozen=True)
class ModeRates:
    """Rates and charging rules of one mode.

    Attributes:
        mode: one of :data:`MODES`.
        covers: what the price covers, e.g. ``"door-to-door, from pick-up to delivery"``.
        excluded: charges this mode's price leaves out, besides the table-wide ones.
        kg_per_cbm: volumetric factor: 1 cbm counts as this many kg (None for FCL).
        max_shipment_kg: heaviest shipment the table covers, if limited.
        minimum_cbm: smallest volume charged (LCL).
        fcl_suggested_from_cbm: LCL volume from which a full container is suggested.
        containers: FCL container types by code.
        regions: the lane rates by region.
    """

    mode: str
    covers: str
    excluded: tuple[str, ...]
    kg_per_cbm: float | None
    max_shipment_kg: float | None
    minimum_cbm: float
    fcl_suggested_from_cbm: float | None
    containers: dict[str, ContainerType]
    regions: dict[str, LaneRate]
    covers_zh: str = ""
    excluded_zh: tuple[str, ...] = ()

    def covers_in(self, language: str | None) -> str:
        """What the price covers, in ``language``."""
        return self.covers_zh if _zh(language) and self.covers_zh else self.covers

    def excluded_in(self, language: str | None) -> tuple[str, ...]:
        """This mode's extra charges, in ``language``."""
        return self.excluded_zh if _zh(language) else self.excluded


@dataclass(frozen=True)
class RateCard:
    """The indicative rate table, origin Hong Kong and South China.

    Attributes:
        currency: ISO currency code of every amount, e.g. ``"HKD"``.
        as_of: date the table was drawn up (ISO format).
        valid_until: last date the table applies (ISO format).
        origin: description of the origin area.
        excluded: charges no mode's rate includes, one customer-facing phrase each.
        basis: what the rates assume about the cargo.
        modes: rates by mode.
    """

    currency: str
    as_of: str
    valid_until: str
    origin: str
    excluded: tuple[str, ...]
    basis: str
    modes: dict[str, ModeRates]
    origin_zh: str = ""
    excluded_zh: tuple[str, ...] = ()
    basis_zh: str = ""

    def origin_in(self, language: str | None) -> str:
        """The origin area, in ``language``."""
        return self.origin_zh if _zh(language) and self.origin_zh else self.origin

    def excluded_in(self, language: str | None) -> tuple[str, ...]:
        """Charges no rate includes, in ``language``."""
        return self.excluded_zh if _zh(language) else self.excluded

    def basis_in(self, language: str | None) -> str:
        """What the rates assume about the cargo, in ``language``."""
        return self.basis_zh if _zh(language) and self.basis_zh else self.basis
