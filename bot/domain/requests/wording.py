"""What the customer is told about their request, in the customer's language.

The acknowledgement when it is taken, the answer to a request that cannot be taken, and
the outcome sent later. The words are the catalogue's (``locales/<language>/requests.yml``);
times are given in the service centre's zone, formatted for the language. The reference
is never translated, and neither is an outcome a colleague wrote.
"""

from __future__ import annotations

from datetime import date, tzinfo

from babel import dates as babel_dates

from bot.core.i18n import babel_locale, format_datetime, format_number, format_time, t
from bot.domain.requests.rules import DONE, PICKUP, PICKUP_RESCHEDULE, RequestError
from bot.domain.requests.views import RequestView


def kind_label(kind: str, language: str) -> str:
    """The customer's name for a request kind ("pickup" -> "pick-up" / "上門收件")."""
    return t(f"requests.kind.{kind}", language)


def service_label(service: str | None, language: str) -> str:
    """The customer's name for a pick-up's service."""
    return t(f"requests.service.{service or 'express'}", language)


def format_window(view: RequestView, tz: tzinfo, language: str) -> str:
    """A pick-up's window: "Mon 7 Dec 2026, 14:00 - 17:00" in the customer's language."""
    if view.ready_at is None or view.window_end is None:
        return ""
    return t(
        "requests.window",
        language,
        start=format_datetime(view.ready_at, language, tz),
        end=format_time(view.window_end, language, tz),
    )


def format_receipt(view: RequestView, tz: tzinfo, language: str) -> str:
    """The acknowledgement of a request taken (or of a repeat of one already taken)."""
    when = format_datetime(view.due_at, language, tz)
    if not view.created:
        return t("requests.receipt.repeat", language, reference=view.reference, when=when)
    if view.kind == PICKUP:
        return t(
            "requests.receipt.pickup",
            language,
            reference=view.reference,
            window=format_window(view, tz, language),
            address=view.address or "",
            pieces=format_number(view.pieces or 0, language),
            weight=format_number(view.weight_kg or 0, language),
            service=service_label(view.service, language),
            when=when,
        )
    if view.kind == PICKUP_RESCHEDULE:
        return t(
            "requests.receipt.reschedule",
            language,
            reference=view.reference,
            pickup=view.related_reference or "",
            window=format_window(view, tz, language),
            when=when,
        )
    return t(
        "requests.receipt",
        language,
        reference=view.reference,
        kind=kind_label(view.kind, language),
        subject=view.shipment_ref or view.related_reference or "",
        when=when,
    )


def format_error(error: RequestError, language: str) -> str:
    """What the customer is told when a request cannot be taken as given.

    A day (``2026-12-25``, or with a time) is written as the language writes dates.
    """
    params = {key: str(value) for key, value in error.params.items()}
    # A holiday is named in the conversation's language where the calendar gives it.
    holiday_zh = params.pop("holiday_zh", None)
    if language == "zh" and holiday_zh:
        params["holiday"] = holiday_zh
    if "day" in params:
        params["day"] = _written_day(params["day"], language)
    return t(error.key, language, **params)


def _written_day(value: str, language: str) -> str:
    day_text, _, clock = value.partition(" ")
    try:
        day = date.fromisoformat(day_text)
    except ValueError:
        return value
    written = babel_dates.format_date(
        day, "EEEE d MMM" if language == "en" else "M月d日 (EEEE)", locale=babel_locale(language)
    )
    return f"{written} {clock}".strip()


def format_outcome(view: RequestView, language: str) -> str:
    """The message telling a customer their request was done or refused.

    The outcome is the colleague's own words and is sent as written.
    """
    key = "requests.outcome.done" if view.status == DONE else "requests.outcome.refused"
    return t(
        key,
        language,
        reference=view.reference,
        kind=kind_label(view.kind, language),
        outcome=(view.outcome or "").strip(),
    )
