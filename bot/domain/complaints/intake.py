"""Reading a complaint out of a chat: category, confirmation answers, the summary.

The complaint form collects category, what happened, an optional shipment and a contact,
then shows the summary for the customer to confirm or correct. This module holds the
parsing and wording so the Rasa actions stay thin.
"""

from __future__ import annotations

import re

# Category codes are bot.domain.service_levels.CATEGORIES' keys; the words are how
# customers say it.
_CATEGORY_WORDS: list[tuple[str, re.Pattern[str]]] = [
    (
        "missed_pickup",
        re.compile(
            r"missed (the |my )?(pick ?-?up|collection)|pick ?-?up (never|didn'?t|did not|was "
            r"missed|failed)|(never|didn'?t|did not) ((came|come|show up) to )?"
            r"(collect|pick (it |them )?up)|no[- ]?show",
            re.I,
        ),
    ),
    (
        "missing_items",
        re.compile(
            r"missing (item|piece|part|box|carton|pallet)s?|(items?|pieces?|parts?|box(es)?"
            r"|cartons?|pallets?) (were |are |is )?missing|incomplete"
            r"|short[- ]shipped|only \d+ of",
            re.I,
        ),
    ),
    (
        "damaged",
        re.compile(r"damag|broken|smashed|crushed|dented|torn|wet|leak|shattered|cracked", re.I),
    ),
    (
        "lost",
        re.compile(
            r"\blost\b|never (arrived|received|delivered)|disappeared|can'?t be found"
            r"|missing (parcel|shipment|package|container)",
            re.I,
        ),
    ),
    (
        "late",
        re.compile(
            r"\blate\b|delay|overdue|still (not|hasn'?t)|taking (too|so) long|slow|past the eta"
            r"|missed (the )?(delivery|deadline)",
            re.I,
        ),
    ),
    (
        "billing",
        re.compile(
            r"bill|invoice|overcharg|charged|refund|fee|payment|price|double[- ]charged", re.I
        ),
    ),
    (
        "staff_conduct",
        re.compile(
            r"rude|staff|driver|courier was|unprofessional|attitude|shout|impolite|behaviou?r", re.I
        ),
    ),
    ("other", re.compile(r"\bother\b|something else", re.I)),
]
CATEGORY_LABELS = {
    "damaged": "Damaged goods",
    "lost": "Lost shipment",
    "late": "Late delivery",
    "missing_items": "Missing items",
    "billing": "Billing",
    "staff_conduct": "Staff conduct",
    "missed_pickup": "Missed pick-up",
    "other": "Something else",
}
FIELDS = {
    "category": "complaint_category",
    "what happened": "complaint_description",
    "description": "complaint_description",
    "shipment": "complaint_shipment",
    "tracking": "complaint_shipment",
    "contact": "complaint_contact",
    "email": "complaint_contact",
    "phone": "complaint_contact",
}
NO_SHIPMENT = "none"
KEEP_CHAT = "this chat"
_NO = re.compile(
    r"^\s*(no|nope|none|n/?a|no number|i don'?t have (one|it)|don'?t have (one|it)|skip"
    r"|not sure)\b",
    re.I,
)
_YES = re.compile(
    r"^\s*(yes|yep|yeah|correct|submit|confirm|that'?s (right|correct)|looks good|ok(ay)?"
    r"|send it)\b",
    re.I,
)
_CHANGE = re.compile(r"\b(change|edit|correct|fix|update|wrong)\b", re.I)
_KEEP_CHAT = re.compile(r"\b(this chat|here|in (the|this) chat|telegram|keep (the )?chat)\b", re.I)


def guess_category(text: str) -> str | None:
    """The complaint category a customer's words point to, or None.

    Exact labels (the buttons' titles) and codes win; otherwise the first category whose
    words appear, in an order that puts specific cases (missed pick-up, missing items)
    before general ones (damaged, late).
    """
    cleaned = text.strip().lower()
    for code, label in CATEGORY_LABELS.items():
        if cleaned in (code, code.replace("_", " "), label.lower()):
            return code
    for code, pattern in _CATEGORY_WORDS:
        if pattern.search(text):
            return code
    return None


def says_no(text: str) -> bool:
    """True when the answer declines (no shipment number, skip)."""
    return bool(_NO.search(text))


def says_yes(text: str) -> bool:
    """True when the answer confirms."""
    return bool(_YES.search(text))


def wants_to_keep_chat(text: str) -> bool:
    """True when a customer asks to be contacted in this chat rather than by email/phone."""
    return bool(_KEEP_CHAT.search(text))


def field_to_change(text: str) -> str | None:
    """Slot name of the field the customer wants to correct ("change the contact")."""
    if not _CHANGE.search(text) and text.strip().lower() not in FIELDS:
        return None
    lowered = text.lower()
    for word, slot in FIELDS.items():
        if word in lowered:
            return slot
    return None


def format_summary(
    *, category: str, description: str, shipment: str | None, contact: str | None
) -> str:
    """The summary the customer confirms before the complaint is saved."""
    shown = description if len(description) <= 300 else description[:297] + "..."
    lines = [
        "Here is what I'll pass to our complaints team:",
        f"- Category: {CATEGORY_LABELS.get(category, category)}",
        f"- What happened: {shown}",
        f"- Shipment: {shipment if shipment and shipment != NO_SHIPMENT else 'not given'}",
        f"- Contact: {contact if contact and contact != KEEP_CHAT else 'this chat'}",
        "Shall I submit it, or would you like to change something?",
    ]
    return "\n".join(lines)
