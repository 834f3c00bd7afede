"""The conversation log for managers: search, one conversation's record, survey comments,
and the one-row-per-conversation CSV export.

Everything reads the KPI store (``conversation_facts``, ``handoffs``,
``survey_responses``) page by page in SQL, newest first for browsing and by
``(session start, id)`` keyset for the export, so neither ever loads the table.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, literal, or_, select
from sqlalchemy.orm import Session, aliased

from bot.domain.kpi.dashboard import NO_FILTERS, Filters
from bot.domain.kpi.formulas import SOURCES, Expr, period_bounds
from bot.storage.models import UTC, ConversationFact, Handoff, SurveyResponse

#: Outcomes a conversation can be searched by, and how each is shown.
OUTCOMES: dict[str, str] = {
    "contained": "contained by the bot",
    "handed_off": "handed off",
    "fallback": "had a not-understood message",
    "clean": "contained, every message understood",
}

PAGE_SIZE = 50

#: Characters that make a spreadsheet read a cell as a formula (and the control
#: characters some also treat so).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _outcome(name: str | None) -> Expr | None:
    fact = ConversationFact
    if name == "contained":
        return fact.handed_off.is_(False)
    if name == "handed_off":
        return fact.handed_off.is_(True)
    if name == "fallback":
        return fact.fallback_count > 0
    if name == "clean":
        return and_(fact.handed_off.is_(False), fact.fallback_count == 0)
    return None


def _like_word(word: str) -> str:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"% {escaped} %"


def _conditions(
    begin: datetime, until: datetime, filters: Filters, intent: str | None, outcome: str | None
) -> list[Expr] | None:
    """Conditions on conversation facts.

    ``filters.intent`` is the conversation's first intent (the service, as the KPIs
    slice it); ``intent`` matches any intent the conversation had.
    """
    fact = ConversationFact
    clauses = filters.clauses(SOURCES["conversations"])
    if clauses is None:
        return None
    conditions = [fact.session_started_at >= begin, fact.session_started_at < until, *clauses]
    if intent:
        spaced = literal(" ") + fact.intents + literal(" ")
        conditions.append(spaced.like(_like_word(intent), escape="\\"))
    rule = _outcome(outcome)
    if rule is not None:
        conditions.append(rule)
    return conditions


@dataclass(frozen=True)
class ConversationRow:
    """One conversation in the log."""

    id: int
    sender_id: str
    started_at: datetime
    last_event_at: datetime
    channel: str
    intents: list[str]
    messages: int
    fallbacks: int
    handed_off: bool
    agent: str | None
    team: str | None
    account: str | None
    bot_first_response_ms: int | None
    language: str = "en"

    @property
    def outcome(self) -> str:
        """The outcome as people read it."""
        if self.handed_off:
            return f"handed off to {self.agent}" if self.agent else "handed off"
        if self.fallbacks:
            return f"contained, {self.fallbacks} not understood"
        return "contained"


def _row(fact: ConversationFact) -> ConversationRow:
    return ConversationRow(
        fact.id,
        fact.sender_id,
        fact.session_started_at,
        fact.last_event_at,
        fact.channel,
        (fact.intents or "").split(),
        fact.user_message_count,
        fact.fallback_count,
        bool(fact.handed_off),
        fact.agent,
        fact.team,
        fact.account,
        fact.bot_first_response_ms,
        fact.language or "en",
    )


def search(
    session: Session,
    start: date,
    end: date,
    tz: ZoneInfo,
    filters: Filters = NO_FILTERS,
    *,
    intent: str | None = None,
    outcome: str | None = None,
    page: int = 1,
    per_page: int = PAGE_SIZE,
) -> tuple[list[ConversationRow], bool]:
    """One page of conversations started in a period, newest first.

    Args:
        session: database session.
        start: first day (local).
        end: last day, included.
        tz: the service centre's zone.
        filters: channel, team, agent, account, bot-only/handed-off.
        intent: an intent the conversation had (any of them, not only the first).
        outcome: a key of :data:`OUTCOMES`.
        page: page number from 1.
        per_page: rows per page.

    Returns:
        The rows and whether there is a next page.
    """
    begin, until = period_bounds(start, end, tz)
    conditions = _conditions(begin, until, filters, intent, outcome)
    if conditions is None:
        return [], False
    query = (
        select(ConversationFact)
        .where(*conditions)
        .order_by(ConversationFact.session_started_at.desc(), ConversationFact.id.desc())
        .offset((max(page, 1) - 1) * per_page)
        .limit(per_page + 1)
    )
    facts = list(session.scalars(query))
    return [_row(f) for f in facts[:per_page]], len(facts) > per_page


@dataclass(frozen=True)
class HandoffLine:
    """A handoff during a conversation."""

    id: int
    team: str
    reason: str
    status: str
    agent: str | None
    created_at: datetime
    taken_at: datetime | None
    first_agent_reply_at: datetime | None
    ended_at: datetime | None


@dataclass(frozen=True)
class SurveyLine:
    """A survey offered during a conversation, with the answers given."""

    offered_at: datetime
    answered_at: datetime | None
    csat: int | None
    fcr: bool | None
    ces: int | None
    nps: int | None
    comment: str | None
    agent: str | None


@dataclass(frozen=True)
class ConversationDetail:
    """One conversation's record: facts, handoffs, surveys and its time window.

    ``until`` is when the customer's next conversation session started (None for the
    latest), so the transcript shows this session's events only.
    """

    row: ConversationRow
    until: datetime | None
    handoffs: list[HandoffLine]
    surveys: list[SurveyLine]

    def in_window(self, stamp: float) -> bool:
        """Whether an event's Rasa timestamp belongs to this session."""
        at = datetime.fromtimestamp(stamp, UTC)
        # Rasa's timestamps are floats; the stored start keeps microseconds.
        return at >= self.row.started_at.replace(microsecond=0) and (
            self.until is None or at < self.until
        )


