"""What the customer is told about their complaint, in the customer's language.

The acknowledgement when it is taken, where it stands when they ask, the missed-promise
update and the outcome, and the one-time code's answers and mail. The words are the
catalogue's (``locales/<language>/complaints.yml``); times are given in the service
centre's zone, formatted for the language by :func:`bot.core.i18n.format_datetime`. The
reference is never translated, and neither is an outcome a colleague wrote.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import tzinfo

from bot.core.i18n import format_date, format_datetime, get_catalogue, t
from bot.domain.complaints.rules import RESOLVED
from bot.domain.complaints.views import ComplaintReceipt, ComplaintView


def category_label(category: str, language: str) -> str:
    """The customer's name for a category code ("damaged" -> "Damaged goods" / "貨物損壞").

    An unknown code (a category added to the service levels but not yet to the catalogue)
    is shown as it is rather than failing the answer.
    """
    key = f"complaints.category.{category}"
    return t(key, language) if get_catalogue().has(key) else category


def format_receipt(receipt: ComplaintReceipt, tz: tzinfo, language: str) -> str:
    """Write the acknowledgement of a complaint for the customer.

    Args:
        receipt: from :func:`create_complaint`.
        tz: the time zone to give the promise in.
        language: the conversation's language.

    Returns:
        E.g. "CMP-2026-00042 — a colleague will contact you by Thursday 26 Nov, 17:00
        (HKT). Until then, ..."; a repeat says it was already received.
    """
    key = "complaints.receipt" if receipt.created else "complaints.receipt.repeat"
    when = format_datetime(receipt.due_at, language, tz)
    return t(key, language, reference=receipt.reference, when=when)


_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def _sentence(text: str) -> str:
    """``text`` ending as a sentence: a full stop added in the text's own script."""
    text = text.strip()
    if text.endswith((".", "!", "?", "。", "！", "？")):
        return text
    return f"{text}。" if _HAN.fullmatch(text[-1:]) else f"{text}."


def format_status(view: ComplaintView, tz: tzinfo, language: str) -> str:
    """Tell the customer where their complaint stands and what happens next.

    Args:
        view: one of :func:`customer_complaints`.
        tz: the time zone to give times in.
        language: the conversation's language.
    """
    head = {
        "reference": view.reference,
        "category": category_label(view.category, language).lower(),
        "day": format_date(view.created_at, language, tz, year=True),
    }
    if view.status == RESOLVED:
        outcome = view.outcome or t("complaints.status.no_outcome", language)
        return t(
            "complaints.status.resolved",
            language,
            **head,
            resolved_on=format_date(view.resolved_at or view.created_at, language, tz, year=True),
            outcome=_sentence(outcome),
        )
    if view.first_followup_at is None:
        if view.overdue:
            key = "complaints.status.overdue"
        elif view.escalated_at is not None:
            key = "complaints.status.escalated"
        else:
            key = "complaints.status.open"
        return t(key, language, **head, when=format_datetime(view.due_at, language, tz))
    if view.overdue:
        return t("complaints.status.working_late", language, **head)
    when = format_datetime(view.resolution_due_at, language, tz)
    return t("complaints.status.working", language, **head, when=when)


def format_overdue_notice(view: ComplaintView, tz: tzinfo, language: str) -> str:
    """The one message a customer gets when the promised follow-up time was missed.

    Args:
        view: the complaint after escalation (``due_at`` is the new promise).
        tz: the time zone to give times in.
        language: the customer's conversation's language when the message is sent.
    """
    return t(
        "complaints.overdue_notice",
        language,
        reference=view.reference,
        promised=format_datetime(view.original_due_at, language, tz),
        when=format_datetime(view.due_at, language, tz),
    )


def format_resolution_notice(view: ComplaintView, tz: tzinfo, language: str) -> str:
    """The message that tells a customer the outcome of their complaint.

    Args:
        view: the resolved complaint.
        tz: the time zone (kept for symmetry with the other messages).
        language: the customer's conversation's language when the message is sent. The
            outcome is the colleague's own words and is sent as written.
    """
    del tz  # the outcome needs no times
    return t(
        "complaints.resolution_notice",
        language,
        reference=view.reference,
        category=category_label(view.category, language).lower(),
        outcome=_sentence(view.outcome or ""),
    )


# -- complaint status from another conversation (bot.domain.complaints.status_access) --
# Every answer before a right code is the same whatever exists: none says whether a
# reference, a contact or a complaint was found.


def format_status_not_in_this_chat(reference: str | None, language: str) -> str:
    """The answer when this conversation filed no complaint (with that reference)."""
    if reference:
        return t("complaints.status.not_in_this_chat_reference", language, reference=reference)
    return t("complaints.status.not_in_this_chat", language)


def format_code_maybe_sent(reference: str, minutes: int, language: str) -> str:
    """The one answer to a reference and a contact, whatever was found."""
    return t("complaints.status.code_maybe_sent", language, reference=reference, minutes=minutes)


def format_code_not_accepted(reference: str, language: str) -> str:
    """The one answer to any code that did not open the complaint."""
    return t("complaints.status.code_not_accepted", language, reference=reference)


def status_code_needs_reference(language: str) -> str:
    """The answer to a code sent without a reference."""
    return t("complaints.status.code_needs_reference", language)


def status_lookups_limited(language: str) -> str:
    """The answer when this conversation has looked up too many complaints lately."""
    return t("complaints.status.lookups_limited", language)


def status_unavailable(language: str) -> str:
    """The answer when the complaints database cannot be reached."""
    return t("complaints.status.unavailable", language)


@dataclass(frozen=True)
class CodeMessage:
    """The mail (or SMS) carrying a one-time code."""

    subject: str
    text: str


def format_code_message(reference: str, code: str, minutes: int, language: str) -> CodeMessage:
    """The mail (or SMS) carrying a one-time code to the complaint's contact, in the
    language of the conversation that asked for it."""
    return CodeMessage(
        subject=t("complaints.code_message.subject", language),
        text=t(
            "complaints.code_message.text",
            language,
            reference=reference,
            code=code,
            minutes=minutes,
        ),
    )
