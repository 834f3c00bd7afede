"""What a subscriber reads: one message per notice, in their language, with what happens
next; an exception adds an apology and the offer of a person (``locales/*/updates.yml``)."""

from __future__ import annotations

from datetime import date, datetime, time, tzinfo

from bot.core.i18n import format_date, format_datetime, t
from bot.domain.shipment_updates.outbox import ETA_SLIP, EXCEPTION
from bot.domain.shipments import next_step, status_text


def _eta(eta_text: str | None, tz: tzinfo, language: str) -> str:
    if not eta_text:
        return t("updates.eta_unknown", language)
    if len(eta_text) == 10:
        day = date.fromisoformat(eta_text)
        return format_date(datetime.combine(day, time(12), tzinfo=tz), language, tz)
    return format_datetime(datetime.fromisoformat(eta_text), language, tz)


def notice_text(
    number: str, kind: str, status: str, eta_text: str | None, tz: tzinfo, language: str
) -> str:
    """The message for one notice.

    Args:
        number: the shipment's tracking number.
        kind: the notice's kind (``bot.domain.shipment_updates.outbox``).
        status: the shipment's status when the notice was written.
        eta_text: its ETA then (ISO date or time), if known.
        tz: the service centre's zone, for times.
        language: the conversation's language.
    """
    lines = [t(f"updates.{kind}", language, number=number, status=status_text(status, language))]
    if kind == ETA_SLIP:
        lines.append(t("updates.new_eta", language, when=_eta(eta_text, tz, language)))
    lines.append(next_step(status, language))
    if kind == EXCEPTION:
        lines.append(t("updates.offer_person", language))
    lines.append(t("updates.how_to_stop", language))
    return "\n".join(lines)
