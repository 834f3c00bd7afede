"""How serious a complaint is, judged from its category, its words and the shipment.

The severity picks the service level (how soon a colleague must follow up) and whether a
person takes the conversation over at once. Plain Python: imports domain only.
"""

from __future__ import annotations

import re

from bot.domain.service_levels import SEVERITIES
from bot.domain.shipments import ShipmentView

_SEVERITY_RANK = {severity: rank for rank, severity in enumerate(SEVERITIES)}

# Base severity of each category before the content is read: a lost shipment is more
# serious than a late one; a late one, on its own, is the least.
_BASE_SEVERITY: dict[str, str] = {
    "damaged": "medium",
    "lost": "high",
    "late": "low",
    "missing_items": "medium",
    "billing": "low",
    "staff_conduct": "medium",
    "missed_pickup": "medium",
    "other": "low",
}
# Categories about the goods themselves, where what the goods are matters.
_GOODS_CATEGORIES = frozenset({"damaged", "lost", "late", "missing_items", "missed_pickup"})


def _words(*patterns: str) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(patterns) + r")\b", re.IGNORECASE)


_SAFETY_OR_LEGAL = _words(
    r"lawyers?",
    r"solicitors?",
    r"legal action",
    r"sue",
    r"suing",
    r"court",
    r"police",
    r"injur(?:y|ies|ed)",
    r"hurt",
    r"hospital",
    r"ambulance",
    r"fire",
    r"dangerous goods",
    r"toxic",
    r"chemical (?:leak|spill)",
)
_THEFT = _words(r"stolen", r"theft", r"thief", r"tampered", r"opened and resealed")
_MEDICAL = _words(
    r"medicines?",
    r"medications?",
    r"medical",
    r"insulin",
    r"vaccines?",
    r"prescriptions?",
    r"blood samples?",
    r"specimens?",
    r"pharmaceuticals?",
    r"clinical",
    r"organs? for transplant",
)
_PERISHABLE = _words(
    r"perishables?",
    r"frozen",
    r"chilled",
    r"refrigerated",
    r"cold chain",
    r"fresh",
    r"food",
    r"seafood",
    r"fruits?",
    r"vegetables?",
    r"flowers?",
    r"live animals?",
    r"meat",
)
_HIGH_VALUE_WORDS = _words(
    r"high[- ]value",
    r"valuables?",
    r"jewell?e?ry",
    r"diamonds?",
    r"gold",
    r"luxury",
    r"artwork",
    r"antiques?",
)
_URGENT = _words(
    r"urgent(?:ly)?",
    r"asap",
    r"as soon as possible",
    r"emergency",
    r"deadline",
    r"production line",
    r"time[- ]critical",
)
_REPEATED = _words(
    r"again", r"second time", r"third time", r"repeatedly", r"every time", r"still not"
)
# Money amounts: "HK$80,000", "USD 12k", "50000 HKD", "$1.2m". A bare "$" is taken as
# Hong Kong dollars, since that is where we are.
_CURRENCY = r"HK\$|HKD|US\$|USD|RMB|CNY|EUR|GBP|€|£|\$"
_AMOUNT = re.compile(
    rf"(?P<pre>{_CURRENCY})\s?(?P<num>\d[\d,]*(?:\.\d+)?)\s?(?P<mult>k|m|million)?\b"
    rf"|\b(?P<num2>\d[\d,]*(?:\.\d+)?)\s?(?P<mult2>k|m|million)?\s?(?P<post>HKD|USD|RMB|CNY|EUR|GBP)\b",
    re.IGNORECASE,
)
# Rough rates to Hong Kong dollars: only used to tell a high-value shipment, not to price.
_TO_HKD: dict[str, float] = {
    "HK$": 1.0,
    "HKD": 1.0,
    "$": 1.0,
    "US$": 7.8,
    "USD": 7.8,
    "RMB": 1.1,
    "CNY": 1.1,
    "EUR": 8.5,
    "€": 8.5,
    "GBP": 9.9,
    "£": 9.9,
}
#: A shipment worth at least this much (in HKD) counts as high value.
HIGH_VALUE_HKD = 50_000


