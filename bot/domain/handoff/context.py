"""What an agent reads about a handed-over customer, in plain words: what they wanted,
the shipment they asked about, their complaint, their last messages.

The handoff stores its context as ``{"intent", "slots", "last_messages", "shipment"}``
(``actions/handoff.py``). Tracking clears its ``tracking_number`` slot after each
look-up, so the shipment a customer tracked is read from the conversation's slot events
(:func:`last_tracked_number`) and kept under ``"shipment"``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.core.i18n import get_catalogue, t
from bot.domain.complaints.intake import NO_SHIPMENT
from bot.domain.complaints.wording import category_label
from bot.domain.handoff.views import HandoffView

#: The slots that name a shipment, the one tracking fills first.
SHIPMENT_SLOTS: tuple[str, ...] = ("tracking_number", "complaint_shipment")

#: The language staff read the console in.
STAFF_LANGUAGE = "en"

#: Longest customer message shown in a queue summary; the transcript has the whole text.
MESSAGE_CHARS = 300


def last_tracked_number(events: Iterable[Mapping[str, Any]]) -> str | None:
    """The last shipment number a conversation's slot events set (``None`` if none).

    Args:
        events: the conversation's events as Rasa stores them (plain dicts).
    """
    found = None
    for event in events:
        if event.get("event") == "slot" and event.get("name") in SHIPMENT_SLOTS:
            value = event.get("value")
            if isinstance(value, str) and value.strip() and value.strip() != NO_SHIPMENT:
                found = value.strip()
    return found


def shipment_number(context: Mapping[str, Any]) -> str | None:
    """The shipment a handoff is about: the one tracked, else one a slot still holds."""
    slots = context.get("slots")
    slots = slots if isinstance(slots, Mapping) else {}
    for value in (
        context.get("shipment"),
        *(slots.get(name) for name in SHIPMENT_SLOTS),
        context.get("tracking_number"),  # handoffs written before the context had "slots"
    ):
        if isinstance(value, str) and value.strip() and value.strip() != NO_SHIPMENT:
            return value.strip()
    return None


def wanted_text(intent: str | None, reason: str) -> str:
    """What the customer wanted, in words: "Track a shipment"; without a known topic, why
    they were handed over ("Asked for a person")."""
    topic = (intent or "").strip()
    if topic == "faq" or topic.startswith("faq/"):
        subject = topic[4:].replace("_", " ") or "FAQ"
        return t("console.wanted.faq", STAFF_LANGUAGE, topic=subject)
    key = f"console.wanted.{topic}"
    if topic and not topic.startswith("EXTERNAL_") and get_catalogue().has(key):
        return t(key, STAFF_LANGUAGE)
    reason_key = f"console.reason.{reason}"
    if get_catalogue().has(reason_key):
        return t(reason_key, STAFF_LANGUAGE)
    return reason.replace("_", " ")


@dataclass(frozen=True)
class CustomerRequest:
    """A handed-over customer's request as an agent reads it on the queue.

    Attributes:
        wanted: what they wanted ("Track a shipment", "Make a complaint").
        reason: why they were handed over, in words ("Asked for a person").
        shipment: the shipment number they asked about, if any.
        complaint: their complaint's category and words, if they were filing one.
        details: other details they gave ("mode: air", "destination: Tokyo").
        last_messages: their last messages before the handoff, oldest first.
        waiting_messages: what they wrote while waiting in the queue.
    """

    wanted: str
    reason: str
    shipment: str | None
    complaint: str | None
    details: tuple[str, ...]
    last_messages: tuple[str, ...]
    waiting_messages: tuple[str, ...]


_DETAIL_SLOTS = ("mode", "origin", "destination", "weight", "volume")


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MESSAGE_CHARS else text[: MESSAGE_CHARS - 1] + "…"


def customer_request(view: HandoffView) -> CustomerRequest:
    """The plain-word summary of ``view`` from its stored context (never internal names)."""
    context = view.context
    slots = context.get("slots")
    slots = slots if isinstance(slots, Mapping) else {}
    reason_key = f"console.reason.{view.reason}"
    reason = (
        t(reason_key, STAFF_LANGUAGE)
        if get_catalogue().has(reason_key)
        else view.reason.replace("_", " ")
    )
    complaint = None
    category = slots.get("complaint_category")
    description = slots.get("complaint_description")
    if category or description:
        label = category_label(str(category), STAFF_LANGUAGE) if category else ""
        complaint = ": ".join(p for p in (label, _short(str(description or ""))) if p)
    details = tuple(
        f"{name}: {slots[name]}" for name in _DETAIL_SLOTS if slots.get(name) not in (None, "")
    )
    last = context.get("last_messages")
    waiting = context.get("waiting_messages")
    return CustomerRequest(
        wanted=wanted_text(context.get("intent"), view.reason),
        reason=reason,
        shipment=shipment_number(context),
        complaint=complaint,
        details=details,
        last_messages=tuple(
            _short(m) for m in (last if isinstance(last, list) else []) if isinstance(m, str)
        ),
        waiting_messages=tuple(
            _short(str(m.get("text") or ""))
            for m in (waiting if isinstance(waiting, list) else [])
            if isinstance(m, Mapping)
        ),
    )
