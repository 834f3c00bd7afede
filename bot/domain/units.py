"""Read weights and volumes the way customers type them.

Both parsers return ``None`` rather than guess when the text is unclear, zero, negative
or absurd, so the caller can ask again instead of quoting on a wrong figure.
"""

from __future__ import annotations

import re

#: Heaviest shipment we accept from a customer's text; more is almost surely a typo.
MAX_WEIGHT_KG = 500_000.0
#: Largest volume we accept: about 85 forty-foot containers.
MAX_VOLUME_CBM = 5_000.0

_KG_PER_UNIT: dict[str, float] = {
    "kg": 1.0,
    "t": 1000.0,
    "lb": 0.45359237,
    "g": 0.001,
}
_WEIGHT_UNIT_WORDS: dict[str, str] = {
    **dict.fromkeys(
        ["kg", "kgs", "kilo", "kilos", "kilogram", "kilograms", "kilogramme", "kilogrammes"],
        "kg",
    ),
    **dict.fromkeys(
        ["t", "ton", "tons", "tonne", "tonnes", "mt", "metric ton", "metric tons"], "t"
    ),
    **dict.fromkeys(["lb", "lbs", "pound", "pounds"], "lb"),
    **dict.fromkeys(["g", "gram", "grams", "gramme", "grammes"], "g"),
}
_CBM_PER_UNIT: dict[str, float] = {"cbm": 1.0, "cft": 0.028316846592}
_VOLUME_UNIT_WORDS: dict[str, str] = {
    **dict.fromkeys(
        [
            "cbm",
            "cbms",
            "m3",
            "m³",
            "cu m",
            "cu.m",
            "cu. m",
            "cubic m",
            "cubic metre",
            "cubic metres",
            "cubic meter",
            "cubic meters",
        ],
        "cbm",
    ),
    **dict.fromkeys(["cft", "cu ft", "cu. ft", "ft3", "ft³", "cubic feet", "cubic foot"], "cft"),
}
_METRES_PER_LENGTH_UNIT: dict[str, float] = {
    **dict.fromkeys(["cm", "cms", "centimetre", "centimetres", "centimeter", "centimeters"], 0.01),
    **dict.fromkeys(["mm", "millimetre", "millimetres", "millimeter", "millimeters"], 0.001),
    **dict.fromkeys(["m", "metre", "metres", "meter", "meters"], 1.0),
    **dict.fromkeys(["in", "inch", "inches", '"'], 0.0254),
    **dict.fromkeys(["ft", "foot", "feet"], 0.3048),
}
_PIECE_WORDS = (
    r"(?:pieces?|pcs?|boxes|box|cartons?|ctns?|pallets?|plts?|skids?|crates?|packages?|pkgs?"
    r"|parcels?|bags?|cases?|drums?|units?)"
)


def _alternatives(words: list[str]) -> str:
    # Longest first, so "kgs" wins over "kg" and "cubic metres" over "cubic m".
    ordered = sorted(words, key=len, reverse=True)
    return "|".join(re.escape(w).replace(r"\ ", r"\s*") for w in ordered)


_NUMBER = r"(?P<{name}>-?\d+(?:\.\d+)?)"
_NUM = r"-?\d+(?:\.\d+)?"
_WEIGHT = re.compile(
    rf"(?:(?P<count>\d+)\s*(?:x|×|\*|{_PIECE_WORDS}\s*(?:of|at|@|x|×|,)?)\s*(?:about\s+)?)?"
    rf"{_NUMBER.format(name='value')}\s*(?P<unit>{_alternatives(list(_WEIGHT_UNIT_WORDS))})"
    r"(?![a-z0-9])",
    re.IGNORECASE,
)
_VOLUME = re.compile(
    rf"{_NUMBER.format(name='value')}\s*(?P<unit>{_alternatives(list(_VOLUME_UNIT_WORDS))})"
    r"(?![a-z0-9])",
    re.IGNORECASE,
)
_BY = r"\s*(?:x|×|\*|by)\s*"
_LENGTH_UNIT = _alternatives([u for u in _METRES_PER_LENGTH_UNIT if u != '"']) + '|"'
_DIMENSIONS = re.compile(
    rf"(?:(?P<count>\d+)\s*(?:x|×|\*|{_PIECE_WORDS}\s*(?:of|at|@|x|×|,|measuring|each)?)\s*)?"
    rf"(?P<a>{_NUM})\s*(?:{_LENGTH_UNIT})?{_BY}(?P<b>{_NUM})\s*(?:{_LENGTH_UNIT})?{_BY}"
    rf"(?P<c>{_NUM})\s*(?P<unit>{_LENGTH_UNIT})?(?![a-z0-9])"
    rf"(?:\s*(?:each|per piece|apiece))?"
    rf"(?:\s*(?:,|x|×|\*)?\s*(?P<count_after>\d+)\s*{_PIECE_WORDS}?(?![a-z0-9.]))?",
    re.IGNORECASE,
)
_ANY_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_OTHER_UNITS = re.compile(
    rf"(?<![a-z])(?:{_alternatives(list(_VOLUME_UNIT_WORDS))}|{_LENGTH_UNIT}|cm|mm|"
    rf"{_alternatives(list(_WEIGHT_UNIT_WORDS))}|{_PIECE_WORDS}|usd|hkd|\$|%|days?|weeks?)"
    r"(?![a-z])",
    re.IGNORECASE,
)


