"""Reading weights and volumes as customers type them."""

from __future__ import annotations

import pytest

from bot.domain.units import parse_volume_cbm, parse_weight_kg


@pytest.mark.parametrize(
    ("text", "kg"),
    [
        ("250 kg", 250.0),
        ("250kgs", 250.0),
        ("250 KG", 250.0),
        ("12 kilos", 12.0),
        ("about 12.5 kilos", 12.5),
        ("3 kilograms", 3.0),
        ("1.5 tonnes", 1500.0),
        ("2 t", 2000.0),
        ("2 metric tons", 2000.0),
        ("40 lbs", 18.144),
        ("500 pounds", 226.796),
        ("800 g", 0.8),
        ("300", 300.0),
        ("about 300", 300.0),
        ("1,200 kg", 1200.0),
        ("1,5 tonnes", 1500.0),
        ("3 cartons of 20 kg", 60.0),
        ("2 x 25kg", 50.0),
        ("gross weight 250 kg, about 2 cbm", 250.0),
    ],
)
def test_parse_weight_kg(text: str, kg: float) -> None:
    assert parse_weight_kg(text) == pytest.approx(kg)


@pytest.mark.parametrize(
    "text",
    [
        "0",
        "0 kg",
        "-5 kg",
        "600000 kg",
        "600 tonnes",
        "",
        "heavy",
        "3 cbm",
        "3 pallets",
        "20 days",
        "between 10 and 20",
    ],
)
def test_parse_weight_kg_rejects(text: str) -> None:
    assert parse_weight_kg(text) is None


@pytest.mark.parametrize(
    ("text", "cbm"),
    [
        ("3 cbm", 3.0),
        ("3 CBM", 3.0),
        ("3 m3", 3.0),
        ("3 m³", 3.0),
        ("3 cubic metres", 3.0),
        ("3 cubic meters", 3.0),
        ("about 2.5 cbm", 2.5),
        ("0.5", 0.5),
        ("120x80x100 cm", 0.96),
        ("120 x 80 x 100", 0.96),
        ("120 by 80 by 100 cm", 0.96),
        ("1.2 x 0.8 x 1 m", 0.96),
        ("1.2 x 0.8 x 1", 0.96),
        ("1200x800x1000mm", 0.96),
        ("2 pallets of 120 x 100 x 150 cm", 3.6),
        ("2 x 120x100x150cm", 3.6),
        ("120x100x150 cm x 3", 5.4),
        ("120 x 100 x 150cm, 4 pallets", 7.2),
        ("60*40*40cm each", 0.096),
        ("100 cubic feet", 2.8317),
    ],
)
def test_parse_volume_cbm(text: str, cbm: float) -> None:
    assert parse_volume_cbm(text) == pytest.approx(cbm, rel=1e-4)


@pytest.mark.parametrize(
    "text", ["0 cbm", "-2 cbm", "9000 cbm", "", "big", "250 kg", "0 x 80 x 100 cm"]
)
def test_parse_volume_cbm_rejects(text: str) -> None:
    assert parse_volume_cbm(text) is None
