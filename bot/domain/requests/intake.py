"""Reading what customers say while a request is taken: which kind, cancel or move, yes or no.

Yes and no are read as for complaints (:mod:`bot.domain.complaints.intake`), so one answer
means the same in every form.
"""

from __future__ import annotations

import re

from bot.core.i18n import normalise_input
from bot.domain.complaints.intake import says_no, says_yes
from bot.domain.requests.rules import (
    ADDRESS_CHANGE,
    HOLD,
    INVOICE_COPY,
    PICKUP_CANCEL,
    PICKUP_RESCHEDULE,
    POD_COPY,
    REDELIVER,
)

__all__ = ["delivery_kind", "pickup_change", "pickup_field", "says_no", "says_yes"]

# Most specific first: "proof of delivery" is not a redelivery.
_DELIVERY_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (POD_COPY, re.compile(r"proof of delivery|\bpod\b|signature|signed|簽收|收貨證明", re.I)),
    (INVOICE_COPY, re.compile(r"invoice|receipt|\bbill\b|發票|收據|單據|賬單", re.I)),
    (HOLD, re.compile(r"hold|collect|pick (?:it )?up myself|自取|留倉|攞返|取件|自己拎", re.I)),
    (ADDRESS_CHANGE, re.compile(r"address|redirect|地址|轉寄|改送", re.I)),
    (
        REDELIVER,
        re.compile(
            r"re-?deliver|deliver (?:it )?again|new delivery|another delivery"
            r"|再派|重新派|再送|改期派",
            re.I,
        ),
    ),
)
_CANCEL = re.compile(r"cancel|don'?t need|no longer need|取消|唔要|唔使|不用", re.I)
_MOVE = re.compile(r"reschedul|change|move|another (?:day|time)|postpone|改|轉|延", re.I)
_FIELDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("pickup_address", re.compile(r"address|地址", re.I)),
    ("pickup_date", re.compile(r"\bday\b|date|日子|日期|邊日", re.I)),
    ("pickup_window", re.compile(r"time|window|時間|幾點", re.I)),
    ("pickup_pieces", re.compile(r"pieces?|boxes|cartons?|件數|件|箱", re.I)),
    ("pickup_weight", re.compile(r"weight|kg|重量|重", re.I)),
    ("pickup_service", re.compile(r"service|服務", re.I)),
)


def delivery_kind(text: str) -> str | None:
    """The delivery request a customer names ("deliver it again", "改地址"), or None."""
    clean = normalise_input(text or "")
    for kind, pattern in _DELIVERY_KINDS:
        if pattern.search(clean):
            return kind
    return None


def pickup_change(text: str) -> str | None:
    """``pickup_cancel`` or ``pickup_reschedule`` when the customer says which, else None."""
    clean = normalise_input(text or "")
    if _CANCEL.search(clean):
        return PICKUP_CANCEL
    if _MOVE.search(clean):
        return PICKUP_RESCHEDULE
    return None


def pickup_field(text: str) -> str | None:
    """The pick-up detail a customer wants to correct ("change the time", "改地址"), or None."""
    clean = normalise_input(text or "")
    for slot, pattern in _FIELDS:
        if pattern.search(clean):
            return slot
    return None
