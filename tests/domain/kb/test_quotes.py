"""Indicative quotes: chargeable weight, W/M, minimums, FCL choice, lane rules, text.

Arithmetic is checked against the round numbers of ``TEST_RATES`` (conftest), the same
for every region: express 50/40/30 HKD per kg from 0/21/71 kg, minimum 100; air 20/15/10
from 0/45/100 kg, minimum 300; LCL 100 per revenue tonne; FCL 1,000 per 20', 1,500 per 40'.
"""

from __future__ import annotations

from datetime import date

import pytest

from bot.domain.kb import MODES, KnowledgeBase
from bot.domain.quotes import Quote, QuoteError, RateCardNotValid, format_quote, quote

#: A day within TEST_RATES' validity (the clock is never read by these tests).
DAY = date(2026, 3, 2)


def _quote(kb: KnowledgeBase, mode: str, weight: float, volume: float | None = None) -> Quote:
    return quote(
        kb,
        mode=mode,
        origin="Hong Kong",
        destination="Hamburg",
        weight_kg=weight,
        volume_cbm=volume,
        today=DAY,
    )


@pytest.mark.parametrize(
    ("mode", "weight", "volume", "chargeable", "amount"),
    [
        # Express: 1 cbm = 200 kg. 0.08 cbm -> 16 kg volumetric beats 10 kg actual.
        ("express", 10, 0.08, 16, 16 * 50),
        # 20 kg x 50 = 1,000 but 21 kg x 40 = 840: the next break is cheaper.
        ("express", 10, 0.1, 20, 21 * 40),
        # 50 x 40 x 30 cm = 0.06 cbm -> 12 kg (= 60000 / 5000).
        ("express", 2, 0.06, 12, 12 * 50),
        # Actual beats volumetric; 25 kg is in the 21 kg break.
        ("express", 25, 0.05, 25, 25 * 40),
        # Half-kilo steps: 10.2 kg is billed as 10.5 kg.
        ("express", 10.2, None, 10.5, 10.5 * 50),
        # Minimum charge: 1 kg x 50 = 50 < 100.
        ("express", 1, None, 1, 100),
        # Economy uses the same 200 kg per cbm: 0.5 cbm -> 100 kg at the 21 kg+ rate.
        ("economy", 30, 0.5, 100, 100 * 25),
        # Air: 1 cbm = 167 kg. 1 cbm -> 167 kg at the 100 kg+ rate.
        ("air", 100, 1.0, 167, 167 * 10),
        # Air, next break cheaper: 40 kg x 20 = 800 > 45 kg x 15 = 675.
        ("air", 40, None, 40, 675),
        # Air minimum charge: 10 kg x 20 = 200 < 300.
        ("air", 10, None, 10, 300),
        # LCL W/M: the greater of 0.5 t and 2 cbm -> 2 revenue tonnes.
        ("sea_lcl", 500, 2.0, 2000, 200),
        # LCL W/M by weight: 1.5 t beats 1 cbm.
        ("sea_lcl", 1500, 1.0, 1500, 150),
        # LCL minimum 1 cbm.
        ("sea_lcl", 200, 0.3, 1000, 100),
    ],
)
def test_chargeable_weight_and_amount(
    quote_kb: KnowledgeBase,
    mode: str,
    weight: float,
    volume: float | None,
    chargeable: float,
    amount: float,
) -> None:
    result = _quote(quote_kb, mode, weight, volume)
    assert result.mode == mode
    assert result.chargeable_weight_kg == pytest.approx(chargeable)
    assert result.amount == pytest.approx(amount)
    assert result.currency == "HKD"


def test_weight_break_cheaper_is_explained(quote_kb: KnowledgeBase) -> None:
    result = _quote(quote_kb, "air", 40)
    assert "billed as 45 kg because that rate works out cheaper" in result.basis


def test_minimum_charge_is_explained(quote_kb: KnowledgeBase) -> None:
    result = _quote(quote_kb, "express", 1)
    assert "minimum charge of HK$100.00 applies" in result.basis


def test_volumetric_weight_is_reported(quote_kb: KnowledgeBase) -> None:
    result = _quote(quote_kb, "express", 10, 0.1)
    assert result.volumetric_weight_kg == pytest.approx(20)
    assert "the greater of the actual 10 kg and the volumetric 20 kg" in result.basis


