"""One adapter per sending format: the only list to extend when a carrier is added."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.domain.carrier_events import cargo_imp, dcsa, partner_json
from bot.domain.carrier_events.model import CarrierEvent

Adapter = Callable[[bytes, datetime], list[CarrierEvent]]

ADAPTERS: dict[str, Adapter] = {
    "dcsa": lambda body, _now: dcsa.parse(body),
    "cargo_imp": cargo_imp.parse,
    "partner": lambda body, _now: partner_json.parse(body),
}
