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

from bot.domain.kb import KnowledgeBase, Place, TransitTime, normalize_mode
from bot.domain.kb.models import MODE_PHRASES, MODES, ContainerType, LaneRate, ModeRates

# Express and air carriers bill in half-kilo steps.
_WEIGHT_STEP_KG = 0.5


class QuoteError(ValueError):
    """A quote cannot be given; the message is written for the customer."""


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


def _num(value: float) -> str:
    """1234.5 -> "1,234.5"; 2.0 -> "2"."""
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return text or "0"


def format_money(amount: float, currency: str) -> str:
    """``HKD 1,234`` or ``HKD 1,234.50``."""
    if float(amount).is_integer():
        return f"{currency} {amount:,.0f}"
    return f"{currency} {amount:,.2f}"


def _date(iso: str) -> str:
    day = dt.date.fromisoformat(iso)
    return f"{day.day} {day:%B %Y}"


def _round_up(value: float, step: float) -> float:
    return math.ceil(round(value / step, 9)) * step


def _place(kb: KnowledgeBase, value: Place | str, end: str) -> Place:
    if isinstance(value, Place):
        return value
    place = kb.find_place(value)
    if place is None:
        shown = " ".join(str(value).split())[:60]
        raise QuoteError(
            f"I don't know the place \"{shown}\" ({end}), so I can't price that lane from "
            "our table."
        )
    return place


def _mode(mode: str) -> str:
    code = mode if mode in (*MODES, "sea") else normalize_mode(mode)
    if code is None:
        raise QuoteError(
            "I couldn't tell which service you'd like: express, economy express, air freight "
            "or sea freight."
        )
    return code


def _lane_region(origin: Place, destination: Place) -> str:
    if origin.home and destination.home:
        raise QuoteError(
            "Our indicative table covers international shipments to and from Hong Kong and "
            f"South China; a colleague can quote {origin.name} to {destination.name} for you."
        )
    if not origin.home and not destination.home:
        raise QuoteError(
            "Our indicative table covers shipments to and from Hong Kong and South China; a "
            f"colleague can quote {origin.name} to {destination.name} for you."
        )
    return destination.region if origin.home else origin.region


def _weight_mode_price(
    mode_rates: ModeRates, lane: LaneRate, weight_kg: float, volume_cbm: float | None, cur: str
) -> tuple[float, float | None, float, str]:
    """(amount, volumetric kg, chargeable kg, basis) for express, economy and air."""
    factor = mode_rates.kg_per_cbm or 0.0
    volumetric = None if volume_cbm is None else volume_cbm * factor
    chargeable = _round_up(max(weight_kg, volumetric or 0.0), _WEIGHT_STEP_KG)
    if mode_rates.max_shipment_kg is not None and chargeable > mode_rates.max_shipment_kg:
        name = MODE_PHRASES[mode_rates.mode]
        raise QuoteError(
            f"At {_num(chargeable)} kg chargeable this shipment is over the "
            f"{_num(mode_rates.max_shipment_kg)} kg limit for {name}; air freight suits "
            "heavier shipments and a colleague can quote it."
        )
    applicable = max((b for b in lane.breaks if b.from_kg <= chargeable), key=lambda b: b.from_kg)
    amount, billed_kg, rate = chargeable * applicable.per_kg, chargeable, applicable
    # Charging at a higher break's minimum weight is allowed whenever it is cheaper.
    for higher in lane.breaks:
        if higher.from_kg > chargeable and higher.from_kg * higher.per_kg < amount:
            amount, billed_kg, rate = higher.from_kg * higher.per_kg, higher.from_kg, higher
    if volumetric is None:
        weight_text = (
            f"chargeable weight {_num(chargeable)} kg (actual weight; no dimensions given)"
        )
    else:
        weight_text = (
            f"chargeable weight {_num(chargeable)} kg (the greater of the actual "
            f"{_num(weight_kg)} kg and the volumetric {_num(volumetric)} kg from "
            f"{_num(volume_cbm or 0)} cbm at {_num(factor)} kg per cbm)"
        )
    band = "" if rate.from_kg == 0 else f" ({_num(rate.from_kg)} kg+ rate)"
    basis = f"{weight_text} at {format_money(rate.per_kg, cur)} per kg{band}"
    if billed_kg != chargeable:
        basis += f", billed as {_num(billed_kg)} kg because that rate works out cheaper"
    if amount < lane.minimum_charge:
        amount = lane.minimum_charge
        basis += f"; the lane's minimum charge of {format_money(amount, cur)} applies"
    return round(amount, 2), volumetric, chargeable, basis


