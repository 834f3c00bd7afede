"""DCSA Track & Trace events (ocean): the v2.2 flat shape and the v3 metadata/payload shape.

A body is one event or a list of them (as the DCSA callback and ``GET /events`` send).

v2.2 (flat)::

    {"eventID": "...", "eventType": "EQUIPMENT", "eventClassifierCode": "ACT",
     "eventDateTime": "2026-03-12T14:05:00+08:00", "eventCreatedDateTime": "...",
     "equipmentEventTypeCode": "LOAD", "equipmentReference": "MSCU1234566",
     "emptyIndicatorCode": "LADEN", "eventLocation": {"locationName": "Kwai Chung",
     "UNLocationCode": "HKHKG"},
     "documentReferences": [{"documentReferenceType": "BKG",
                             "documentReferenceValue": "BK123"}]}

v3 (``metadata`` + ``payload``; references as ``{"type": ..., "value": ...}``)::

    {"metadata": {"eventID": "...", "eventCreatedDateTime": "..."},
     "payload": {"eventType": "TRANSPORT", "eventClassifierCode": "EST",
                 "eventDateTime": "...", "transportEventTypeCode": "ARRI", ...}}

A shipment is matched by container number (``equipmentReference``), transport document
(``TRD``/``transportDocumentReference``) or booking (``BKG``/``carrierBookingReference``).
Planned and estimated arrivals (``PLN``/``EST`` ``ARRI``) update the ETA only. A
``SHIPMENT`` event is coded ``SHIPMENT:<code>``, so its codes never clash with equipment
ones. Customs: ``INSP`` (inspected) and a ``HOLD`` on a customs document put the shipment
in customs; a ``RELS`` of a customs hold moves it back to in transit.
"""

from __future__ import annotations

import json
from typing import Any

from bot.domain.carrier_events.model import (
    BOOKING,
    TRANSPORT_DOCUMENT,
    UNMAPPED,
    CarrierEvent,
    MalformedMessage,
    parse_moment,
)

SOURCE = "dcsa"

#: Laden container moves: where the goods are.
EQUIPMENT_STATUS: dict[str, str] = {
    "STUF": "picked_up",
    "PICK": "picked_up",
    "GTIN": "at_hub",
    "LOAD": "in_transit",
    "DISC": "at_hub",
    "GTOT": "out_for_delivery",
    "STRP": "at_hub",
    "DROP": "delivered",
    "INSP": "customs",
}
TRANSPORT_STATUS: dict[str, str] = {"DEPA": "in_transit", "ARRI": "at_hub"}
SHIPMENT_STATUS: dict[str, str] = {"CONF": "booked", "RECE": "booked", "HOLD": "exception"}
_CUSTOMS_DOCUMENTS = frozenset({"CUS", "CUSTOMS"})
_TRANSPORT_DOCUMENT_TYPES = frozenset({"TRD", "BOL", "SWB"})
_BOOKING_TYPES = frozenset({"BKG", "CBR"})


def parse(body: bytes) -> list[CarrierEvent]:
    """Read a DCSA body (one event or a list).

    Raises:
        MalformedMessage: not JSON, or any event lacks what is needed; names each problem.
    """
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MalformedMessage([f"body is not JSON ({exc})"]) from None
    items = data if isinstance(data, list) else [data]
    if not items:
        raise MalformedMessage(["no events in the body"])
    events: list[CarrierEvent] = []
    problems: list[str] = []
    for index, item in enumerate(items, start=1):
        try:
            events.extend(_event(item))
        except MalformedMessage as exc:
            problems.extend(f"event {index}: {p}" for p in exc.problems)
    if problems:
        raise MalformedMessage(problems)
    return events


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _references(event: dict[str, Any]) -> dict[str, str]:
    found: dict[str, str] = {}
    for ref in event.get("documentReferences") or []:
        if not isinstance(ref, dict):
            continue
        kind = _text(ref.get("documentReferenceType") or ref.get("type")).upper()
        value = _text(ref.get("documentReferenceValue") or ref.get("value"))
        if value and kind in _BOOKING_TYPES:
            found.setdefault(BOOKING, value)
        elif value and kind in _TRANSPORT_DOCUMENT_TYPES:
            found.setdefault(TRANSPORT_DOCUMENT, value)
    if _text(event.get("carrierBookingReference")):
        found.setdefault(BOOKING, _text(event["carrierBookingReference"]))
    if _text(event.get("transportDocumentReference")):
        found.setdefault(TRANSPORT_DOCUMENT, _text(event["transportDocumentReference"]))
    # A SHIPMENT event names its own document.
    document_type = _text(event.get("documentTypeCode")).upper()
    document_id = _text(event.get("documentID") or event.get("documentReference"))
    if document_id and document_type in ("BKG", "CBR"):
        found.setdefault(BOOKING, document_id)
    elif document_id and document_type in ("TRD", "SHI"):
        found.setdefault(TRANSPORT_DOCUMENT, document_id)
    return found


