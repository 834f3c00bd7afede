"""IATA Cargo-IMP FSU status messages (air), as plain text.

One message: the standard line, the air waybill line, then one line per status::

    FSU/13
    160-48219371HKGLHR/T10K250.0
    RCS/12MAR1405/HKG/T10K250.0
    DEP/CX255/13MAR0110/HKGLHR/T10K250.0
    ARR/CX255/13MAR0705/LHR/T10K250.0

The waybill line gives the air waybill (``prefix-serial``), origin and destination
airports. A status line starts with its code; its date is ``DDMMM`` with an optional
``HHMM`` local time at the airport (no year: the latest not after the time received). Several
messages may be sent in one body, separated by a blank line. FSU messages carry no id of
their own, so an event's id is its waybill, code, time, airport and flight: the same
status sent twice is the same event.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

from bot.domain.carrier_events.model import UNMAPPED, CarrierEvent, MalformedMessage
from bot.storage.models import UTC

SOURCE = "cargo_imp"

#: FSU status codes and where they leave the shipment, with the words a customer reads.
STATUS: dict[str, tuple[str, str]] = {
    "BKD": ("booked", "Booked on a flight"),
    "FOH": ("picked_up", "Received at the airline's warehouse"),
    "RCS": ("picked_up", "Accepted by the airline"),
    "PRE": ("at_hub", "Prepared for loading"),
    "MAN": ("at_hub", "Manifested on a flight"),
    "DEP": ("in_transit", "Departed"),
    "TFD": ("in_transit", "Transferred to another carrier"),
    "RCT": ("at_hub", "Received from another carrier"),
    "ARR": ("at_hub", "Arrived"),
    "RCF": ("at_hub", "Received from the flight"),
    "NFD": ("at_hub", "Ready for collection; consignee notified"),
    "AWD": ("at_hub", "Documents delivered to the consignee"),
    "CRC": ("customs", "Reported to customs"),
    "TGC": ("customs", "Handed to customs control"),
    "CCD": ("at_hub", "Cleared customs"),
    "DLV": ("delivered", "Delivered to the consignee"),
    "DDL": ("delivered", "Delivered to the consignee's door"),
    "DIS": ("exception", "Discrepancy reported"),
}

#: Local time zones of the airports we see most; others are read as UTC.
AIRPORT_ZONES: dict[str, str] = {
    "HKG": "Asia/Hong_Kong",
    "MFM": "Asia/Macau",
    "PVG": "Asia/Shanghai",
    "PEK": "Asia/Shanghai",
    "CAN": "Asia/Shanghai",
    "SZX": "Asia/Shanghai",
    "TPE": "Asia/Taipei",
    "NRT": "Asia/Tokyo",
    "HND": "Asia/Tokyo",
    "ICN": "Asia/Seoul",
    "SIN": "Asia/Singapore",
    "BKK": "Asia/Bangkok",
    "DXB": "Asia/Dubai",
    "LHR": "Europe/London",
    "FRA": "Europe/Berlin",
    "CDG": "Europe/Paris",
    "AMS": "Europe/Amsterdam",
    "JFK": "America/New_York",
    "ORD": "America/Chicago",
    "LAX": "America/Los_Angeles",
    "SYD": "Australia/Sydney",
}

_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_AWB_LINE = re.compile(r"^(\d{3})-?(\d{8})([A-Z]{3})([A-Z]{3})(?:/.*)?$")
_DATE = re.compile(r"^(\d{2})([A-Z]{3})(\d{4})?$")
_FLIGHT = re.compile(r"^[A-Z0-9]{2}\d{1,4}[A-Z]?$")
_AIRPORTS = re.compile(r"^[A-Z]{3}(?:[A-Z]{3})?$")


def _zone(airport: str) -> tzinfo:
    name = AIRPORT_ZONES.get(airport)
    return ZoneInfo(name) if name else UTC


def _moment(field: str, airport: str, now: datetime) -> datetime | None:
    match = _DATE.match(field)
    if match is None or match.group(2) not in _MONTHS:
        return None
    day, month = int(match.group(1)), _MONTHS.index(match.group(2)) + 1
    hhmm = match.group(3) or "0000"
    hour, minute = int(hhmm[:2]), int(hhmm[2:])
    if hour > 23 or minute > 59:
        return None
    candidates = []
    for year in (now.year - 1, now.year, now.year + 1):
        try:
            local = datetime(year, month, day, hour, minute, tzinfo=_zone(airport))
        except ValueError:
            continue
        candidates.append(local.astimezone(UTC))
    # A status has happened: the latest such date that is not in the future (two days'
    # grace for clocks and time zones).
    past = [moment for moment in candidates if moment <= now + timedelta(days=2)]
    return max(past) if past else None


def parse(body: bytes, now: datetime) -> list[CarrierEvent]:
    """Read one or more FSU messages.

    Args:
        body: the plain text (ASCII; CR LF or LF line ends).
        now: when it was received, to place a day and month in a year.

    Raises:
        MalformedMessage: names the line and what is wrong with it.
    """
    try:
        text = body.decode("ascii")
    except UnicodeDecodeError:
        raise MalformedMessage(["an FSU message is plain ASCII text"]) from None
    blocks = [b for b in re.split(r"\r?\n\s*\r?\n", text.strip()) if b.strip()]
    if not blocks:
        raise MalformedMessage(["the body is empty"])
    events: list[CarrierEvent] = []
    problems: list[str] = []
    for number, block in enumerate(blocks, start=1):
        prefix = f"message {number}: " if len(blocks) > 1 else ""
        try:
            events.extend(_message(block, now))
        except MalformedMessage as exc:
            problems.extend(prefix + p for p in exc.problems)
    if problems:
        raise MalformedMessage(problems)
    return events


def _message(block: str, now: datetime) -> list[CarrierEvent]:
    lines = [line.strip().upper() for line in block.splitlines() if line.strip()]
    if not lines[0].startswith("FSU"):
        raise MalformedMessage([f"line 1: {lines[0][:20]!r} is not FSU/<version>"])
    if len(lines) < 3:
        raise MalformedMessage(["an FSU needs a waybill line and at least one status line"])
    awb = _AWB_LINE.match(lines[1])
    if awb is None:
        raise MalformedMessage(
            [f"line 2: {lines[1][:40]!r} is not an air waybill line like 160-48219371HKGLHR/T10"]
        )
    number = f"{awb.group(1)}-{awb.group(2)}"
    origin, destination = awb.group(3), awb.group(4)
    events: list[CarrierEvent] = []
    problems: list[str] = []
    for line_no, line in enumerate(lines[2:], start=3):
        fields = line.split("/")
        code = fields[0]
        if code == "OSI" or not code:
            continue  # other service information: free text, no status
        if not re.fullmatch(r"[A-Z]{3}", code):
            problems.append(f"line {line_no}: {code[:10]!r} is not a three-letter status code")
            continue
        flight = next((f for f in fields[1:] if _FLIGHT.match(f) and not _DATE.match(f)), "")
        airports = next((f for f in fields[1:] if _AIRPORTS.match(f) and f not in _MONTHS), "")
        airport = airports[:3]
        if code == "ARR" or code == "RCF":
            airport = airports[-3:]
        date_field = next((f for f in fields[1:] if _DATE.match(f)), None)
        moment = _moment(date_field, airport, now) if date_field else None
        if moment is None:
            problems.append(f"line {line_no}: {code} has no valid date like 12MAR or 12MAR1405")
            continue
        status, words = STATUS.get(code, (UNMAPPED, ""))
        events.append(
            CarrierEvent(
                source=SOURCE,
                external_id=f"{number}/{code}/{moment:%Y%m%d%H%M}/{airport}/{flight}",
                occurred_at=moment,
                status=status,
                raw_code=code,
                tracking_number=number,
                location=airport,
                description=(f"{words} ({flight})" if flight and words else words),
                mode="air",
                origin=origin,
                destination=destination,
            )
        )
    if problems:
        raise MalformedMessage(problems)
    return events
