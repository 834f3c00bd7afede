"""The rules every part of the request flow shares: kinds, references, statuses, errors.

Errors carry a catalogue key (``requests.error.<code>``) and its placeholders, never
wording: the caller shows them in the customer's language (``locales/*/requests.yml``).
"""

from __future__ import annotations

import re
from typing import Any

#: Request kinds, in the order the assistant offers them.
PICKUP = "pickup"
PICKUP_CANCEL = "pickup_cancel"
PICKUP_RESCHEDULE = "pickup_reschedule"
ADDRESS_CHANGE = "address_change"
HOLD = "hold_for_collection"
REDELIVER = "redeliver"
INVOICE_COPY = "invoice_copy"
POD_COPY = "pod_copy"
KINDS: tuple[str, ...] = (
    PICKUP,
    PICKUP_CANCEL,
    PICKUP_RESCHEDULE,
    ADDRESS_CHANGE,
    HOLD,
    REDELIVER,
    INVOICE_COPY,
    POD_COPY,
)
#: Kinds about one of the customer's own shipments (checked like complaint ownership).
SHIPMENT_KINDS = frozenset({ADDRESS_CHANGE, HOLD, REDELIVER, INVOICE_COPY, POD_COPY})
#: Kinds about an earlier pick-up request of the customer's, named by its reference.
PICKUP_CHANGE_KINDS = frozenset({PICKUP_CANCEL, PICKUP_RESCHEDULE})

#: Business hours until a colleague confirms or completes a request of each kind.
PROMISE_HOURS: dict[str, float] = {
    PICKUP: 1.0,
    PICKUP_CANCEL: 1.0,
    PICKUP_RESCHEDULE: 1.0,
    ADDRESS_CHANGE: 2.0,
    HOLD: 2.0,
    REDELIVER: 4.0,
    INVOICE_COPY: 9.0,
    POD_COPY: 9.0,
}

OPEN = "open"
IN_PROGRESS = "in_progress"
DONE = "done"
REFUSED = "refused"
STATUSES: tuple[str, ...] = (OPEN, IN_PROGRESS, DONE, REFUSED)
UNFINISHED: tuple[str, ...] = (OPEN, IN_PROGRESS)
FINISHED: tuple[str, ...] = (DONE, REFUSED)

MAX_TEXT = 2_000
MAX_NOTE = 20_000

REFERENCE_PATTERN = re.compile(r"(?<![A-Za-z0-9])REQ-\d{4}-\d{5}(?![A-Za-z0-9])", re.IGNORECASE)
_TYPED_REFERENCE = re.compile(
    r"(?<![A-Za-z0-9])REQ[\s_-]*(\d{4})[\s_-]*(\d{1,6})(?![A-Za-z0-9])", re.IGNORECASE
)


class RequestError(ValueError):
    """A request cannot be taken or changed.

    Attributes:
        code: what is wrong; the customer's wording is ``requests.error.<code>``.
        field: the input at fault, so a form can ask for it again.
        params: the wording's placeholders.
    """

    def __init__(self, code: str, *, field: str | None = None, **params: Any) -> None:
        super().__init__(f"{code}: {params}" if params else code)
        self.code = code
        self.field = field
        self.params = params

    @property
    def key(self) -> str:
        """The catalogue key of the customer's wording."""
        return f"requests.error.{self.code}"


class RequestNotFound(RequestError):
    """No request has that reference (or it is not the asker's)."""


def format_reference(year: int, number: int) -> str:
    """The reference of the year's ``number``-th request: ``REQ-2026-00042``."""
    return f"REQ-{year:04d}-{number:05d}"


def normalise_reference(text: str) -> str | None:
    """Read a request reference as customers type it ("req 2026 42", "REQ-2026-00042")."""
    match = _TYPED_REFERENCE.search(text or "")
    if match is None:
        return None
    return format_reference(int(match.group(1)), int(match.group(2)))