def _location(event: dict[str, Any]) -> str:
    for holder in (event.get("eventLocation"), (event.get("transportCall") or {}).get("location")):
        if isinstance(holder, dict):
            name = _text(holder.get("locationName"))
            code = _text(holder.get("UNLocationCode"))
            if name and code:
                return f"{name} ({code})"[:120]
            if name or code:
                return (name or code)[:120]
    call = event.get("transportCall")
    if isinstance(call, dict) and _text(call.get("UNLocationCode")):
        return _text(call["UNLocationCode"])
    return ""


def _event(item: Any) -> list[CarrierEvent]:
    if not isinstance(item, dict):
        raise MalformedMessage(["is not a JSON object"])
    metadata = item.get("metadata")
    payload = item.get("payload")
    if isinstance(metadata, dict) or isinstance(payload, dict):  # v3
        if not isinstance(metadata, dict) or not isinstance(payload, dict):
            raise MalformedMessage(["a v3 event needs both metadata and payload objects"])
        event = {**payload, **{k: v for k, v in metadata.items() if k not in payload}}
    else:
        event = item
    problems: list[str] = []
    event_id = _text(event.get("eventID"))
    if not event_id:
        problems.append("eventID is missing")
    elif len(event_id) > 100:
        problems.append("eventID is longer than 100 characters")
    moment = parse_moment(event.get("eventDateTime"))
    if moment is None:
        problems.append(
            f"eventDateTime {event.get('eventDateTime')!r} is not an ISO 8601 time with an offset"
        )
    event_type = _text(event.get("eventType")).upper()
    classifier = _text(event.get("eventClassifierCode")).upper() or "ACT"
    if classifier not in ("ACT", "EST", "PLN", "REQ"):
        problems.append(f"eventClassifierCode {classifier!r} is not ACT, EST, PLN or REQ")
    code_field = {
        "EQUIPMENT": "equipmentEventTypeCode",
        "TRANSPORT": "transportEventTypeCode",
        "SHIPMENT": "shipmentEventTypeCode",
    }.get(event_type)
    if code_field is None:
        problems.append(
            f"eventType {event.get('eventType')!r} is not SHIPMENT, TRANSPORT or EQUIPMENT"
        )
        code = ""
    else:
        code = _text(event.get(code_field)).upper()
        if not code:
            problems.append(f"{code_field} is missing")
    container = _text(event.get("equipmentReference")).upper() or None
    references = _references(event)
    if container is None and not references:
        problems.append(
            "no equipmentReference, transport document or booking reference to match a shipment by"
        )
    if problems or moment is None:
        raise MalformedMessage(problems)
    actual = classifier == "ACT"
    status = UNMAPPED
    raw_code = code
    eta = None
    if event_type == "EQUIPMENT":
        empty = _text(event.get("emptyIndicatorCode")).upper() == "EMPTY"
        # An empty box being moved says nothing about the goods.
        status = UNMAPPED if empty else EQUIPMENT_STATUS.get(code, UNMAPPED)
        if empty:
            raw_code = f"{code} EMPTY"
    elif event_type == "TRANSPORT":
        status = TRANSPORT_STATUS.get(code, UNMAPPED)
        if code == "ARRI" and not actual:
            # An estimate's own time is when it was made; eventDateTime is the arrival.
            eta = moment
            moment = parse_moment(event.get("eventCreatedDateTime")) or moment
    else:
        raw_code = f"SHIPMENT:{code}"
        status = SHIPMENT_STATUS.get(code, UNMAPPED)
        document_type = _text(event.get("documentTypeCode")).upper()
        if code == "HOLD" and document_type in _CUSTOMS_DOCUMENTS:
            status = "customs"
        elif code == "RELS" and document_type in _CUSTOMS_DOCUMENTS:
            status = "in_transit"
    return [
        CarrierEvent(
            source=SOURCE,
            external_id=event_id,
            occurred_at=moment,
            status=status,
            raw_code=raw_code[:40],
            tracking_number=container,
            references=references,
            actual=actual,
            location=_location(event),
            description=_text(event.get("eventDescription") or event.get("description"))[:500],
            eta=eta,
            mode="sea_fcl" if container else None,
        )
    ]
