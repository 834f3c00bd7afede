"""Indicative quotes from the knowledge base's rate table.

The arithmetic follows the usual trade rules: chargeable weight is the greater of actual
and volumetric weight (1 cbm = 200 kg for express and economy, 167 kg for air), LCL is
charged per revenue tonne (W/M, 1 cbm = 1,000 kg), and FCL per container. The result is
always labelled indicative; a firm price comes from the sales team.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from itertools import product

from bot.core.i18n import format_date, format_number, t
from bot.core.i18n import format_money as i18n_money
from bot.domain.kb import KnowledgeBase, Place, TransitTime, days_text, mode_phrase, normalize_mode
from bot.domain.kb.formatting import lane_text
from bot.domain.kb.models import MODE_CODES, ContainerType, LaneRate, ModeRates, RateCard
from bot.domain.rate_card import EXPIRED, local_today, validity

# Express and air carriers bill in half-kilo steps.
_WEIGHT_STEP_KG = 0.5


class QuoteError(ValueError):
    """A quote cannot be given; the message is written for the customer."""


class RateCardNotValid(QuoteError):
    """The rate card does not apply today (expired or not yet in force): no price is given."""


@dataclass(frozen=True)
class Quote:
    """An indicative price for one shipment.

    Attributes:
        mode: the service priced: express, economy, air, sea_lcl or sea_fcl.
        origin: where the shipment starts.
        destination: where it goes.
        region: the destination region of the lane (the end that is not home).
        actual_weight_kg: gross weight as given.
        volumetric_weight_kg: volume converted at the mode's factor, if volume was given.
        chargeable_weight_kg: the weight billed (for LCL, revenue tonnes x 1,000).
        volume_cbm: volume as given, if any.
        amount: the indicative price.
        currency: ISO code of ``amount``.
        basis: how the price was worked out, in a sentence.
        assumptions: what the price assumes and leaves out, one sentence each.
        transit: typical transit time of the lane, if known.
        advice: suggestions such as a cheaper service, one sentence each.
        containers: for FCL, the containers priced as (label, count).
        language: the language ``basis``, ``assumptions`` and ``advice`` are written in.
    """

    mode: str
    origin: Place
    destination: Place
    region: str
    actual_weight_kg: float
    volumetric_weight_kg: float | None
    chargeable_weight_kg: float
    volume_cbm: float | None
    amount: float
    currency: str
    basis: str
    assumptions: list[str]
    transit: TransitTime | None
    advice: list[str] = field(default_factory=list)
    containers: list[tuple[str, int]] = field(default_factory=list)
    language: str = "en"


def _num(value: float, language: str) -> str:
    """1234.5 -> "1,234.5"; 2.0 -> "2" (at most two decimals, the locale's grouping)."""
    return format_number(round(value, 2), language)


def format_money(amount: float, currency: str, language: str = "en") -> str:
    """``HK$1,234.00`` in the customer's language (Babel, via :mod:`bot.core.i18n`)."""
    return i18n_money(amount, currency, language)


def _date(iso: str, language: str) -> str:
    day = dt.date.fromisoformat(iso)
    noon = dt.datetime(day.year, day.month, day.day, 12, tzinfo=dt.timezone.utc)
    return format_date(noon, language, dt.timezone.utc, year=True)


def _check_card(card: RateCard, today: dt.date, language: str) -> None:
    """Refuse to price on a card that does not apply on ``today``."""
    standing = validity(card, today)
    if standing.usable:
        return
    key = "expired" if standing.state == EXPIRED else "not_yet_valid"
    raise RateCardNotValid(
        t(
            f"quotes.error.card_{key}",
            language,
            valid_from=_date(card.as_of, language),
            valid_until=_date(card.valid_until, language),
        )
    )


def _round_up(value: float, step: float) -> float:
    return math.ceil(round(value / step, 9)) * step


def _place(kb: KnowledgeBase, value: Place | str, end: str, language: str) -> Place:
    if isinstance(value, Place):
        return value
    place = kb.find_place(value)
    if place is None:
        shown = " ".join(str(value).split())[:60]
        raise QuoteError(
            t(
                "quotes.error.unknown_place",
                language,
                place=shown,
                end=t(f"quotes.end.{end}", language),
            )
        )
    return place


def _mode(mode: str, language: str) -> str:
    code = mode if mode in MODE_CODES else normalize_mode(mode)
    if code is None:
        raise QuoteError(t("quotes.error.unknown_mode", language))
    return code


def _lane_region(origin: Place, destination: Place, language: str) -> str:
    names = {
        "origin": origin.name_in(language),
        "destination": destination.name_in(language),
    }
    if origin.home and destination.home:
        raise QuoteError(t("quotes.error.home_lane", language, **names))
    if not origin.home and not destination.home:
        raise QuoteError(t("quotes.error.foreign_lane", language, **names))
    return destination.region if origin.home else origin.region


def _weight_mode_price(
    mode_rates: ModeRates,
    lane: LaneRate,
    weight_kg: float,
    volume_cbm: float | None,
    cur: str,
    language: str,
) -> tuple[float, float | None, float, str]:
    """(amount, volumetric kg, chargeable kg, basis) for express, economy and air."""
    factor = mode_rates.kg_per_cbm or 0.0
    volumetric = None if volume_cbm is None else volume_cbm * factor
    chargeable = _round_up(max(weight_kg, volumetric or 0.0), _WEIGHT_STEP_KG)
    if mode_rates.max_shipment_kg is not None and chargeable > mode_rates.max_shipment_kg:
        raise QuoteError(
            t(
                "quotes.error.over_limit",
                language,
                chargeable=_num(chargeable, language),
                limit=_num(mode_rates.max_shipment_kg, language),
                service=mode_phrase(mode_rates.mode, language),
            )
        )
    applicable = max((b for b in lane.breaks if b.from_kg <= chargeable), key=lambda b: b.from_kg)
    amount, billed_kg, rate = chargeable * applicable.per_kg, chargeable, applicable
    # Charging at a higher break's minimum weight is allowed whenever it is cheaper.
    for higher in lane.breaks:
        if higher.from_kg > chargeable and higher.from_kg * higher.per_kg < amount:
            amount, billed_kg, rate = higher.from_kg * higher.per_kg, higher.from_kg, higher
    lang = language
    if volumetric is None:
        weight_text = t("quotes.basis.weight_actual", lang, chargeable=_num(chargeable, lang))
    else:
        weight_text = t(
            "quotes.basis.weight_volumetric",
            lang,
            chargeable=_num(chargeable, lang),
            actual=_num(weight_kg, lang),
            volumetric=_num(volumetric, lang),
            cbm=_num(volume_cbm or 0, lang),
            factor=_num(factor, lang),
        )
    band = (
        "" if rate.from_kg == 0 else t("quotes.basis.band", lang, from_kg=_num(rate.from_kg, lang))
    )
    basis = t(
        "quotes.basis.rate",
        lang,
        weight=weight_text,
        rate=format_money(rate.per_kg, cur, lang),
        band=band,
    )
    if billed_kg != chargeable:
        basis += t("quotes.basis.billed_as", lang, billed=_num(billed_kg, lang))
    if amount < lane.minimum_charge:
        amount = lane.minimum_charge
        basis += t("quotes.basis.minimum", lang, amount=format_money(amount, cur, lang))
    return round(amount, 2), volumetric, chargeable, basis


def _lcl_price(
    mode_rates: ModeRates,
    lane: LaneRate,
    weight_kg: float,
    volume_cbm: float | None,
    cur: str,
    language: str,
) -> tuple[float, float, str]:
    """(amount, revenue tonnes, basis) for LCL."""
    lang = language
    factor = mode_rates.kg_per_cbm or 1000.0
    tonnes = weight_kg / factor
    revenue_tonnes = max(tonnes, volume_cbm or 0.0, mode_rates.minimum_cbm)
    amount = round(revenue_tonnes * lane.per_revenue_tonne, 2)
    if volume_cbm is None:
        measure = t("quotes.basis.lcl_weight_only", lang, tonnes=_num(tonnes, lang))
    else:
        measure = t(
            "quotes.basis.lcl_greater",
            lang,
            tonnes=_num(tonnes, lang),
            cbm=_num(volume_cbm, lang),
        )
    basis = t(
        "quotes.basis.lcl",
        lang,
        revenue_tonnes=_num(revenue_tonnes, lang),
        measure=measure,
        minimum=_num(mode_rates.minimum_cbm, lang),
        rate=format_money(lane.per_revenue_tonne, cur, lang),
    )
    return amount, revenue_tonnes, basis


def _fcl_plan(
    containers: dict[str, ContainerType], lane: LaneRate, weight_kg: float, volume: float
) -> tuple[float, list[tuple[ContainerType, int]]]:
    """The cheapest mix of containers that holds the volume and the weight."""
    types = list(containers.values())
    # Enough of the largest type alone always fits, so counts up to that bound suffice.
    largest = max(types, key=lambda c: (c.usable_cbm, c.max_payload_kg))
    bound = max(1, math.ceil(max(volume / largest.usable_cbm, weight_kg / largest.max_payload_kg)))
    best: tuple[float, list[tuple[ContainerType, int]]] | None = None
    for counts in product(range(bound + 1), repeat=len(types)):
        if not any(counts):
            continue
        cbm = sum(c.usable_cbm * n for c, n in zip(types, counts, strict=True))
        kg = sum(c.max_payload_kg * n for c, n in zip(types, counts, strict=True))
        if cbm < volume or kg < weight_kg:
            continue
        cost = sum(lane.per_container[c.code] * n for c, n in zip(types, counts, strict=True))
        if best is None or cost < best[0]:
            best = (cost, [(c, n) for c, n in zip(types, counts, strict=True) if n])
    assert best is not None  # ``bound`` of the largest type always fits.
    return best


def quote(
    kb: KnowledgeBase,
    *,
    mode: str,
    origin: Place | str,
    destination: Place | str,
    weight_kg: float,
    volume_cbm: float | None = None,
    language: str = "en",
    today: dt.date | None = None,
) -> Quote:
    """Work out an indicative price from the rate table.

    Args:
        kb: the knowledge base with the rate table.
        mode: a mode code or the customer's wording ("air", "sea", "courier", "FCL", "空運").
            ``"sea"`` becomes FCL from the LCL-to-FCL threshold (by volume, or weight in
            tonnes when no volume is given), LCL below it.
        origin: a place or its name; it or ``destination`` must be in the home area.
        destination: a place or its name.
        weight_kg: gross weight in kg.
        volume_cbm: volume in cbm, if known.
        language: ``"en"`` or ``"zh"``: the language of the working, the assumptions, the
            advice and any :class:`QuoteError`.
        today: the service centre's calendar day the price is for; default the clock's
            (:func:`bot.domain.rate_card.local_today`). Outside the card's validity no
            price is given.

    Returns:
        The quote, with its working, assumptions and the lane's transit time.

    Raises:
        QuoteError: the mode or a place is unknown, the lane is not to or from the home
            area, or the shipment is outside the table; the message is customer-facing.
        RateCardNotValid: the rate card has expired or does not apply yet.
    """
    lang = language
    code = _mode(mode, lang)
    origin_place = _place(kb, origin, "origin", lang)
    destination_place = _place(kb, destination, "destination", lang)
    region = _lane_region(origin_place, destination_place, lang)
    _check_card(kb.rates, local_today() if today is None else today, lang)
    if not (weight_kg > 0 and math.isfinite(weight_kg)):
        raise QuoteError(t("quotes.error.no_weight", lang))
    if volume_cbm is not None and not (volume_cbm > 0 and math.isfinite(volume_cbm)):
        raise QuoteError(t("quotes.error.bad_volume", lang))
    rates = kb.rates
    lcl = rates.modes["sea_lcl"]
    threshold = lcl.fcl_suggested_from_cbm
    if code == "sea":
        measure = volume_cbm if volume_cbm is not None else weight_kg / (lcl.kg_per_cbm or 1000)
        code = "sea_fcl" if threshold is not None and measure >= threshold else "sea_lcl"
    mode_rates = rates.modes[code]
    lane = mode_rates.regions.get(region)
    if lane is None:
        raise QuoteError(t("quotes.error.no_rate", lang, service=mode_phrase(code, lang)))
    cur = rates.currency
    volumetric: float | None = None
    advice: list[str] = []
    containers: list[tuple[str, int]] = []
    excluded = (*mode_rates.excluded_in(lang), *rates.excluded_in(lang))
    assumptions = [
        t("quotes.assume.indicative", lang),
        t("quotes.assume.covers", lang, covers=mode_rates.covers_in(lang)),
        t(
            "quotes.assume.excluded",
            lang,
            items=t("quotes.assume.excluded_separator", lang).join(excluded),
        ),
        t(
            "quotes.assume.valid_until",
            lang,
            valid_from=_date(rates.as_of, lang),
            date=_date(rates.valid_until, lang),
        ),
        t("quotes.assume.basis", lang, basis=rates.basis_in(lang)),
    ]
    if code in ("express", "economy", "air"):
        amount, volumetric, chargeable, basis = _weight_mode_price(
            mode_rates, lane, weight_kg, volume_cbm, cur, lang
        )
        if volume_cbm is None:
            assumptions.append(t("quotes.assume.no_dimensions", lang))
    elif code == "sea_lcl":
        amount, revenue_tonnes, basis = _lcl_price(
            mode_rates, lane, weight_kg, volume_cbm, cur, lang
        )
        chargeable = revenue_tonnes * (mode_rates.kg_per_cbm or 1000.0)
        if volume_cbm is None:
            assumptions.append(t("quotes.assume.lcl_no_volume", lang))
        if threshold is not None and revenue_tonnes >= threshold:
            fcl = rates.modes["sea_fcl"]
            fcl_lane = fcl.regions.get(region)
            if fcl_lane is not None:
                cost, plan = _fcl_plan(fcl.containers, fcl_lane, weight_kg, volume_cbm or 0.0)
                advice.append(
                    t(
                        "quotes.advice.fcl",
                        lang,
                        revenue_tonnes=_num(revenue_tonnes, lang),
                        plan=_plan_text(plan, lang),
                        amount=format_money(cost, cur, lang),
                    )
                )
    else:
        volume = volume_cbm or 0.0
        amount, plan = _fcl_plan(mode_rates.containers, lane, weight_kg, volume)
        amount = round(amount, 2)
        chargeable = weight_kg
        containers = [(c.label_in(lang), n) for c, n in plan]
        prices = t("kb.list.separator", lang).join(
            t(
                "quotes.basis.fcl_item",
                lang,
                count=n,
                label=c.label_in(lang),
                price=format_money(lane.per_container[c.code], cur, lang),
            )
            for c, n in plan
        )
        basis = t(
            "quotes.basis.fcl", lang, prices=prices, load=_fcl_load(weight_kg, volume_cbm, lang)
        )
        if volume_cbm is None:
            assumptions.append(t("quotes.assume.fcl_no_volume", lang))
        else:
            lcl_lane = lcl.regions.get(region)
            if lcl_lane is not None:
                lcl_amount, _, _ = _lcl_price(lcl, lcl_lane, weight_kg, volume_cbm, cur, lang)
                if lcl_amount < amount:
                    advice.append(
                        t(
                            "quotes.advice.lcl",
                            lang,
                            cbm=_num(volume_cbm, lang),
                            amount=format_money(lcl_amount, cur, lang),
                        )
                    )
    return Quote(
        mode=code,
        origin=origin_place,
        destination=destination_place,
        region=region,
        actual_weight_kg=weight_kg,
        volumetric_weight_kg=volumetric,
        chargeable_weight_kg=round(chargeable, 3),
        volume_cbm=volume_cbm,
        amount=amount,
        currency=cur,
        basis=basis,
        assumptions=assumptions,
        transit=kb.transit_time(code, region),
        advice=advice,
        containers=containers,
        language=lang,
    )


def _plan_text(plan: list[tuple[ContainerType, int]], language: str) -> str:
    from bot.domain.kb.formatting import join_list

    items = [t("quotes.plan_item", language, count=n, label=c.label_in(language)) for c, n in plan]
    return join_list(items, language)


def _fcl_load(weight_kg: float, volume_cbm: float | None, language: str) -> str:
    if volume_cbm is None:
        return t("quotes.load.weight", language, kg=_num(weight_kg, language))
    return t(
        "quotes.load.weight_volume",
        language,
        kg=_num(weight_kg, language),
        cbm=_num(volume_cbm, language),
    )


def format_quote(q: Quote, language: str | None = None) -> str:
    """The customer-facing text of a quote: price, working, assumptions, transit, next step.

    Args:
        q: a quote from :func:`quote`.
        language: ``"en"`` or ``"zh"``; default the language the quote was worked out in
            (its working and assumptions are in that language).

    Returns:
        Several short paragraphs, ending with how to get a firm quote.
    """
    lang = language or q.language
    price = format_money(q.amount, q.currency, lang)
    lines = [
        t(
            "quotes.text.price",
            lang,
            price=price,
            service=mode_phrase(q.mode, lang),
            lane=lane_text(q.origin, q.destination, lang),
        ),
        "",
        t("quotes.text.working", lang, basis=q.basis),
    ]
    if q.transit is not None:
        lines += [
            "",
            t(
                "quotes.text.transit",
                lang,
                days=days_text(q.transit, lang),
                note=q.transit.note_in(lang),
            ),
        ]
    lines += ["", t("quotes.text.note_header", lang)]
    lines += [f"- {item}" for item in q.assumptions]
    if q.advice:
        lines += ["", *q.advice]
    lines += ["", t("quotes.text.firm", lang)]
    return "\n".join(lines)
