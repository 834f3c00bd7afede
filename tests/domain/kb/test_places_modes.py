"""Places, modes, transit times and their customer-facing text."""

from __future__ import annotations

import pytest

from bot.domain.kb import KnowledgeBase, format_transit, normalize_mode


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Hong Kong", "Hong Kong"),
        ("hong kong", "Hong Kong"),
        ("HONGKONG", "Hong Kong"),
        ("HKG", "Hong Kong"),
        ("H.K.", "Hong Kong"),
        ("LAX", "Los Angeles"),
        ("LA", "Los Angeles"),
        ("l.a.", "Los Angeles"),
        ("NYC", "New York"),
        ("Rotterdam", "Rotterdam"),
        ("rotterdam port", "Rotterdam"),
        ("Hamburg", "Hamburg"),
        ("UK", "United Kingdom"),
        ("U.K.", "United Kingdom"),
        ("USA", "United States"),
        ("US", "United States"),
        ("São Paulo", "Sao Paulo"),
        ("sao paulo", "Sao Paulo"),
        ("Montréal", "Montreal"),
        ("saigon", "Ho Chi Minh City"),
        ("Ho Chi Minh City", "Ho Chi Minh City"),
        ("CAN", "Guangzhou"),
        ("canton", "Guangzhou"),
        ("shenzen", "Shenzhen"),
        ("Macao", "Macau"),
        # Inside a short phrase; the longer place phrase wins over the country.
        ("to los angeles, usa", "Los Angeles"),
        ("from shenzhen", "Shenzhen"),
        ("ship it to Rotterdam please", "Rotterdam"),
        ("Dubai, UAE", "Dubai"),
        ("new york city", "New York"),
    ],
)
def test_find_place(kb: KnowledgeBase, text: str, name: str) -> None:
    place = kb.find_place(text)
    assert place is not None, text
    assert place.name == name


@pytest.mark.parametrize(
    "text",
    ["Atlantis", "", "ship it to us", "can you help", "by sea", "the moon", "man"],
)
def test_unknown_or_ordinary_words_are_no_place(kb: KnowledgeBase, text: str) -> None:
    assert kb.find_place(text) is None


def test_place_fields(kb: KnowledgeBase) -> None:
    la = kb.find_place("LAX")
    assert la is not None
    assert (la.country, la.region, la.home) == ("United States", "north_america", False)
    assert la.label == "Los Angeles, United States"
    shenzhen = kb.find_place("Shenzhen")
    assert shenzhen is not None and shenzhen.home and shenzhen.region == "greater_china"
    germany = kb.find_place("Germany")
    assert germany is not None and germany.label == "Germany"


def test_find_places_keeps_the_order_of_the_text(kb: KnowledgeBase) -> None:
    places = kb.find_places("from Shenzhen to Hamburg via the US")
    assert [p.name for p in places] == ["Shenzhen", "Hamburg", "United States"]


@pytest.mark.parametrize(
    ("text", "mode"),
    [
        ("express", "express"),
        ("courier", "express"),
        ("air express", "express"),
        ("fastest please", "express"),
        ("economy", "economy"),
        ("economy express", "economy"),
        ("deferred", "economy"),
        ("the cheapest option", "economy"),
        ("air freight", "air"),
        ("airfreight", "air"),
        ("by plane", "air"),
        ("Air", "air"),
        ("sea", "sea"),
        ("by sea", "sea"),
        ("ocean freight", "sea"),
        ("cheapest by sea", "sea"),
        ("FCL", "sea_fcl"),
        ("full container", "sea_fcl"),
        ("a 40ft container", "sea_fcl"),
        ("LCL", "sea_lcl"),
        ("shared container", "sea_lcl"),
        ("LCL sea freight", "sea_lcl"),
    ],
)
def test_normalize_mode(text: str, mode: str) -> None:
    assert normalize_mode(text) == mode


@pytest.mark.parametrize("text", ["", "banana", "as soon as the invoice is paid", "ship"])
def test_normalize_mode_unknown(text: str) -> None:
    assert normalize_mode(text) is None


def test_transit_time_by_mode_and_region(kb: KnowledgeBase) -> None:
    air = kb.transit_time("air", "europe")
    assert air is not None and air.min_days <= air.max_days
    assert "airport-to-airport" in air.note
    express = kb.transit_time("express", "europe")
    assert express is not None and express.day_type == "working"
    assert "door-to-door" in express.note
    assert kb.transit_time("air", "antarctica") is None
    assert kb.transit_time("rail", "europe") is None


def test_sea_transit_spans_fcl_and_lcl(kb: KnowledgeBase) -> None:
    fcl = kb.transit_time("sea_fcl", "europe")
    lcl = kb.transit_time("sea_lcl", "europe")
    both = kb.transit_time("sea", "europe")
    assert fcl and lcl and both
    assert both.min_days == min(fcl.min_days, lcl.min_days)
    assert both.max_days == max(fcl.max_days, lcl.max_days)


def test_every_mode_has_a_transit_time_for_every_region_in_use(kb: KnowledgeBase) -> None:
    regions = {p.region for p in kb.places}
    for mode in ("express", "economy", "air", "sea_fcl", "sea_lcl"):
        assert all(kb.transit_time(mode, region) for region in regions), mode


def test_format_transit(kb: KnowledgeBase) -> None:
    origin, destination = kb.find_place("Hong Kong"), kb.find_place("Hamburg")
    assert origin and destination
    transit = kb.transit_time("express", destination.region)
    assert transit is not None
    text = format_transit("express", origin, destination, transit)
    assert text.startswith(
        f"Express from Hong Kong to Hamburg, Germany (Europe) usually takes "
        f"{transit.min_days}-{transit.max_days} working days, door-to-door"
    )
    assert "not a guarantee" in text or "rather than a guarantee" in text
    assert text.endswith("Tell me the weight and size if you'd like an indicative price.")


def test_format_transit_without_data_offers_a_colleague(kb: KnowledgeBase) -> None:
    origin, destination = kb.find_place("Hong Kong"), kb.find_place("Lagos")
    assert origin and destination
    text = format_transit("sea_fcl", origin, destination, None)
    assert text.startswith(
        "I don't have a typical transit time for sea freight by full container (FCL) "
        "from Hong Kong to Lagos, Nigeria."
    )
    assert "connect you with a colleague" in text