def conversation(session: Session, fact_id: int) -> ConversationDetail | None:
    """One conversation's record, or None if there is no such conversation."""
    fact = session.get(ConversationFact, fact_id)
    if fact is None:
        return None
    following = session.scalar(
        select(func.min(ConversationFact.session_started_at)).where(
            ConversationFact.sender_id == fact.sender_id,
            ConversationFact.session_started_at > fact.session_started_at,
        )
    )
    window = [Handoff.sender_id == fact.sender_id, Handoff.created_at >= fact.session_started_at]
    if following is not None:
        window.append(Handoff.created_at < following)
    handoffs = [
        HandoffLine(
            h.id,
            h.team,
            h.reason,
            h.status,
            h.agent,
            h.created_at,
            h.taken_at,
            h.first_agent_reply_at,
            h.closed_at or h.handed_back_at,
        )
        for h in session.scalars(select(Handoff).where(*window).order_by(Handoff.created_at))
    ]
    asked = [
        SurveyResponse.sender_id == fact.sender_id,
        SurveyResponse.offered_at >= fact.session_started_at,
    ]
    if following is not None:
        asked.append(SurveyResponse.offered_at < following)
    surveys = [
        SurveyLine(s.offered_at, s.answered_at, s.csat, s.fcr, s.ces, s.nps, s.comment, s.agent)
        for s in session.scalars(
            select(SurveyResponse).where(*asked).order_by(SurveyResponse.offered_at)
        )
    ]
    return ConversationDetail(_row(fact), following, handoffs, surveys)


# -- survey comments ----------------------------------------------------------------------


@dataclass(frozen=True)
class Comment:
    """A survey comment with its context."""

    offered_at: datetime
    csat: int | None
    nps: int | None
    channel: str
    agent: str | None
    team: str | None
    account: str | None
    service: str
    comment: str


def comments(
    session: Session,
    start: date,
    end: date,
    tz: ZoneInfo,
    filters: Filters = NO_FILTERS,
    *,
    page: int = 1,
    per_page: int = PAGE_SIZE,
    lowest_first: bool = False,
) -> tuple[list[Comment], bool]:
    """One page of survey comments from a period, newest (or lowest CSAT) first.

    Returns:
        The comments and whether there is a next page.
    """
    begin, until = period_bounds(start, end, tz)
    clauses = filters.clauses(SOURCES["surveys"])
    if clauses is None:
        return [], False
    survey = SurveyResponse
    order = [survey.offered_at.desc(), survey.id.desc()]
    if lowest_first:
        order = [func.coalesce(survey.csat, 6), *order]
    query = (
        select(survey)
        .where(
            survey.offered_at >= begin,
            survey.offered_at < until,
            survey.comment.is_not(None),
            survey.comment != "",
            *clauses,
        )
        .order_by(*order)
        .offset((max(page, 1) - 1) * per_page)
        .limit(per_page + 1)
    )
    rows = list(session.scalars(query))
    found = [
        Comment(
            r.offered_at,
            r.csat,
            r.nps,
            r.channel,
            r.agent,
            r.team,
            r.account,
            r.service,
            r.comment or "",
        )
        for r in rows[:per_page]
    ]
    return found, len(rows) > per_page


# -- CSV export ---------------------------------------------------------------------------

