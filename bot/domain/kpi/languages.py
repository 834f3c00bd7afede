"""Conversations by language: what the event stream recorded, and the KPIs per language.

The event-stream consumer (:mod:`bot.engine.eventstream.facts`) keeps each conversation's
language in its facts. Staff pages read it here: the language of a customer's latest
conversation (the console's queue), and the dashboard's table of KPIs per language, the
same formulas as every other view (:mod:`bot.domain.kpi.formulas`) grouped by language.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.core.i18n import LANGUAGES, language_name
from bot.domain.kpi.dashboard import NO_FILTERS, Filters, by_dimension, compute_filtered
from bot.domain.kpi.formulas import KPI_BY_CODE, Kpi, period_bounds
from bot.storage.models import ConversationFact

#: The KPIs of the dashboard's per-language table, in column order.
LANGUAGE_KPIS: tuple[str, ...] = (
    "containment",
    "fallback",
    "csat",
    "fcr",
    "nps",
    "response_rate",
    "queue_wait_p50",
    "promise_kept",
)


def conversation_language_of(session: Session, sender_id: str) -> str | None:
    """The language of the sender's latest conversation as its facts recorded it, or None
    when the event-stream consumer has not seen the conversation yet."""
    return session.scalar(
        select(ConversationFact.language)
        .where(ConversationFact.sender_id == sender_id)
        .order_by(ConversationFact.session_started_at.desc())
        .limit(1)
    )


def latest_languages(session: Session, sender_ids: Iterable[str]) -> dict[str, str]:
    """Each sender's latest conversation language, for the senders the facts know.

    One statement: each sender's newest session start, joined back to its row.
    """
    wanted = sorted(set(sender_ids))
    if not wanted:
        return {}
    fact = ConversationFact
    newest = (
        select(fact.sender_id, func.max(fact.session_started_at).label("started"))
        .where(fact.sender_id.in_(wanted))
        .group_by(fact.sender_id)
        .subquery()
    )
    rows = session.execute(
        select(fact.sender_id, fact.language).join(
            newest,
            (fact.sender_id == newest.c.sender_id) & (fact.session_started_at == newest.c.started),
        )
    )
    return {str(sender): str(language) for sender, language in rows}


@dataclass(frozen=True)
class LanguageRow:
    """One language's figures in a period."""

    language: str
    name: str
    conversations: int
    figures: dict[str, tuple[float | None, int]]


def language_rows(
    session: Session, start: date, end: date, tz: ZoneInfo, filters: Filters = NO_FILTERS
) -> list[LanguageRow]:
    """:data:`LANGUAGE_KPIS` per conversation language over a period under filters.

    Every supported language gets a row, with no data rather than zero where it had no
    conversations; a language the facts hold that is no longer supported is listed too.
    Handoffs and complaints take the language of the customer's conversation at the time.
    """
    begin, until = period_bounds(start, end, tz)
    wanted: list[Kpi] = [KPI_BY_CODE[code] for code in LANGUAGE_KPIS]
    figures = compute_filtered(
        session, wanted, begin, until, filters, by_dimension("language"), tz=tz
    )
    seen = set(LANGUAGES)
    for found in figures.values():
        seen.update(found or {})
    ordered = [*LANGUAGES, *sorted(seen - set(LANGUAGES))]
    rows = []
    for language in ordered:
        per = {
            code: (figures[code] or {}).get(language, (None, 0))
            for code in LANGUAGE_KPIS
            if figures[code] is not None
        }
        count = (figures["containment"] or {}).get(language, (None, 0))[1]
        name = language_name(language) if language in LANGUAGES else language
        rows.append(LanguageRow(language, name, count, per))
    return rows
