"""Conversation facts from Rasa's event stream, consumed idempotently.

Rasa's event brokers publish each tracker event as a dict (``{"event": "user",
"timestamp": 1764..., "sender_id": ..., "parse_data": {...}, "input_channel": ...}``).
:func:`apply_event` folds one into the :class:`~bot.storage.models.ConversationFact` of its
conversation session and records it in ``processed_events`` first, so an event
delivered twice changes nothing. :func:`consume_sql_broker` reads the ``events`` table
of Rasa's SQL event broker (``rasa.core.brokers.sql.SQLEventBroker``: ``id`` integer
key, ``sender_id``, ``data`` = the event as JSON) from a high-water mark kept in this
project's database, committed with the facts it produced.

Each conversation's language follows :func:`bot.core.i18n.conversation_language`, folded
one event at a time: the ``language`` slot (the customer's explicit choice) wins, else the
latest customer message that shows a language, else English. A new session starts from
the language its sender's previous session had detected, as the tracker Rasa hands the
actions still holds those messages.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Column, Integer, MetaData, String, Table, Text, func, inspect, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from sqlalchemy.orm import Session

from bot.core.i18n import DEFAULT_LANGUAGE, LANGUAGE_SLOT, detect_language, supported
from bot.domain.kpi.rollups import StaleRefresher, mark_stale, refresh_stale_apart
from bot.engine.transcripts import transcript
from bot.storage.db import session_scope
from bot.storage.models import UTC, ConversationFact, EventConsumerState, Handoff, ProcessedEvent
from bot.storage.models import TranscriptLine as TranscriptRow

log = logging.getLogger(__name__)

#: The intent Rasa's FallbackClassifier predicts for a message it did not understand.
FALLBACK_INTENT = "nlu_fallback"

#: Actions that are bookkeeping, not conversation: they neither open nor extend a session.
IGNORED_ACTIONS = frozenset({"action_session_start", "action_listen"})

#: The slot that carries the customer's key account, when the conversation learns it.
ACCOUNT_SLOT = "account"
#: Set when the conversation joins the handoff queue (actions/handoff.py); the pause comes
#: only when an agent takes it over, and a customer may leave the queue before that.
HANDOFF_SLOT = "handoff_id"

#: Name of the SQL broker consumer's high-water mark in ``event_consumer_state``.
SQL_BROKER_CONSUMER = "rasa-sql-broker"

# Rasa's SQLEventBroker table, as declared in rasa/core/brokers/sql.py (Rasa 3.6). Only
# read here; Rasa creates it.
BROKER_EVENTS = Table(
    "events",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255)),
    Column("data", Text),
)


def event_key(event: dict[str, Any], sender_id: str | None = None) -> tuple[str, float, str, str]:
    """Return the identity of an event: sender, timestamp, type and content hash.

    Args:
        event: the event dict.
        sender_id: the sender when the event does not carry one.

    Returns:
        ``(sender_id, timestamp, event type, sha256 of the canonical JSON)``.

    Raises:
        ValueError: the event has no sender, type or timestamp.
    """
    sender = event.get("sender_id") or sender_id
    kind = event.get("event")
    stamp = event.get("timestamp")
    if not sender or not kind or stamp is None:
        raise ValueError("an event needs sender_id, event and timestamp")
    canonical = json.dumps(event, sort_keys=True, separators=(",", ":"), default=str)
    return str(sender), float(stamp), str(kind), hashlib.sha256(canonical.encode()).hexdigest()


def apply_event(session: Session, event: dict[str, Any], sender_id: str | None = None) -> bool:
    """Fold one Rasa event into its conversation's facts, once.

    Args:
        session: database session (flushed, not committed: commit with the caller's
            high-water mark so both move together).
        event: the event dict as Rasa's event broker publishes it.
        sender_id: the sender when the event does not carry one.

    Returns:
        True if the event changed the facts' bookkeeping, False if it was seen before.
    """
    sender, stamp, kind, digest = event_key(event, sender_id)
    seen = session.scalar(
        select(ProcessedEvent.id).where(
            ProcessedEvent.sender_id == sender,
            ProcessedEvent.event_timestamp == stamp,
            ProcessedEvent.event_type == kind,
            ProcessedEvent.event_hash == digest,
        )
    )
    if seen is not None:
        return False
    try:
        # A savepoint: a concurrent consumer that recorded it first makes this a no-op.
        with session.begin_nested():
            session.add(
                ProcessedEvent(
                    sender_id=sender, event_timestamp=stamp, event_type=kind, event_hash=digest
                )
            )
    except IntegrityError:
        return False
    at = datetime.fromtimestamp(stamp, UTC)
    # The line staff read in the console's transcript (a message, a pause or resume).
    for line in transcript([event]):
        session.add(
            TranscriptRow(sender_id=sender, at=at, who=line.who, text=line.text, agent=line.agent)
        )
    if kind == "action" and event.get("name") in IGNORED_ACTIONS:
        return True
    fact = _fact_for(session, sender, at, starts_session=kind == "session_started")
    fact.first_event_at = min(fact.first_event_at, at)
    fact.last_event_at = max(fact.last_event_at, at)
    if kind == "user":
        _on_user(fact, event, at)
    elif kind == "bot":
        first_user_at = fact.first_user_at
        if first_user_at is not None and fact.bot_first_response_ms is None and at >= first_user_at:
            fact.bot_first_response_ms = round((at - first_user_at).total_seconds() * 1000)
    elif kind in ("pause", "resume"):
        if kind == "pause":
            fact.handed_off = True
        _copy_handoff(session, fact)
    elif kind == "slot" and event.get("name") == HANDOFF_SLOT and event.get("value"):
        fact.handed_off = True
        _copy_handoff(session, fact)
    elif kind == "slot" and event.get("name") == ACCOUNT_SLOT and event.get("value"):
        fact.account = str(event["value"])[:40]
    elif kind == "slot" and event.get("name") == LANGUAGE_SLOT:
        fact.language_chosen = supported(event.get("value"))
        _settle_language(fact)
    # The fact's day is read raw until its rollup is refreshed (late events included).
    mark_stale(session, [fact.session_started_at])
    session.flush()
    return True


def apply_events(
    session: Session, events: list[dict[str, Any]], sender_id: str | None = None
) -> int:
    """Apply events in order; return how many were new."""
    return sum(apply_event(session, event, sender_id) for event in events)


def _fact_for(session: Session, sender: str, at: datetime, starts_session: bool) -> Any:
    """The conversation session an event belongs to, created when it has none yet."""
    if starts_session:
        fact = session.scalar(
            select(ConversationFact).where(
                ConversationFact.sender_id == sender, ConversationFact.session_started_at == at
            )
        )
    else:
        fact = session.scalar(
            select(ConversationFact)
            .where(ConversationFact.sender_id == sender, ConversationFact.session_started_at <= at)
            .order_by(ConversationFact.session_started_at.desc())
            .limit(1)
        )
    if fact is None:
        earlier = session.scalar(
            select(ConversationFact.language_detected)
            .where(ConversationFact.sender_id == sender, ConversationFact.session_started_at < at)
            .order_by(ConversationFact.session_started_at.desc())
            .limit(1)
        )
        # A conversation seen without its session_started event starts at its first event.
        fact = ConversationFact(
            sender_id=sender,
            session_started_at=at,
            first_event_at=at,
            last_event_at=at,
            channel="",
            intents="",
            user_message_count=0,
            fallback_count=0,
            handed_off=False,
            language=earlier or DEFAULT_LANGUAGE,
            language_detected=earlier,
        )
        session.add(fact)
    return fact


def _settle_language(fact: Any) -> None:
    """The conversation's language: the explicit choice, else the detected one."""
    fact.language = fact.language_chosen or fact.language_detected or DEFAULT_LANGUAGE


