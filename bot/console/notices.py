"""The notes a console page shows after a redirect ("Saved.", "Could not be taken"), by key.

A redirect names a note by its key (``?done=note_saved``), never by its text: a link
someone else crafted can then only show one of these fixed texts, and an unknown key
shows nothing. The only values a note takes from the address are checked against a
strict form (:data:`FIELDS`): a complaint reference, a KPI code (shown as the KPI's
name), a target period and a number; a note missing one, or given a bad one, shows
nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import urlencode

from bot.domain.complaints.rules import REFERENCE_PATTERN
from bot.domain.kpi.formulas import KPI_BY_CODE
from bot.domain.kpi.targets import PERIOD_LABEL
from bot.domain.requests.rules import REFERENCE_PATTERN as REQUEST_REFERENCE

_NUMBER = re.compile(r"^-?\d{1,9}(\.\d{1,4})?$")


def _reference(value: str) -> str | None:
    if REFERENCE_PATTERN.fullmatch(value) or REQUEST_REFERENCE.fullmatch(value):
        return value.upper()
    return None


def _kpi(value: str) -> str | None:
    kpi = KPI_BY_CODE.get(value)
    return kpi.name if kpi is not None else None


_LEAD = re.compile(r"^LEAD-\d{5,9}$")

#: The values a note may take from the address, each with its check (None: refused).
FIELDS = {
    "lead": lambda value: value if _LEAD.match(value) else None,
    "ref": _reference,
    "kpi": _kpi,
    "period": lambda value: value if PERIOD_LABEL.match(value) else None,
    "value": lambda value: value if _NUMBER.match(value) else None,
}

#: Every note, by key; ``{ref}`` is the complaint reference given with it.
NOTICES: dict[str, str] = {
    # the queue and a conversation
    "take_failed": (
        "That conversation could not be taken: another colleague has it or it has ended."
    ),
    "rasa_down": (
        "The assistant could not be reached, so nothing was changed. Try again in a moment."
    ),
    "finish_failed": "That conversation is no longer with you; nothing was changed.",
    "supervise_failed": (
        "That conversation could not be changed: it has ended, it belongs to a team you "
        "do not lead, or that colleague has no active account."
    ),
    "reassigned": "The conversation was reassigned and the customer told.",
    "reassigned_untold": (
        "The conversation was reassigned, but the customer could not be told just now."
    ),
    "closed": "The conversation was closed and the customer told.",
    "handed_back": "The conversation was handed back to the assistant.",
    # complaints
    "note_saved": "{ref}: note saved.",
    "assign_saved": "{ref}: assignment saved.",
    "resolved_sent": "{ref} resolved. The customer has been told the outcome.",
    "resolved_already_sent": "{ref} resolved. The customer had already been told the outcome.",
    "resolved_busy": "{ref} resolved. The follow-up worker is sending the outcome.",
    "resolved_failed": (
        "{ref} resolved. The customer could not be told the outcome yet; the follow-up "
        "worker will retry."
    ),
    # sales leads
    "lead_assigned": "{lead}: assignment saved.",
    "lead_contacted": "{lead}: marked contacted.",
    "lead_quoted": "{lead}: marked quoted.",
    "lead_won": "{lead}: won.",
    "lead_lost": "{lead}: marked lost.",
    # requests
    "complete_saved": "{ref} completed.",
    "refuse_saved": "{ref} refused.",
    "finished_sent": "{ref} closed. The customer has been told the outcome.",
    "finished_already_sent": "{ref} closed. The customer had already been told the outcome.",
    "finished_busy": "{ref} closed. The follow-up worker is sending the outcome.",
    "finished_failed": (
        "{ref} closed. The customer could not be told the outcome yet; the follow-up "
        "worker will retry."
    ),
    # the dashboard's targets
    "target_saved": "{kpi} ({period}): target {value} saved.",
}


def notice(query: Mapping[str, str], name: str) -> str | None:
    """The fixed text of the note named by ``query[name]``, or None.

    An unknown key, or a note whose values (:data:`FIELDS`) are missing or malformed,
    shows nothing.
    """
    text = NOTICES.get(query.get(name, ""))
    if text is None:
        return None
    values: dict[str, str] = {}
    for field, check in FIELDS.items():
        if "{" + field + "}" in text:
            value = check(query.get(field, "")[:40])
            if value is None:
                return None
            values[field] = value
    return text.format(**values)


def with_notice(path: str, name: str, key: str, **values: str) -> str:
    """``path`` with the note ``key`` as ``name`` (``done`` or ``error``) and its values.

    Raises:
        KeyError: ``key`` is not one of :data:`NOTICES`, or a value is not one of
            :data:`FIELDS`, so a typo fails in tests.
    """
    # A missing key is a bug: fail here, in tests, not silently on screen.
    unknown = [k for k in (key, *values) if k not in NOTICES and k not in FIELDS]
    if unknown or key not in NOTICES:
        raise KeyError(", ".join(unknown) or key)
    return f"{path}?{urlencode({name: key, **values})}"