@pytest.mark.parametrize(
    ("weight", "volume", "mode", "amount", "containers"),
    [
        # "sea" below 15 cbm is LCL: 10 revenue tonnes x 100.
        (2000, 10.0, "sea_lcl", 1000, []),
        # From 15 cbm it is FCL: one 20' holds 20 cbm.
        (2000, 20.0, "sea_fcl", 1000, [("20' container", 1)]),
        # 30 cbm needs a 40'.
        (2000, 30.0, "sea_fcl", 1500, [("40' container", 1)]),
        # 60 cbm: a 40' and a 20' (2,500) are cheaper than two 40's or three 20's (3,000).
        (5000, 60.0, "sea_fcl", 2500, [("20' container", 1), ("40' container", 1)]),
        # No volume: 16 t by weight is over the threshold, so FCL, chosen by weight.
        (16000, None, "sea_fcl", 1000, [("20' container", 1)]),
    ],
)
def test_sea_resolves_to_lcl_or_fcl(
    quote_kb: KnowledgeBase,
    weight: float,
    volume: float | None,
    mode: str,
    amount: float,
    containers: list[tuple[str, int]],
) -> None:
    result = _quote(quote_kb, "sea", weight, volume)
    assert (result.mode, result.amount, result.containers) == (mode, amount, containers)


def test_fcl_respects_payload(quote_kb: KnowledgeBase) -> None:
    # 22 t is over a 20' container's 21 t payload even though 10 cbm would fit.
    result = _quote(quote_kb, "FCL", 22000, 10.0)
    assert result.containers == [("40' container", 1)]
    assert result.amount == 1500


def test_large_lcl_suggests_a_full_container(quote_kb: KnowledgeBase) -> None:
    result = _quote(quote_kb, "LCL", 2000, 16.0)
    assert result.mode == "sea_lcl"
    assert result.amount == 1600
    assert len(result.advice) == 1
    assert "full container is usually better value: 1 x 20' container" in result.advice[0]
    assert "HK$1,000.00" in result.advice[0]


def test_small_lcl_suggests_nothing(quote_kb: KnowledgeBase) -> None:
    assert _quote(quote_kb, "LCL", 500, 5.0).advice == []


def test_small_fcl_points_to_cheaper_lcl(quote_kb: KnowledgeBase) -> None:
    result = _quote(quote_kb, "FCL", 500, 3.0)
    assert result.amount == 1000
    assert any("shared container (LCL) would be about HK$300.00" in a for a in result.advice)


@pytest.mark.parametrize(
    ("wording", "mode"), [("courier", "express"), ("by plane", "air"), ("deferred", "economy")]
)
def test_mode_in_customer_wording(quote_kb: KnowledgeBase, wording: str, mode: str) -> None:
    assert _quote(quote_kb, wording, 10).mode == mode


def test_import_lane_takes_the_region_of_the_origin(quote_kb: KnowledgeBase) -> None:
    result = quote(
        quote_kb, mode="air", origin="Los Angeles", destination="Shenzhen", weight_kg=100, today=DAY
    )
    assert result.region == "north_america"
    assert result.origin.name == "Los Angeles" and result.destination.name == "Shenzhen"


def test_places_may_be_given_as_place_objects(quote_kb: KnowledgeBase) -> None:
    origin, destination = quote_kb.find_place("HKG"), quote_kb.find_place("Tokyo")
    assert origin and destination
    result = quote(
        quote_kb, mode="air", origin=origin, destination=destination, weight_kg=50, today=DAY
    )
    assert result.region == "north_asia"


@pytest.mark.parametrize(
    ("origin", "destination", "message"),
    [
        (
            "Tokyo",
            "Los Angeles",
            "Our indicative table covers shipments to and from Hong Kong and South China; a "
            "colleague can quote Tokyo to Los Angeles for you.",
        ),
        (
            "Hong Kong",
            "Shenzhen",
            "Our indicative table covers international shipments to and from Hong Kong and "
            "South China; a colleague can quote Hong Kong to Shenzhen for you.",
        ),
        ("Atlantis", "Hong Kong", 'I don\'t know the place "Atlantis" (origin)'),
        ("Hong Kong", "Narnia", 'I don\'t know the place "Narnia" (destination)'),
    ],
)
def test_lane_rules(quote_kb: KnowledgeBase, origin: str, destination: str, message: str) -> None:
    with pytest.raises(QuoteError) as caught:
        quote(quote_kb, mode="air", origin=origin, destination=destination, weight_kg=10, today=DAY)
    assert str(caught.value).startswith(message)