def _largest_amount_hkd(text: str) -> float:
    largest = 0.0
    for match in _AMOUNT.finditer(text):
        currency = (match.group("pre") or match.group("post") or "").upper()
        number = float((match.group("num") or match.group("num2")).replace(",", ""))
        multiplier = (match.group("mult") or match.group("mult2") or "").lower()
        number *= {"k": 1e3, "m": 1e6, "million": 1e6}.get(multiplier, 1.0)
        largest = max(largest, number * _TO_HKD.get(currency, 1.0))
    return largest


def _at_least(severity: str, floor: str) -> str:
    return floor if _SEVERITY_RANK[floor] > _SEVERITY_RANK[severity] else severity


def assess_severity(category: str, description: str, shipment: ShipmentView | None) -> str:
    """Judge how serious a complaint is from its category, its words and the shipment.

    The rules, in order (each can only raise the severity):

    1. Start from the category: ``lost`` high; ``damaged``, ``missing_items``,
       ``staff_conduct``, ``missed_pickup`` medium; ``late``, ``billing``, ``other`` low.
    2. Safety or legal words (lawyer, solicitor, legal action, sue, court, police,
       injury, hurt, hospital, ambulance, fire, dangerous goods, toxic, chemical leak)
       make any complaint critical.
    3. For a complaint about the goods (damaged, lost, late, missing items, missed
       collection): medical goods (medicine, insulin, vaccines, blood samples...) make it
       critical; perishables (frozen, chilled, fresh food, flowers, live animals...) at
       least high.
    4. High value (words such as jewellery, gold, luxury, high-value, or an amount of
       HKD 50,000 or more in any common currency): lost becomes critical; damaged or
       missing items at least high; late or missed collection at least medium; a billing
       dispute of that size at least medium.
    5. Theft or tampering words (stolen, tampered...) make it at least high.
    6. The shipment: a whole container lost (sea FCL) is critical; a late shipment that
       our system already shows as an exception is at least medium.
    7. Urgency (urgent, ASAP, deadline, production line...) or a repeated failure
       (again, third time, still not...) raise it one level, but never above high: only
       the rules above make a complaint critical.

    Words are matched as whole words, case-insensitively; negations ("no one was hurt")
    are not understood, which errs on the side of a faster follow-up.

    Args:
        category: a code of :data:`CATEGORIES`.
        description: the customer's words.
        shipment: the shipment the complaint is about, if known.

    Returns:
        One of ``low``, ``medium``, ``high``, ``critical``.

    Raises:
        ValueError: unknown category.
    """
    if category not in _BASE_SEVERITY:
        raise ValueError(f"unknown complaint category {category!r}")
    text = description or ""
    severity = _BASE_SEVERITY[category]
    if _SAFETY_OR_LEGAL.search(text):
        return "critical"
    goods = category in _GOODS_CATEGORIES
    if goods and _MEDICAL.search(text):
        return "critical"
    if goods and _PERISHABLE.search(text):
        severity = _at_least(severity, "high")
    high_value = bool(_HIGH_VALUE_WORDS.search(text)) or _largest_amount_hkd(text) >= HIGH_VALUE_HKD
    if high_value:
        if category == "lost":
            return "critical"
        if category in ("damaged", "missing_items"):
            severity = _at_least(severity, "high")
        elif category in ("late", "missed_pickup", "billing"):
            severity = _at_least(severity, "medium")
    if _THEFT.search(text):
        severity = _at_least(severity, "high")
    if shipment is not None:
        if category == "lost" and shipment.mode == "sea_fcl":
            return "critical"
        if category == "late" and shipment.status == "exception":
            severity = _at_least(severity, "medium")
    if (_URGENT.search(text) or _REPEATED.search(text)) and severity != "critical":
        raised = SEVERITIES[min(_SEVERITY_RANK[severity] + 1, _SEVERITY_RANK["high"])]
        severity = _at_least(severity, raised)
    return severity