#: The export's columns.
CSV_COLUMNS: tuple[str, ...] = (
    "conversation_id",
    "started_at",
    "channel",
    "first_intent",
    "intents",
    "handed_off",
    "agent",
    "team",
    "account",
    "user_messages",
    "not_understood",
    "bot_first_response_ms",
    "human_first_response_s",
    "resolution_time_s",
    "csat",
    "language",
)

Cursor = tuple[datetime, int]


def safe_cell(value: Any) -> Any:
    """A CSV cell a spreadsheet shows as text: text starting like a formula gets a ``'``."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _seconds(later: datetime | None, earlier: datetime | None) -> int | None:
    if later is None or earlier is None:
        return None
    return round((later - earlier).total_seconds())


def export_batch(
    session: Session,
    start: date,
    end: date,
    tz: ZoneInfo,
    filters: Filters = NO_FILTERS,
    *,
    after: Cursor | None = None,
    limit: int = 2000,
    intent: str | None = None,
    outcome: str | None = None,
) -> tuple[list[list[Any]], Cursor | None]:
    """The next rows of the export, oldest first, after ``after``.

    Each conversation is joined in SQL to its first handoff and its first survey (those
    of the same sender during the session), so one conversation is one row.

    Resolution time: seconds from the customer's first message to the handoff's end
    (closed or handed back) for a handed-off conversation, else to the session's last
    event.

    Returns:
        The rows (cells in :data:`CSV_COLUMNS` order, not yet made formula-safe) and the
        cursor for the next batch, None after the last.
    """
    begin, until = period_bounds(start, end, tz)
    conditions = _conditions(begin, until, filters, intent, outcome)
    if conditions is None:
        return [], None
    fact = ConversationFact
    if after is not None:
        # The plain bound lets the index start at the cursor; the OR settles ties.
        conditions.append(fact.session_started_at >= after[0])
        conditions.append(
            or_(
                fact.session_started_at > after[0],
                and_(fact.session_started_at == after[0], fact.id > after[1]),
            )
        )
    first_handoff = (
        select(func.min(Handoff.id))
        .where(
            Handoff.sender_id == fact.sender_id,
            Handoff.created_at >= fact.session_started_at,
            Handoff.created_at <= fact.last_event_at,
        )
        .scalar_subquery()
    )
    first_survey = (
        select(func.min(SurveyResponse.id))
        .where(
            SurveyResponse.sender_id == fact.sender_id,
            SurveyResponse.offered_at >= fact.session_started_at,
            SurveyResponse.offered_at <= fact.last_event_at,
        )
        .scalar_subquery()
    )
    handoff = aliased(Handoff)
    survey = aliased(SurveyResponse)
    query = (
        select(
            fact,
            handoff.created_at,
            handoff.first_agent_reply_at,
            handoff.closed_at,
            handoff.handed_back_at,
            handoff.agent,
            survey.csat,
        )
        .select_from(fact)
        .outerjoin(handoff, handoff.id == first_handoff)
        .outerjoin(survey, survey.id == first_survey)
        .where(*conditions)
        .order_by(fact.session_started_at, fact.id)
        .limit(limit)
    )
    rows: list[list[Any]] = []
    last: Cursor | None = None
    for f, queued, replied, closed, handed_back, agent, csat in session.execute(query):
        ended = (closed or handed_back) if f.handed_off else f.last_event_at
        rows.append(
            [
                f.id,
                f.session_started_at.astimezone(tz).isoformat(timespec="seconds"),
                f.channel,
                f.first_intent or "",
                f.intents or "",
                "yes" if f.handed_off else "no",
                f.agent or agent or "",
                f.team or "",
                f.account or "",
                f.user_message_count,
                f.fallback_count,
                f.bot_first_response_ms,
                _seconds(replied, queued),
                _seconds(ended, f.first_user_at or f.session_started_at),
                csat,
                f.language or "en",
            ]
        )
        last = (f.session_started_at, f.id)
    return rows, last if len(rows) == limit else None


def csv_text(rows: Iterable[Sequence[Any]], *, header: bool = False) -> str:
    """Rows as CSV text (RFC 4180 quoting, CRLF), every cell formula-safe."""
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    if header:
        writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow(["" if cell is None else safe_cell(cell) for cell in row])
    return out.getvalue()


def query_values(query: Mapping[str, str]) -> dict[str, str | None]:
    """The browser's own search fields (intent, outcome) from a query string."""
    intent = (query.get("intent") or "").strip()[:80] or None
    outcome = (query.get("outcome") or "").strip()
    return {"intent": intent, "outcome": outcome if outcome in OUTCOMES else None}
