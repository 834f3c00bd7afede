"""The rules every part of the complaint flow shares: references, limits, statuses, errors.

One definition each, used by the domain, the actions and the console alike, so the
assistant and the staff tools cannot drift apart: a reference is ``CMP-YYYY-NNNNN``, a
description is at most :data:`MAX_DESCRIPTION` characters.
"""

from __future__ import annotations

import re

#: Longest description accepted; a longer one is refused, never cut.
MAX_DESCRIPTION = 20_000
#: Longest staff note or outcome.
MAX_NOTE = 20_000

#: The status of a closed complaint, and those of the ones still being worked.
RESOLVED = "resolved"
UNRESOLVED: tuple[str, ...] = ("open", "in_progress")

#: A reference as we write it (``CMP-2026-00042``), to find one quoted in a sentence.
# Bounded by ASCII letters and digits, not by \b: Chinese is written without spaces and
# its characters count as word characters, so "我嘅投訴CMP-2026-00042進度" has no \b.
REFERENCE_PATTERN = re.compile(r"(?<![A-Za-z0-9])CMP-\d{4}-\d{5}(?![A-Za-z0-9])", re.IGNORECASE)
# A reference as customers and staff type one ("cmp 2026 42", "CMP_2026_00042").
_TYPED_REFERENCE = re.compile(
    r"(?<![A-Za-z0-9])CMP[\s_-]*(\d{4})[\s_-]*(\d{1,6})(?![A-Za-z0-9])", re.IGNORECASE
)


class ComplaintError(ValueError):
    """A complaint cannot be stored or changed; the message can be shown as it is.

    Attributes:
        field: the input at fault (``category``, ``description``, ``contact``,
            ``shipment_ref``, ``reference``, ...), so the caller can ask for it again or,
            for ``shipment_ref``, decide to save without it.
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class ComplaintNotFound(ComplaintError):
    """No complaint has that reference."""


def format_reference(year: int, number: int) -> str:
    """The reference of the year's ``number``-th complaint: ``CMP-2026-00042``."""
    return f"CMP-{year:04d}-{number:05d}"


def find_reference(text: str) -> str | None:
    """The reference quoted in a customer's sentence, written as we write it, or None.

    Only the exact form (``CMP-2026-00042``, any case) counts: in free text a looser
    reading would take other numbers for a reference.
    """
    match = REFERENCE_PATTERN.search(text or "")
    return match.group().upper() if match else None


def normalise_reference(text: str) -> str | None:
    """Read a complaint reference as customers type it ("cmp 2026 42", "CMP-2026-00042").

    Returns:
        ``CMP-YYYY-NNNNN``, or None when the text holds no reference.
    """
    match = _TYPED_REFERENCE.search(text or "")
    if match is None:
        return None
    return format_reference(int(match.group(1)), int(match.group(2)))


def without_references(text: str) -> str:
    """``text`` with every reference, however typed, blanked out.

    The digits of a reference are neither a phone number nor a one-time code.
    """
    return _TYPED_REFERENCE.sub(" ", text or "")
