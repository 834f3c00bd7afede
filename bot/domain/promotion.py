"""Relevant promotion, never spam: after a quote or a tracking answer the assistant may
suggest one service that fits what the customer just asked about, at most once per
conversation, when ``config/sales.yml`` allows it.

The rules only suggest services in the catalogue (``knowledge_base/services.yml``):

- documents (up to 2 kg) priced on a slower service (economy, air), or an economy
  express shipment tracked -> Express, our fastest door-to-door service;
- an express shipment that is not small (over 5 kg) -> Economy express, cheaper when it
  isn't urgent;
- an air freight quote from 100 kg or 1 cbm -> sea freight LCL consolidation.

Accepting prices the suggested service for the same shipment (or, after a tracking
answer, starts a quote for it).
"""

from __future__ import annotations

from dataclasses import dataclass

#: Suggestions by code: the service to price and the catalogue key of the wording.
SUGGESTIONS: dict[str, tuple[str, str]] = {
    "express_documents": ("express", "sales.promo.express_documents"),
    "economy": ("economy", "sales.promo.economy"),
    "lcl_consolidation": ("sea_lcl", "sales.promo.lcl_consolidation"),
}
DOCUMENTS_MAX_KG = 2.0
ECONOMY_FROM_KG = 5.0
LCL_FROM_KG = 100.0
LCL_FROM_CBM = 1.0


@dataclass(frozen=True)
class Suggestion:
    """One service to suggest: ``code`` (a key of :data:`SUGGESTIONS`), the mode it
    prices and the catalogue key of its wording."""

    code: str

    @property
    def mode(self) -> str:
        return SUGGESTIONS[self.code][0]

    @property
    def wording_key(self) -> str:
        return SUGGESTIONS[self.code][1]


def after_quote(mode: str, weight_kg: float, volume_cbm: float | None) -> Suggestion | None:
    """The service worth suggesting after a quote for ``mode``, or None."""
    if mode in ("economy", "air") and weight_kg <= DOCUMENTS_MAX_KG:
        return Suggestion("express_documents")
    if mode == "express" and weight_kg > ECONOMY_FROM_KG:
        return Suggestion("economy")
    if mode == "air" and (weight_kg >= LCL_FROM_KG or (volume_cbm or 0.0) >= LCL_FROM_CBM):
        return Suggestion("lcl_consolidation")
    return None


def after_tracking(mode: str) -> Suggestion | None:
    """The service worth suggesting after a tracking answer, or None: a customer waiting
    on an economy express shipment hears of Express for their urgent ones."""
    if mode == "economy":
        return Suggestion("express_documents")
    return None


def offer_value(suggestion: Suggestion) -> str:
    """The ``pending_offer`` value of a suggestion: ``promotion:<code>``."""
    return f"promotion:{suggestion.code}"


def suggestion_of(offer: str | None) -> Suggestion | None:
    """The suggestion a ``pending_offer`` value stands for, or None."""
    if not offer or not offer.startswith("promotion:"):
        return None
    code = offer.partition(":")[2]
    return Suggestion(code) if code in SUGGESTIONS else None


def already_suggested(offers_made: list[str | None]) -> bool:
    """Whether any of the conversation's offers so far was a suggestion."""
    return any(suggestion_of(offer) is not None for offer in offers_made)