def _on_user(fact: Any, event: dict[str, Any], at: datetime) -> None:
    metadata = event.get("metadata")
    if isinstance(metadata, dict) and metadata.get("is_external"):
        return  # an intent triggered through Rasa's API (the survey offer), not the customer
    fact.user_message_count = (fact.user_message_count or 0) + 1
    if event.get("input_channel"):
        fact.channel = str(event["input_channel"])[:50]
    if fact.first_user_at is None or at < fact.first_user_at:
        fact.first_user_at = at
    shown = detect_language(event.get("text"))
    if shown is not None:
        fact.language_detected = shown
        _settle_language(fact)
    intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
    if not intent:
        return
    if intent == FALLBACK_INTENT:
        fact.fallback_count = (fact.fallback_count or 0) + 1
    elif fact.first_intent is None:
        fact.first_intent = str(intent)[:80]
    seen = fact.intents.split() if fact.intents else []
    if intent not in seen:
        fact.intents = " ".join([*seen, str(intent)])


def _copy_handoff(session: Session, fact: Any) -> None:
    """Take the agent and team from the customer's latest handoff (handoff rows)."""
    handoff = session.scalar(
        select(Handoff)
        .where(Handoff.sender_id == fact.sender_id)
        .order_by(Handoff.created_at.desc())
        .limit(1)
    )
    if handoff is not None:
        fact.team = handoff.team
        fact.agent = handoff.agent or fact.agent


#: Errors of the databases themselves (down, locked, restarting): the pass is retried.
TRANSIENT_ERRORS = (OperationalError, InterfaceError)


@dataclass(frozen=True)
class ConsumeResult:
    """What one pass over the SQL event broker did."""

    read: int
    applied: int
    position: int