def _lcl_price(
    mode_rates: ModeRates, lane: LaneRate, weight_kg: float, volume_cbm: float | None, cur: str
) -> tuple[float, float, str]:
    """(amount, revenue tonnes, basis) for LCL."""
    factor = mode_rates.kg_per_cbm or 1000.0
    tonnes = weight_kg / factor
    revenue_tonnes = max(tonnes, volume_cbm or 0.0, mode_rates.minimum_cbm)
    amount = round(revenue_tonnes * lane.per_revenue_tonne, 2)
    if volume_cbm is None:
        measure = f"{_num(tonnes)} tonnes by weight (no volume given)"
    else:
        measure = f"the greater of {_num(tonnes)} tonnes and {_num(volume_cbm)} cbm"
    basis = (
        f"{_num(revenue_tonnes)} revenue tonnes (W/M: {measure}, minimum "
        f"{_num(mode_rates.minimum_cbm)}) at {format_money(lane.per_revenue_tonne, cur)} per "
        "revenue tonne"
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
) -> Quote:
    """Work out an indicative price from the rate table.

    Args:
        kb: the knowledge base with the rate table.
        mode: a mode code or the customer's wording ("air", "sea", "courier", "FCL").
            ``"sea"`` becomes FCL from the LCL-to-FCL threshold (by volume, or weight in
            tonnes when no volume is given), LCL below it.
        origin: a place or its name; it or ``destination`` must be in the home area.
        destination: a place or its name.
        weight_kg: gross weight in kg.
        volume_cbm: volume in cbm, if known.

    Returns:
        The quote, with its working, assumptions and the lane's transit time.

    Raises:
        QuoteError: the mode or a place is unknown, the lane is not to or from the home
            area, or the shipment is outside the table; the message is customer-facing.
    """
    code = _mode(mode)
    origin_place = _place(kb, origin, "origin")
    destination_place = _place(kb, destination, "destination")
    region = _lane_region(origin_place, destination_place)
    if not (weight_kg > 0 and math.isfinite(weight_kg)):
        raise QuoteError("I need the shipment's weight in kilograms to work out a price.")
    if volume_cbm is not None and not (volume_cbm > 0 and math.isfinite(volume_cbm)):
        raise QuoteError("The volume should be more than zero cubic metres.")
    rates = kb.rates
    lcl = rates.modes["sea_lcl"]
    threshold = lcl.fcl_suggested_from_cbm
    if code == "sea":
        measure = volume_cbm if volume_cbm is not None else weight_kg / (lcl.kg_per_cbm or 1000)
        code = "sea_fcl" if threshold is not None and measure >= threshold else "sea_lcl"
    mode_rates = rates.modes[code]
    lane = mode_rates.regions.get(region)
    if lane is None:
        raise QuoteError(
            f"I don't have an indicative {MODE_PHRASES[code]} rate to that region; a "
            "colleague can quote it for you."
        )
    cur = rates.currency
    volumetric: float | None = None
    advice: list[str] = []
    containers: list[tuple[str, int]] = []
    assumptions = [
        "This is an indicative price, not a firm quote.",
        f"It covers {mode_rates.covers}.",
        "Not included: " + "; ".join((*mode_rates.excluded, *rates.excluded)) + ".",
        f"Rates are valid until {_date(rates.valid_until)}.",
        f"It is based on {rates.basis}.",
    ]
    if code in ("express", "economy", "air"):
        amount, volumetric, chargeable, basis = _weight_mode_price(
            mode_rates, lane, weight_kg, volume_cbm, cur
        )
        if volume_cbm is None:
            assumptions.append(
                "No dimensions were given, so it is charged on actual weight; if the "
                "volumetric weight is higher, the price will be higher."
            )
    elif code == "sea_lcl":
        amount, revenue_tonnes, basis = _lcl_price(mode_rates, lane, weight_kg, volume_cbm, cur)
        chargeable = revenue_tonnes * (mode_rates.kg_per_cbm or 1000.0)
        if volume_cbm is None:
            assumptions.append(
                "No volume was given, so it is charged on weight; the final charge uses the "
                "greater of weight and volume."
            )
        if threshold is not None and revenue_tonnes >= threshold:
            fcl = rates.modes["sea_fcl"]
            fcl_lane = fcl.regions.get(region)
            if fcl_lane is not None:
                cost, plan = _fcl_plan(fcl.containers, fcl_lane, weight_kg, volume_cbm or 0.0)
                advice.append(
                    f"At {_num(revenue_tonnes)} revenue tonnes a full container is usually "
                    f"better value: {_plan_text(plan)} would be about "
                    f"{format_money(cost, cur)}. Ask me for an FCL quote to compare."
                )
    else:
        volume = volume_cbm or 0.0
        amount, plan = _fcl_plan(mode_rates.containers, lane, weight_kg, volume)
        amount = round(amount, 2)
        chargeable = weight_kg
        containers = [(c.label, n) for c, n in plan]
        prices = ", ".join(
            f"{n} x {c.label} at {format_money(lane.per_container[c.code], cur)}" for c, n in plan
        )
        basis = f"{prices}, the cheapest choice that holds {_fcl_load(weight_kg, volume_cbm)}"
        if volume_cbm is None:
            assumptions.append(
                "No volume was given, so the container was chosen by weight alone; tell us "
                "the volume so we can check it fits."
            )
        else:
            lcl_lane = lcl.regions.get(region)
            if lcl_lane is not None:
                lcl_amount, _, _ = _lcl_price(lcl, lcl_lane, weight_kg, volume_cbm, cur)
                if lcl_amount < amount:
                    advice.append(
                        f"At {_num(volume_cbm)} cbm a shared container (LCL) would be about "
                        f"{format_money(lcl_amount, cur)}. Ask me for an LCL quote to compare."
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
    )


