"""One parser per knowledge-base file, and the checks across files.

Each ``parse_*`` function validates one file completely (as parsed from YAML) and
returns the models it holds; :func:`check_coverage` then checks the files against each
other. A broken file raises :class:`KnowledgeBaseError` naming the file and the entry,
rather than surfacing later as a wrong or missing answer to a customer.
:func:`bot.domain.kb.loader.load_knowledge_base` reads the folder with them.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable
from typing import Any

from bot.domain.kb import checks
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
    TransitTime,
    WeightBreak,
)
from bot.domain.kb.normalise import normalise_chinese, normalise_text
from bot.domain.kb.terms import chinese_term_phrases, term_phrases

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

#: The knowledge base's files: part -> file name in the folder.
FILES = {
    "terms": "terms.yml",
    "faqs": "faqs.yml",
    "services": "services.yml",
    "places": "places.yml",
    "transit": "transit_times.yml",
    "rates": "rates.yml",
}


def parse_terms(data: Any, file: str) -> dict[str, Term]:
    """Validate the glossary and return it by key."""
    terms: dict[str, Term] = {}
    for key, where, entry in checks.entries(data, file, "terms", "key"):
        checks.fields(
            entry,
            where,
            ("key", "name", "definition", "aliases", "category", "related"),
            ("name_zh", "aliases_zh", "definition_zh"),
        )
        if not _KEY.match(key):
            raise checks.fail(where, "'key' must be lowercase letters, digits and underscores")
        terms[key] = Term(
            key=key,
            name=checks.text(entry, "name", where),
            definition=checks.text(entry, "definition", where),
            aliases=checks.texts(entry, "aliases", where),
            category=checks.choice(entry["category"], TERM_CATEGORIES, where, "category"),
            related=checks.texts(entry, "related", where),
            name_zh=checks.chinese(entry, "name_zh", where),
            aliases_zh=checks.chinese_texts(entry, "aliases_zh", where),
            definition_zh=checks.chinese(entry, "definition_zh", where),
        )
    _check_chinese_phrases(
        file,
        ((t.key, t.name_zh, tuple(chinese_term_phrases(t))) for t in terms.values()),
        what="entry",
    )
    owner: dict[str, tuple[str, str]] = {}
    for term in terms.values():
        where = f"{file}: entry {term.key!r}"
        for related in term.related:
            if related not in terms:
                raise checks.fail(where, f"'related' names unknown term {related!r}")
            if related == term.key:
                raise checks.fail(where, "'related' names the term itself")
        for phrase in term_phrases(term):
            text = normalise_text(phrase)
            if not text:
                raise checks.fail(where, f"alias {phrase!r} has no letters or digits")
            other = owner.setdefault(text, (term.key, phrase))
            if other[0] != term.key:
                raise checks.fail(
                    where, f"alias {phrase!r} duplicates {other[1]!r} of entry {other[0]!r}"
                )
    return {
        key: dataclasses.replace(
            term,
            related_names=tuple(terms[other].name for other in term.related),
            related_names_zh=tuple(terms[other].name_zh for other in term.related),
        )
        for key, term in terms.items()
    }


def parse_faqs(data: Any, file: str) -> dict[str, Faq]:
    """Validate the FAQs: exactly the agreed topics, each with a question and an answer."""
    faqs: dict[str, Faq] = {}
    for topic, where, entry in checks.entries(data, file, "faqs", "topic"):
        checks.fields(entry, where, ("topic", "question", "answer"), ("question_zh", "answer_zh"))
        if topic not in FAQ_TOPICS:
            raise checks.fail(
                where, f"unknown topic {topic!r}; the topics are a contract with the NLU"
            )
        faqs[topic] = Faq(
            topic=topic,
            question=checks.text(entry, "question", where),
            answer=checks.text(entry, "answer", where),
            question_zh=checks.chinese(entry, "question_zh", where),
            answer_zh=checks.chinese(entry, "answer_zh", where),
        )
    missing = [topic for topic in FAQ_TOPICS if topic not in faqs]
    if missing:
        raise checks.fail(file, "missing topic " + ", ".join(repr(m) for m in missing))
    return faqs


def parse_services(data: Any, file: str) -> dict[str, Service]:
    """Validate the service catalogue and return it by code."""
    services: dict[str, Service] = {}
    for code, where, entry in checks.entries(data, file, "services", "code"):
        checks.fields(
            entry,
            where,
            ("code", "name", "mode", "description", "typical_use", "limits"),
            ("name_zh", "description_zh", "typical_use_zh", "limits_zh"),
        )
        limits = checks.texts(entry, "limits", where)
        services[code] = Service(
            code=code,
            name=checks.text(entry, "name", where),
            mode=checks.choice(entry["mode"], MODES, where, "mode"),
            description=checks.text(entry, "description", where),
            typical_use=checks.text(entry, "typical_use", where),
            limits=limits,
            name_zh=checks.chinese(entry, "name_zh", where),
            description_zh=checks.chinese(entry, "description_zh", where),
            typical_use_zh=checks.chinese(entry, "typical_use_zh", where),
            limits_zh=checks.chinese_texts(entry, "limits_zh", where, like=limits),
        )
    return services


def parse_places(data: Any, file: str) -> tuple[Place, ...]:
    """Validate the places; no name or alias may point at two places."""
    places: list[Place] = []
    owner: dict[str, str] = {}
    exact_owner: dict[str, str] = {}
    for _, where, entry in checks.entries(data, file, "places", "name"):
        checks.fields(
            entry,
            where,
            ("name", "country", "region"),
            ("home", "kind", "aliases", "exact_aliases", "name_zh", "aliases_zh"),
        )
        home = entry.get("home", False)
        if not isinstance(home, bool):
            raise checks.fail(where, f"'home' must be true or false, not {home!r}")
        place = Place(
            name=checks.text(entry, "name", where),
            country=checks.text(entry, "country", where),
            region=checks.choice(entry["region"], REGIONS, where, "region"),
            home=home,
            kind=checks.choice(entry.get("kind", "city"), PLACE_KINDS, where, "kind"),
            aliases=checks.texts(entry, "aliases", where),
            exact_aliases=checks.texts(entry, "exact_aliases", where),
            name_zh=checks.chinese(entry, "name_zh", where),
            aliases_zh=checks.chinese_texts(entry, "aliases_zh", where),
        )
        for phrase in (place.name, *place.aliases):
            text = normalise_text(phrase)
            if not text:
                raise checks.fail(where, f"alias {phrase!r} has no letters or digits")
            other = owner.setdefault(text, place.name)
            if other != place.name:
                raise checks.fail(where, f"alias {phrase!r} is already used by entry {other!r}")
        for code in place.exact_aliases:
            other = exact_owner.setdefault(code, place.name)
            if other != place.name:
                raise checks.fail(where, f"exact alias {code!r} is already used by entry {other!r}")
        places.append(place)
    _check_chinese_phrases(file, ((p.name, p.name_zh, p.aliases_zh) for p in places), what="entry")
    # A place is labelled with its country's name; the country's own entry has it in Chinese.
    country_zh = {p.name: p.name_zh for p in places if p.name == p.country or p.kind == "country"}
    return tuple(dataclasses.replace(p, country_zh=country_zh.get(p.country, "")) for p in places)


def _check_chinese_phrases(
    file: str, owners: Iterable[tuple[str, str, tuple[str, ...]]], *, what: str
) -> None:
    """No Chinese name or alias may belong to two entries (after Simplified->Traditional)."""
    owner: dict[str, str] = {}
    for ident, name, aliases in owners:
        for phrase in (name, *aliases):
            text = normalise_chinese(phrase)
            other = owner.setdefault(text, ident)
            if other != ident:
                raise checks.fail(
                    f"{file}: {what} {ident!r}",
                    f"Chinese alias {phrase!r} is already used by {what} {other!r}",
                )


def parse_transit(data: Any, file: str) -> dict[tuple[str, str], TransitTime]:
    """Validate transit times and return them by (mode, region)."""
    top = checks.mapping(data, file, "the file")
    modes = checks.mapping(top.get("modes"), file, "'modes'")
    result: dict[tuple[str, str], TransitTime] = {}
    for mode, block in modes.items():
        where = f"{file}: mode {mode!r}"
        checks.choice(mode, MODES, f"{file}: entry {mode!r}", "mode")
        block = checks.mapping(block, where, "a mode")
        checks.fields(block, where, ("day_type", "note", "regions"), ("note_zh",))
        day_type = checks.choice(block["day_type"], DAY_TYPES, where, "day_type")
        note = checks.text(block, "note", where)
        note_zh = checks.chinese(block, "note_zh", where)
        regions = checks.mapping(block["regions"], where, "'regions'")
        for region, times in regions.items():
            rwhere = f"{file}: entry '{mode}.{region}'"
            checks.choice(region, REGIONS, rwhere, "region")
            times = checks.mapping(times, rwhere, "a region")
            checks.fields(times, rwhere, ("min_days", "max_days"), ("note", "note_zh"))
            low = checks.whole_days(times["min_days"], rwhere, "'min_days'")
            high = checks.whole_days(times["max_days"], rwhere, "'max_days'")
            if low > high:
                raise checks.fail(rwhere, f"min_days {low} is more than max_days {high}")
            if low == 0:
                raise checks.fail(rwhere, "'min_days' must be at least 1")
            result[(mode, region)] = TransitTime(
                mode=mode,
                region=region,
                min_days=low,
                max_days=high,
                day_type=day_type,
                note=checks.text(times, "note", rwhere) if "note" in times else note,
                note_zh=checks.chinese(times, "note_zh", rwhere) if "note" in times else note_zh,
            )
    return result


def _parse_breaks(value: Any, where: str) -> tuple[WeightBreak, ...]:
    table = checks.mapping(value, where, "'per_kg'")
    breaks = sorted(
        (
            WeightBreak(
                from_kg=checks.number(kg, where, f"weight break {kg!r}", positive=False),
                per_kg=checks.number(rate, where, f"rate from {kg} kg"),
            )
            for kg, rate in table.items()
        ),
        key=lambda b: b.from_kg,
    )
    if not breaks or breaks[0].from_kg != 0:
        raise checks.fail(where, "'per_kg' must start with a break at 0 kg")
    return tuple(breaks)


def _parse_mode_rates(mode: str, block: Any, file: str) -> ModeRates:
    where = f"{file}: mode {mode!r}"
    block = checks.mapping(block, where, "a mode")
    if mode == "sea_fcl":
        checks.fields(
            block,
            where,
            ("covers", "excluded", "containers", "regions"),
            ("covers_zh", "excluded_zh"),
        )
        containers: dict[str, ContainerType] = {}
        for code, spec in checks.mapping(block["containers"], where, "'containers'").items():
            cwhere = f"{file}: entry 'sea_fcl.containers.{code}'"
            spec = checks.mapping(spec, cwhere, "a container")
            checks.fields(spec, cwhere, ("label", "usable_cbm", "max_payload_kg"), ("label_zh",))
            containers[str(code)] = ContainerType(
                code=str(code),
                label=checks.text(spec, "label", cwhere),
                usable_cbm=checks.number(spec["usable_cbm"], cwhere, "'usable_cbm'"),
                max_payload_kg=checks.number(spec["max_payload_kg"], cwhere, "'max_payload_kg'"),
                label_zh=checks.chinese(spec, "label_zh", cwhere),
            )
        if not containers:
            raise checks.fail(where, "'containers' must name at least one container")
    else:
        required = ["covers", "excluded", "kg_per_cbm", "regions"]
        optional = ["max_shipment_kg", "covers_zh", "excluded_zh"]
        if mode == "sea_lcl":
            required.append("minimum_cbm")
            optional.append("fcl_suggested_from_cbm")
        checks.fields(block, where, required, optional)
        containers = {}
    regions: dict[str, LaneRate] = {}
    for region, spec in checks.mapping(block["regions"], where, "'regions'").items():
        rwhere = f"{file}: entry '{mode}.{region}'"
        checks.choice(region, REGIONS, rwhere, "region")
        spec = checks.mapping(spec, rwhere, "a region")
        if mode == "sea_fcl":
            checks.fields(spec, rwhere, tuple(f"per_{code}" for code in containers))
            regions[region] = LaneRate(
                region=region,
                per_container={
                    code: checks.number(spec[f"per_{code}"], rwhere, f"'per_{code}'")
                    for code in containers
                },
            )
        elif mode == "sea_lcl":
            checks.fields(spec, rwhere, ("per_revenue_tonne",))
            regions[region] = LaneRate(
                region=region,
                per_revenue_tonne=checks.number(
                    spec["per_revenue_tonne"], rwhere, "'per_revenue_tonne'"
                ),
            )
        else:
            checks.fields(spec, rwhere, ("minimum_charge", "per_kg"))
            regions[region] = LaneRate(
                region=region,
                minimum_charge=checks.number(spec["minimum_charge"], rwhere, "'minimum_charge'"),
                breaks=_parse_breaks(spec["per_kg"], rwhere),
            )
    max_kg = block.get("max_shipment_kg")
    suggest_fcl = block.get("fcl_suggested_from_cbm")
    excluded = checks.texts(block, "excluded", where)
    return ModeRates(
        mode=mode,
        covers=checks.text(block, "covers", where),
        excluded=excluded,
        covers_zh=checks.chinese(block, "covers_zh", where),
        excluded_zh=checks.chinese_texts(block, "excluded_zh", where, like=excluded),
        kg_per_cbm=(
            None if mode == "sea_fcl" else checks.number(block["kg_per_cbm"], where, "'kg_per_cbm'")
        ),
        max_shipment_kg=(
            None if max_kg is None else checks.number(max_kg, where, "'max_shipment_kg'")
        ),
        minimum_cbm=(
            checks.number(block["minimum_cbm"], where, "'minimum_cbm'")
            if mode == "sea_lcl"
            else 0.0
        ),
        fcl_suggested_from_cbm=(
            None
            if suggest_fcl is None
            else checks.number(suggest_fcl, where, "'fcl_suggested_from_cbm'")
        ),
        containers=containers,
        regions=regions,
    )


def parse_rates(data: Any, file: str) -> RateCard:
    """Validate the indicative rate table."""
    top = checks.mapping(data, file, "the file")
    checks.fields(
        top,
        file,
        ("currency", "as_of", "valid_until", "origin", "excluded", "basis", "modes"),
        ("origin_zh", "excluded_zh", "basis_zh"),
    )
    as_of = checks.iso_date(top["as_of"], file, "'as_of'")
    valid_until = checks.iso_date(top["valid_until"], file, "'valid_until'")
    if valid_until < as_of:
        raise checks.fail(file, f"'valid_until' {valid_until} is before 'as_of' {as_of}")
    currency = checks.text(top, "currency", file)
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise checks.fail(file, f"'currency' must be a three-letter code, not {currency!r}")
    modes: dict[str, ModeRates] = {}
    for mode, block in checks.mapping(top["modes"], file, "'modes'").items():
        checks.choice(mode, MODES, f"{file}: entry {mode!r}", "mode")
        modes[mode] = _parse_mode_rates(mode, block, file)
    excluded = checks.texts(top, "excluded", file)
    return RateCard(
        currency=currency,
        as_of=as_of.isoformat(),
        valid_until=valid_until.isoformat(),
        origin=checks.text(top, "origin", file),
        excluded=excluded,
        basis=checks.text(top, "basis", file),
        modes=modes,
        origin_zh=checks.chinese(top, "origin_zh", file),
        excluded_zh=checks.chinese_texts(top, "excluded_zh", file, like=excluded),
        basis_zh=checks.chinese(top, "basis_zh", file),
    )


#: Each file's parser, by the part of the knowledge base it gives (:data:`FILES`).
PARSERS: dict[str, Callable[[Any, str], Any]] = {
    "terms": parse_terms,
    "faqs": parse_faqs,
    "services": parse_services,
    "places": parse_places,
    "transit": parse_transit,
    "rates": parse_rates,
}


def check_coverage(
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
            raise checks.fail(f"{folder}/{FILES['rates']}", f"missing mode {mode!r}")
        for region in used_regions:
            if region not in mode_rates.regions:
                raise checks.fail(
                    f"{folder}/{FILES['rates']}: entry {mode!r}", f"missing region {region!r}"
                )
            if (mode, region) not in transit:
                raise checks.fail(
                    f"{folder}/{FILES['transit']}: entry {mode!r}", f"missing region {region!r}"
                )
    if not any(place.home for place in places):
        raise checks.fail(f"{folder}/{FILES['places']}", "no place is marked 'home: true'")
