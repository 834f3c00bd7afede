"""The sales moments of conversations (a price given or refused, a service suggested and
the answer) and the sales KPIs: quotes given, leads, conversion from quote to lead to won,
call-backs on time, promotion suggestions accepted.

Functions take an open session and flush; the caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.domain.clock import moment_of
from bot.storage.models import SALES_EVENT_KINDS, Lead, SalesEvent


def record_event(
    session: Session,
    *,
    sender_id: str,
    channel: str,
    kind: str,
    detail: str = "",
    language: str = "en",
    now: datetime | None = None,
) -> None:
    """Add one sales event (kinds: :data:`bot.storage.models.SALES_EVENT_KINDS`)."""
    if kind not in SALES_EVENT_KINDS:
        raise ValueError(f"unknown sales event {kind!r}")
    session.add(
        SalesEvent(
            at=moment_of(now),
            sender_id=sender_id[:255],
            channel=(channel or "")[:50],
            kind=kind,
            detail=(detail or "")[:60],
            language=(language or "en")[:5],
        )
    )
    session.flush()


def events_of(session: Session, sender_id: str) -> list[tuple[str, str]]:
    """This conversation's sales events as (kind, detail), oldest first."""
    rows = session.execute(
        select(SalesEvent.kind, SalesEvent.detail)
        .where(SalesEvent.sender_id == sender_id)
        .order_by(SalesEvent.at, SalesEvent.id)
    ).all()
    return [(str(kind), str(detail)) for kind, detail in rows]


def _rate(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(100.0 * part / whole, 1)


@dataclass(frozen=True)
class SalesFigures:
    """The sales KPIs of a period (rates in per cent, None when there is nothing to divide).

    Attributes:
        quotes_given: indicative prices the assistant gave.
        quotes_refused: quotes it could not give (expired card, lane not in the table...).
        leads: leads left in the period.
        leads_from_quotes: of them, those left after a price was given.
        won: leads of the period won so far; ``lost`` likewise.
        quote_to_lead: leads from quotes per quote given.
        lead_to_won: won per lead.
        quote_to_won: won leads that came from a quote, per quote given.
        callbacks_made: leads called back; ``callbacks_on_time`` by the promised time.
        callback_on_time_rate: on time per call-back made.
        promotions_offered, promotions_accepted: service suggestions and the yeses.
        promotion_acceptance: accepted per offered.
    """

    quotes_given: int
    quotes_refused: int
    leads: int
    leads_from_quotes: int
    won: int
    lost: int
    quote_to_lead: float | None
    lead_to_won: float | None
    quote_to_won: float | None
    callbacks_made: int
    callbacks_on_time: int
    callback_on_time_rate: float | None
    promotions_offered: int
    promotions_accepted: int
    promotion_acceptance: float | None


def sales_figures(session: Session, start: datetime, end: datetime) -> SalesFigures:
    """The sales KPIs of the events and leads from ``start`` (inclusive) to ``end``."""
    start, end = moment_of(start), moment_of(end)
    counts = dict(
        session.execute(
            select(SalesEvent.kind, func.count())
            .where(SalesEvent.at >= start, SalesEvent.at < end)
            .group_by(SalesEvent.kind)
        ).all()
    )
    leads = session.execute(
        select(Lead.status, Lead.quoted_amount, Lead.contacted_at, Lead.promise_kept).where(
            Lead.created_at >= start, Lead.created_at < end
        )
    ).all()
    quotes = int(counts.get("quote", 0))
    from_quotes = [row for row in leads if row.quoted_amount is not None]
    won = sum(1 for row in leads if row.status == "won")
    won_from_quotes = sum(1 for row in from_quotes if row.status == "won")
    called = [row for row in leads if row.contacted_at is not None]
    on_time = sum(1 for row in called if row.promise_kept)
    offered = int(counts.get("promotion_offered", 0))
    accepted = int(counts.get("promotion_accepted", 0))
    return SalesFigures(
        quotes_given=quotes,
        quotes_refused=int(counts.get("quote_refused", 0)),
        leads=len(leads),
        leads_from_quotes=len(from_quotes),
        won=won,
        lost=sum(1 for row in leads if row.status == "lost"),
        quote_to_lead=_rate(len(from_quotes), quotes),
        lead_to_won=_rate(won, len(leads)),
        quote_to_won=_rate(won_from_quotes, quotes),
        callbacks_made=len(called),
        callbacks_on_time=on_time,
        callback_on_time_rate=_rate(on_time, len(called)),
        promotions_offered=offered,
        promotions_accepted=accepted,
        promotion_acceptance=_rate(accepted, offered),
    )