def _unit(table: dict[str, str], written: str) -> str:
    """The canonical unit of ``written``, however it was spaced ("cu.m", "cubic  metres")."""
    squeezed = {key.replace(" ", ""): value for key, value in table.items()}
    return squeezed[re.sub(r"\s+", "", written.lower())]


def _clean_numbers(text: str) -> str:
    """Drop thousands separators ("1,200") and read a decimal comma ("1,5") as a point."""
    text = re.sub(r"(?<=\d),(?=\d{3}(?!\d))", "", text)
    return re.sub(r"(?<=\d),(?=\d)", ".", text)


def _bare_number(text: str) -> float | None:
    """The only number of a text that has no units at all, e.g. "about 300"."""
    numbers = _ANY_NUMBER.findall(text)
    if len(numbers) != 1 or _OTHER_UNITS.search(text):
        return None
    return float(numbers[0])


def _in_range(value: float | None, maximum: float) -> float | None:
    if value is None or not 0 < value <= maximum:
        return None
    return value


def parse_weight_kg(text: str) -> float | None:
    """Read a weight in kilograms from customer text.

    Args:
        text: e.g. ``"250 kg"``, ``"250kgs"``, ``"1.5 tonnes"``, ``"2 t"``, ``"40 lbs"``,
            ``"about 12.5 kilos"``, ``"3 cartons of 20 kg"``, or a bare ``"300"`` (kg).

    Returns:
        The weight in kg, or ``None`` when there is no readable weight, or it is zero,
        negative or over 500,000 kg.
    """
    text = _clean_numbers(text)
    match = _WEIGHT.search(text)
    if match is not None:
        unit = _unit(_WEIGHT_UNIT_WORDS, match.group("unit"))
        count = int(match.group("count")) if match.group("count") else 1
        kg: float | None = float(match.group("value")) * _KG_PER_UNIT[unit] * count
    else:
        kg = _bare_number(text)
    result = _in_range(kg, MAX_WEIGHT_KG)
    return None if result is None else round(result, 3)


def parse_volume_cbm(text: str) -> float | None:
    """Read a volume in cubic metres from customer text.

    Dimensions without a unit are read as centimetres, or as metres when all three are
    under 10 ("1.2 x 0.8 x 1").

    Args:
        text: e.g. ``"3 cbm"``, ``"3 m3"``, ``"3 cubic metres"``, ``"120x80x100 cm"``
            (one piece), ``"2 pallets of 120 x 100 x 150 cm"``, or a bare ``"0.5"`` (cbm).

    Returns:
        The volume in cbm, or ``None`` when there is no readable volume, or it is zero,
        negative or over 5,000 cbm.
    """
    text = _clean_numbers(text)
    cbm: float | None
    dims = _DIMENSIONS.search(text)
    volume = _VOLUME.search(text)
    if dims is not None:
        sides = [float(dims.group(k)) for k in ("a", "b", "c")]
        unit = (dims.group("unit") or "").lower()
        # No unit: small numbers are metres ("1.2 x 0.8 x 1"), larger ones centimetres.
        default = 1.0 if max(sides) < 10 else 0.01
        factor = _METRES_PER_LENGTH_UNIT[unit] if unit else default
        count = int(dims.group("count") or dims.group("count_after") or 1)
        if min(sides) <= 0:
            return None
        cbm = sides[0] * sides[1] * sides[2] * factor**3 * count
    elif volume is not None:
        unit = _unit(_VOLUME_UNIT_WORDS, volume.group("unit"))
        cbm = float(volume.group("value")) * _CBM_PER_UNIT[unit]
    else:
        cbm = _bare_number(text)
    result = _in_range(cbm, MAX_VOLUME_CBM)
    return None if result is None else round(result, 4)
