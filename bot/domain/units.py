"""Read weights and volumes the way customers type them, in English or Chinese.

Both parsers return ``None`` rather than guess when the text is unclear, zero, negative
or absurd, so the caller can ask again instead of quoting on a wrong figure. Full-width
digits are folded first (５公斤), and Chinese units (公斤, 千克, 噸, 磅, 斤, 立方米, 個立方,
厘米) and simple Chinese numerals (五公斤, 兩個立方) are read as well.
"""

from __future__ import annotations

import re

from bot.core.i18n import normalise_input
from bot.core.i18n.numerals import CHINESE_DIGITS, chinese_integer

#: Heaviest shipment we accept from a customer's text; more is almost surely a typo.
MAX_WEIGHT_KG = 500_000.0
#: Largest volume we accept: about 85 forty-foot containers.
MAX_VOLUME_CBM = 5_000.0

_KG_PER_UNIT: dict[str, float] = {
    "kg": 1.0,
    "t": 1000.0,
    "lb": 0.45359237,
    "g": 0.001,
    # The Hong Kong catty (司馬斤), still how market goods are weighed.
    "catty": 0.60478982,
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
    **dict.fromkeys(["公斤", "千克", "kg重", "公斤重"], "kg"),
    **dict.fromkeys(["噸", "公噸"], "t"),
    **dict.fromkeys(["磅"], "lb"),
    **dict.fromkeys(["克", "公克"], "g"),
    **dict.fromkeys(["斤"], "catty"),
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
            "立方米",
            "立方公尺",
            "立方",
            "個立方",
            "個方",
            "方",
            "個cbm",
        ],
        "cbm",
    ),
    **dict.fromkeys(["cft", "cu ft", "cu. ft", "ft3", "ft³", "cubic feet", "cubic foot"], "cft"),
}
_METRES_PER_LENGTH_UNIT: dict[str, float] = {
    **dict.fromkeys(
        [
            "cm",
            "cms",
            "centimetre",
            "centimetres",
            "centimeter",
            "centimeters",
            "厘米",
            "釐米",
            "公分",
        ],
        0.01,
    ),
    **dict.fromkeys(
        ["mm", "millimetre", "millimetres", "millimeter", "millimeters", "毫米"], 0.001
    ),
    **dict.fromkeys(["m", "metre", "metres", "meter", "meters", "米"], 1.0),
    **dict.fromkeys(["in", "inch", "inches", '"', "吋"], 0.0254),
    **dict.fromkeys(["ft", "foot", "feet", "呎"], 0.3048),
}
_PIECE_WORDS = (
    r"(?:pieces?|pcs?|boxes|box|cartons?|ctns?|pallets?|plts?|skids?|crates?|packages?|pkgs?"
    r"|parcels?|bags?|cases?|drums?|units?|件|箱|個卡板|卡板|板|包|盒)"
)
# "3箱每箱20公斤", "2件各10kg": the Chinese way of saying "each".
_EACH_ZH = r"(?:每箱|每件|每個|每板|每包|每盒|各|每|，|,)?"


def _alternatives(words: list[str]) -> str:
    # Longest first, so "kgs" wins over "kg" and "cubic metres" over "cubic m".
    ordered = sorted(words, key=len, reverse=True)
    return "|".join(re.escape(w).replace(r"\ ", r"\s*") for w in ordered)


_NUMBER = r"(?P<{name}>-?\d+(?:\.\d+)?)"
_NUM = r"-?\d+(?:\.\d+)?"
_WEIGHT = re.compile(
    rf"(?:(?P<count>\d+)\s*(?:x|×|\*|{_PIECE_WORDS}\s*(?:of|at|@|x|×|,)?\s*{_EACH_ZH})"
    rf"\s*(?:about\s+|大約|大概|約)?)?"
    rf"{_NUMBER.format(name='value')}\s*(?P<unit>{_alternatives(list(_WEIGHT_UNIT_WORDS))})"
    r"(?![a-z0-9])",
    re.IGNORECASE,
)
_VOLUME = re.compile(
    rf"{_NUMBER.format(name='value')}\s*(?P<unit>{_alternatives(list(_VOLUME_UNIT_WORDS))})"
    r"(?![a-z0-9])",
    re.IGNORECASE,
)
_BY = r"\s*(?:x|×|\*|by|乘)\s*"
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
    rf"{_alternatives(list(_WEIGHT_UNIT_WORDS))}|{_PIECE_WORDS}|usd|hkd|\$|%|days?|weeks?"
    r"|蚊|元|日|天|星期|個禮拜)"
    r"(?![a-z])",
    re.IGNORECASE,
)


_ZH_DIGITS = CHINESE_DIGITS
# A Chinese numeral right before a unit or "個" ("五公斤", "兩個立方", "十二件", "三點五噸").
_ZH_NUMERAL = re.compile(
    r"(?<![\d.])(?P<whole>[零〇一二兩三四五六七八九十百千萬]+)(?:點(?P<frac>[零〇一二三四五六七八九]+))?"
    r"(?P<half>個半|半)?(?=\s*(?:個|公斤|千克|公噸|噸|磅|公克|克|斤|立方|方|件|箱|板|卡板|包|盒))"
)


def _zh_numerals(text: str) -> str:
    """Chinese numerals written before a unit, as digits ("兩個半立方" -> "2.5立方")."""

    def digits(match: re.Match[str]) -> str:
        value = str(chinese_integer(match.group("whole")))
        if match.group("frac"):
            value += "." + "".join(str(_ZH_DIGITS[c]) for c in match.group("frac"))
        elif match.group("half"):
            value += ".5"
        return value

    return _ZH_NUMERAL.sub(digits, text)


def _prepare(text: str) -> str:
    """Full-width forms folded, Chinese numerals as digits, "5個半" as 5.5, separators read."""
    # "千克" is a kilogram, not a thousand grams to be read as a numeral.
    text = _zh_numerals(normalise_input(text).replace("千克", "公斤"))
    text = re.sub(r"(\d+)\s*個半", r"\1.5個", text)
    return _clean_numbers(text)


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
            ``"about 12.5 kilos"``, ``"3 cartons of 20 kg"``, ``"5公斤"``, ``"５千克"``,
            ``"五公斤"``, ``"3箱每箱20公斤"``, or a bare ``"300"`` (kg).

    Returns:
        The weight in kg, or ``None`` when there is no readable weight, or it is zero,
        negative or over 500,000 kg.
    """
    text = _prepare(text)
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
            (one piece), ``"2 pallets of 120 x 100 x 150 cm"``, ``"2個立方"``, ``"2立方米"``,
            ``"120厘米x80厘米x100厘米"``, or a bare ``"0.5"`` (cbm).

    Returns:
        The volume in cbm, or ``None`` when there is no readable volume, or it is zero,
        negative or over 5,000 cbm.
    """
    text = _prepare(text)
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