def consume_sql_broker(
    engine: Engine,
    broker_engine: Engine,
    batch_size: int = 1000,
    consumer: str = SQL_BROKER_CONSUMER,
    stop: threading.Event | None = None,
    tz: ZoneInfo | None = None,
) -> ConsumeResult:
    """Read every event Rasa's SQL event broker wrote since the last pass.

    Each batch is applied and its high-water mark advanced in one transaction of this
    project's database, so a crash re-reads at most one batch, which the processed-event
    record then ignores.

    Args:
        engine: this project's database.
        broker_engine: the database Rasa's SQL event broker writes to.
        batch_size: events per transaction.
        consumer: name of the high-water mark.
        stop: when set, the pass ends after the batch in hand is committed.
        tz: the service centre's time zone; when given, the KPI rollups of the days marked
            stale are refreshed after the pass, a day per transaction (never in a
            batch's: :mod:`bot.domain.kpi.rollups`).

    Returns:
        Events read, events that were new, and the position reached.
    """
    read = applied = 0
    while True:
        with session_scope(engine) as session:
            state = session.get(EventConsumerState, consumer, with_for_update=True)
            if state is None:
                state = EventConsumerState(name=consumer, position=0)
                session.add(state)
                session.flush()
            with broker_engine.connect() as broker:
                rows = broker.execute(
                    select(BROKER_EVENTS)
                    .where(BROKER_EVENTS.c.id > state.position)
                    .order_by(BROKER_EVENTS.c.id)
                    .limit(batch_size)
                ).all()
            for row in rows:
                read += 1
                try:
                    with session.begin_nested():
                        event = json.loads(row.data)
                        if not isinstance(event, dict):
                            raise TypeError(f"not a JSON object but {type(event).__name__}")
                        applied += apply_event(session, event, row.sender_id)
                except TRANSIENT_ERRORS:
                    raise
                except Exception as exc:  # one bad row must not stop the stream behind it
                    log.warning("skipped broker event %s: %s", row.id, exc)
                state.position = row.id
            position = state.position
        if len(rows) < batch_size or (stop is not None and stop.is_set()):
            if tz is not None and read:
                refresh_stale_apart(engine, tz)
            return ConsumeResult(read, applied, position)


def follow_sql_broker(
    engine: Engine,
    broker_engine: Engine,
    stop: threading.Event,
    interval: float = 1.0,
    batch_size: int = 200,
    on_pass: Callable[[ConsumeResult], None] | None = None,
    tz: ZoneInfo | None = None,
) -> ConsumeResult:
    """Consume Rasa's SQL event broker until ``stop`` is set, a pass every ``interval``.

    A pass that fails on the databases themselves (a lock held too long, PostgreSQL
    restarting) is logged and tried again at the next interval: nothing was committed,
    so nothing is lost or counted twice. Until Rasa has created its ``events`` table the
    loop waits for it.

    Args:
        engine: this project's database.
        broker_engine: the database Rasa's SQL event broker writes to.
        stop: set it (from a signal handler) to end the loop after the batch in hand.
        interval: seconds between passes that found nothing more to read.
        batch_size: events per transaction: kept small, as the SQLite write lock is held
            for a whole transaction.
        on_pass: called with each pass's result that read something.
        tz: the service centre's time zone; when given, the KPI rollups of stale days
            are refreshed at most every :data:`~bot.domain.kpi.rollups.REFRESH_EVERY_S`
            seconds, apart from the batches.

    Returns:
        Events read and applied over the whole run, and the last position.
    """
    read = applied = position = 0
    passes = 0
    waiting_for_table = False
    refresh = StaleRefresher(engine, tz) if tz is not None else None
    while not stop.is_set():
        try:
            if refresh is not None:
                refresh()
            if not inspect(broker_engine).has_table(BROKER_EVENTS.name):
                if not waiting_for_table:
                    log.warning("waiting for Rasa to create its event table")
                    waiting_for_table = True
                stop.wait(interval)
                continue
            waiting_for_table = False
            if passes and _newest_broker_event(broker_engine) <= position:
                # Nothing new: no transaction on this project's database, whose write
                # lock the action server and the console need far more.
                stop.wait(interval)
                continue
            result = consume_sql_broker(engine, broker_engine, batch_size, stop=stop)
            passes += 1
        except TRANSIENT_ERRORS as exc:
            log.warning("event pass failed, trying again in %.0f s: %s", interval, exc)
            stop.wait(interval)
            continue
        read, applied, position = read + result.read, applied + result.applied, result.position
        if result.read and on_pass is not None:
            on_pass(result)
        # A pass ends when it has read everything there was (or when asked to stop).
        stop.wait(interval)
    return ConsumeResult(read, applied, position)


def _newest_broker_event(broker_engine: Engine) -> int:
    """The id of the newest row in Rasa's event table (0 when it is empty)."""
    with broker_engine.connect() as broker:
        return int(broker.scalar(select(func.max(BROKER_EVENTS.c.id))) or 0)
