"""What every adapter produces: one carrier event in the project's terms."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from bot.storage.models import UTC

#: The status of an event whose code maps to none of ours: stored and shown with the
#: carrier's own code, never dropped, and never moving the shipment's status.
UNMAPPED = "other"

#: Kinds of reference besides a tracking number that a carrier may match a shipment by.
BOOKING = "booking"
TRANSPORT_DOCUMENT = "transport_document"
REFERENCE_KINDS: tuple[str, ...] = (BOOKING, TRANSPORT_DOCUMENT)


class MalformedMessage(ValueError):
    """A message that cannot be read; ``str()`` names every problem found, for the sender."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class CarrierEvent:
    """One shipment event as a sending system reported it.

    Attributes:
        source: the sending format ("dcsa", "cargo_imp", "partner").
        external_id: the sender's own id of the event (idempotency key, with the sender).
        tracking_number: a tracking number as given (container, air waybill, ...), if any.
        references: other references by kind (:data:`REFERENCE_KINDS`).
        occurred_at: when it happened (UTC), by the sender's clock.
        status: one of ``bot.storage.models.STATUSES``, or :data:`UNMAPPED`.
        raw_code: the sender's own code ("LOAD", "DEP", "ARR", "SHIPMENT:HOLD").
        actual: False for a planned or estimated event, which only updates the ETA.
        location: where, as the sender names it.
        description: the sender's text, if any.
        eta: a new estimated arrival, if the event gives one.
        mode: the shipment's mode, needed to create a shipment from this event.
        origin: where the shipment started, if the event says.
        destination: where it is going, if the event says.
        service: the product, if the event says.
    """

    source: str
    external_id: str
    occurred_at: datetime
    status: str
    raw_code: str
    tracking_number: str | None = None
    references: dict[str, str] = field(default_factory=dict)
    actual: bool = True
    location: str = ""
    description: str = ""
    eta: date | datetime | None = None
    mode: str | None = None
    origin: str = ""
    destination: str = ""
    service: str = ""


def parse_moment(value: object) -> datetime | None:
    """An ISO 8601 time with an offset, in UTC; None when absent, malformed or naive."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None or moment.utcoffset() is None:
        return None
    return moment.astimezone(UTC)