@pytest.mark.parametrize(
    ("mode", "weight", "volume", "message"),
    [
        ("teleport", 10, None, "I couldn't tell which service you'd like"),
        ("express", 400, None, "At 400 kg chargeable this shipment is over the 300 kg limit"),
        ("express", 100, 2.0, "At 400 kg chargeable"),
        ("air", 0, None, "I need the shipment's weight"),
        ("air", 10, 0.0, "The volume should be more than zero"),
    ],
)
def test_unquotable_shipments(
    quote_kb: KnowledgeBase, mode: str, weight: float, volume: float | None, message: str
) -> None:
    with pytest.raises(QuoteError, match=message):
        _quote(quote_kb, mode, weight, volume)


def test_assumptions(quote_kb: KnowledgeBase) -> None:
    result = _quote(quote_kb, "air", 100)
    assert result.assumptions[0] == "This is an indicative price, not a firm quote."
    assert "It covers airport-to-airport." in result.assumptions
    assert (
        "Not included: fuel and security surcharges; import duties and taxes; cargo insurance."
        in result.assumptions
    )
    assert "Rates are valid from 1 Jan 2026 until 30 Jun 2026." in result.assumptions
    assert "It is based on general cargo." in result.assumptions
    assert any("No dimensions were given" in a for a in result.assumptions)


def test_format_quote(quote_kb: KnowledgeBase) -> None:
    result = _quote(quote_kb, "air", 100, 1.0)
    text = format_quote(result)
    assert text.startswith(
        "Indicative price: HK$1,670.00 for air freight from Hong Kong to Hamburg, Germany."
    )
    assert "How it was worked out: chargeable weight 167 kg" in text
    assert result.transit is not None
    assert f"Typical transit: {result.transit.min_days}-{result.transit.max_days} days" in text
    assert "- Rates are valid from 1 Jan 2026 until 30 Jun 2026." in text
    assert text.endswith("Reply 'yes' if you'd like our sales team to confirm a firm quote.")


def test_real_rate_table_prices_every_mode_and_region(kb: KnowledgeBase) -> None:
    destinations = {}
    for place in kb.places:
        if not place.home:
            destinations.setdefault(place.region, place)
    in_force = date.fromisoformat(kb.rates.as_of)
    for mode in MODES:
        for place in destinations.values():
            result = quote(
                kb,
                mode=mode,
                origin="Hong Kong",
                destination=place,
                weight_kg=20,
                volume_cbm=0.1,
                today=in_force,
            )
            assert result.amount > 0 and result.transit is not None, (mode, place.region)


@pytest.mark.parametrize(
    ("day", "wording"),
    [
        (date(2026, 7, 1), "our rate card ran out on 30 Jun 2026"),
        (date(2025, 12, 31), "our new rate card only applies from 1 Jan 2026"),
    ],
)
def test_no_price_outside_the_cards_validity(
    quote_kb: KnowledgeBase, day: date, wording: str
) -> None:
    with pytest.raises(RateCardNotValid) as caught:
        quote(
            quote_kb, mode="air", origin="Hong Kong", destination="Hamburg", weight_kg=10, today=day
        )
    message = str(caught.value)
    assert wording in message and "A colleague can quote it for you." in message
    assert "HK$" not in message


def test_first_and_last_day_of_the_card_price(quote_kb: KnowledgeBase) -> None:
    for day in (date(2026, 1, 1), date(2026, 6, 30)):
        result = quote(
            quote_kb, mode="air", origin="Hong Kong", destination="Hamburg", weight_kg=10, today=day
        )
        assert result.amount > 0


def test_expired_card_is_refused_in_chinese(quote_kb: KnowledgeBase) -> None:
    with pytest.raises(RateCardNotValid, match="2026年6月30日 到期"):
        quote(
            quote_kb,
            mode="空運",
            origin="香港",
            destination="漢堡",
            weight_kg=10,
            language="zh",
            today=date(2026, 8, 1),
        )
