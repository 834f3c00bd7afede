"""Our own JSON format for express and postal partners (documented in docs/events.md).

A body is one event or ``{"events": [...]}``; each event::

    {"event_id": "pn-000123",              # the partner's id of this event (required)
     "tracking_number": "RR123456785HK",   # any number we recognise (required)
     "status": "out_for_delivery",         # one of our statuses, else kept as the raw code
     "occurred_at": "2026-03-12T09:30:00+08:00",   # with an offset (required)
     "location": "Kwun Tong delivery base", "description": "With the courier",
     "eta": "2026-03-12" or a time with an offset,
     "mode": "express" | "economy", "service": "...", "origin": "...", "destination": "..."}
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from bot.domain.carrier_events.model import UNMAPPED, CarrierEvent, MalformedMessage, parse_moment
from bot.storage.models import MODES, STATUSES

SOURCE = "partner"


def parse(body: bytes) -> list[CarrierEvent]:
    """Read a partner body.

    Raises:
        MalformedMessage: names each event's problems.
    """
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MalformedMessage([f"body is not JSON ({exc})"]) from None
    items = data.get("events") if isinstance(data, dict) and "events" in data else [data]
    if not isinstance(items, list) or not items:
        raise MalformedMessage(["events must be a non-empty list"])
    events: list[CarrierEvent] = []
    problems: list[str] = []
    for index, item in enumerate(items, start=1):
        try:
            events.append(_event(item))
        except MalformedMessage as exc:
            problems.extend(f"event {index}: {p}" for p in exc.problems)
    if problems:
        raise MalformedMessage(problems)
    return events


def _text(item: dict[str, Any], key: str, limit: int, problems: list[str]) -> str:
    value = item.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        problems.append(f"{key} must be a string")
        return ""
    if len(value.strip()) > limit:
        problems.append(f"{key} is longer than {limit} characters")
    return value.strip()[:limit]


def _event(item: Any) -> CarrierEvent:
    if not isinstance(item, dict):
        raise MalformedMessage(["is not a JSON object"])
    problems: list[str] = []
    event_id = _text(item, "event_id", 100, problems)
    if not event_id:
        problems.append("event_id is missing")
    number = _text(item, "tracking_number", 40, problems)
    if not number:
        problems.append("tracking_number is missing")
    code = _text(item, "status", 40, problems)
    if not code:
        problems.append("status is missing")
    moment = parse_moment(item.get("occurred_at"))
    if moment is None:
        problems.append(
            f"occurred_at {item.get('occurred_at')!r} is not an ISO 8601 time with an offset"
        )
    eta: date | datetime | None = None
    raw_eta = item.get("eta")
    if raw_eta not in (None, ""):
        if isinstance(raw_eta, str) and len(raw_eta.strip()) == 10:
            try:
                eta = date.fromisoformat(raw_eta.strip())
            except ValueError:
                eta = None
        else:
            eta = parse_moment(raw_eta)
        if eta is None:
            problems.append(f"eta {raw_eta!r} is neither a date nor a time with an offset")
    mode = _text(item, "mode", 20, problems).lower() or None
    if mode is not None and mode not in MODES:
        problems.append(f"mode {mode!r} is not one of {', '.join(MODES)}")
    if problems or moment is None:
        raise MalformedMessage(problems)
    status = code.lower() if code.lower() in STATUSES else UNMAPPED
    return CarrierEvent(
        source=SOURCE,
        external_id=event_id,
        occurred_at=moment,
        status=status,
        raw_code=code[:40],
        tracking_number=number,
        location=_text(item, "location", 120, problems),
        description=_text(item, "description", 500, problems),
        eta=eta,
        mode=mode,
        service=_text(item, "service", 80, problems),
        origin=_text(item, "origin", 120, problems),
        destination=_text(item, "destination", 120, problems),
    )