def _plan_text(plan: list[tuple[ContainerType, int]]) -> str:
    return " and ".join(f"{n} x {c.label}" for c, n in plan)


def _fcl_load(weight_kg: float, volume_cbm: float | None) -> str:
    if volume_cbm is None:
        return f"{_num(weight_kg)} kg"
    return f"{_num(weight_kg)} kg and {_num(volume_cbm)} cbm"


def format_quote(q: Quote) -> str:
    """The customer-facing text of a quote: price, working, assumptions, transit, next step.

    Args:
        q: a quote from :func:`quote`.

    Returns:
        Several short paragraphs, ending with how to get a firm quote.
    """
    price = format_money(q.amount, q.currency)
    lane = f"from {q.origin.label} to {q.destination.label}"
    lines = [
        f"Indicative price: {price} for {MODE_PHRASES[q.mode]} {lane}.",
        "",
        f"How it was worked out: {q.basis}.",
    ]
    if q.transit is not None:
        lines += ["", f"Typical transit: {q.transit.days_text}, {q.transit.note}."]
    lines += ["", "Please note:"]
    lines += [f"- {item}" for item in q.assumptions]
    if q.advice:
        lines += ["", *q.advice]
    lines += ["", "Reply 'yes' if you'd like our sales team to confirm a firm quote."]
    return "\n".join(lines)
