"""Conversation facts from Rasa events: right figures, and redelivery changes nothing."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.engine.eventstream.facts import BROKER_EVENTS, apply_events, consume_sql_broker
from bot.storage import db
from bot.storage.models import UTC, ConversationFact, Handoff, ProcessedEvent

T = 1_793_000_000.0  # 2026-10-25 (UTC)


def _user(ts: float, intent: str, sender: str = "cust-1") -> dict[str, Any]:
    return {
        "event": "user",
        "timestamp": ts,
        "sender_id": sender,
        "text": "hello",
        "parse_data": {"intent": {"name": intent, "confidence": 0.9}},
        "input_channel": "telegram",
    }


def _conversation(sender: str = "cust-1") -> list[dict[str, Any]]:
    return [
        {
            "event": "action",
            "timestamp": T - 0.01,
            "sender_id": sender,
            "name": "action_session_start",
        },
        {"event": "session_started", "timestamp": T, "sender_id": sender},
        _user(T + 1, "track_shipment", sender),
        {"event": "bot", "timestamp": T + 1.25, "sender_id": sender, "text": "It is in Rotterdam."},
        _user(T + 10, "nlu_fallback", sender),
        {"event": "bot", "timestamp": T + 10.5, "sender_id": sender, "text": "Sorry?"},
        {
            "event": "slot",
            "timestamp": T + 11,
            "sender_id": sender,
            "name": "account",
            "value": "ACME",
        },
        _user(T + 20, "request_human", sender),
        {"event": "pause", "timestamp": T + 21, "sender_id": sender},
        {"event": "resume", "timestamp": T + 300, "sender_id": sender},
    ]


def _facts(session: Session) -> list[ConversationFact]:
    return list(session.scalars(select(ConversationFact).order_by(ConversationFact.id)))


def test_a_conversation_becomes_one_fact_row(session: Session) -> None:
    session.add(
        Handoff(
            sender_id="cust-1",
            channel="telegram",
            reason="request",
            team="sea",
            agent="amy",
            created_at=datetime.fromtimestamp(T + 20, UTC),
        )
    )
    assert apply_events(session, _conversation()) == 10
    session.commit()
    (fact,) = _facts(session)
    assert fact.session_started_at == datetime.fromtimestamp(T, UTC)
    assert (fact.channel, fact.first_intent, fact.account) == ("telegram", "track_shipment", "ACME")
    assert fact.intents == "track_shipment nlu_fallback request_human"
    assert (fact.user_message_count, fact.fallback_count) == (3, 1)
    assert fact.bot_first_response_ms == 250
    assert fact.handed_off is True and (fact.agent, fact.team) == ("amy", "sea")
    assert fact.last_event_at == datetime.fromtimestamp(T + 300, UTC)


def test_redelivered_events_change_nothing(session: Session) -> None:
    events = _conversation()
    apply_events(session, events)
    session.commit()
    before = [(f.user_message_count, f.fallback_count, f.intents) for f in _facts(session)]
    assert apply_events(session, events) == 0
    assert apply_events(session, list(reversed(events[2:5]))) == 0
    session.commit()
    after = [(f.user_message_count, f.fallback_count, f.intents) for f in _facts(session)]
    assert after == before == [(3, 1, "track_shipment nlu_fallback request_human")]


def test_a_new_session_makes_a_new_row(session: Session) -> None:
    apply_events(session, _conversation())
    later = T + 7200
    apply_events(
        session,
        [
            {"event": "session_started", "timestamp": later, "sender_id": "cust-1"},
            _user(later + 1, "faq"),
        ],
    )
    session.commit()
    first, second = _facts(session)
    assert first.user_message_count == 3 and second.user_message_count == 1
    assert second.first_intent == "faq" and second.handed_off is False


def _broker(tmp_path: Path) -> Engine:
    broker = db.make_engine(f"sqlite:///{tmp_path / 'broker' / 'events.db'}")
    BROKER_EVENTS.metadata.create_all(broker)  # Rasa creates this table in real use
    return broker


def _publish(broker: Engine, events: list[dict[str, Any]]) -> None:
    with broker.begin() as connection:
        for event in events:
            connection.execute(
                insert(BROKER_EVENTS).values(sender_id=event["sender_id"], data=json.dumps(event))
            )


def test_sql_broker_consumer_keeps_its_place(engine: Engine, tmp_path: Path) -> None:
    broker = _broker(tmp_path)
    try:
        _publish(broker, _conversation("a"))
        first = consume_sql_broker(engine, broker, batch_size=3)
        assert (first.read, first.applied, first.position) == (10, 10, 10)
        assert consume_sql_broker(engine, broker).read == 0
        # Rasa re-publishes the same events (a retry) and one new message arrives.
        _publish(broker, [*_conversation("a")[:3], _user(T + 400, "faq", "a")])
        second = consume_sql_broker(engine, broker)
        assert (second.read, second.applied, second.position) == (4, 1, 14)
        with db.session_scope(engine) as session:
            (fact,) = _facts(session)
            assert fact.user_message_count == 4
            assert session.scalar(select(func.count()).select_from(ProcessedEvent)) == 11
    finally:
        broker.dispose()


def test_an_intent_triggered_through_the_api_is_not_a_customer_message(session: Session) -> None:
    offer = {
        "event": "user",
        "timestamp": T + 400,
        "sender_id": "cust-1",
        "text": "EXTERNAL: EXTERNAL_survey_offer",
        "parse_data": {"intent": {"name": "EXTERNAL_survey_offer"}},
        "metadata": {"is_external": True},
        "input_channel": "telegram",
    }
    apply_events(session, [*_conversation(), offer])
    session.commit()
    (fact,) = _facts(session)
    assert fact.user_message_count == 3
    assert "EXTERNAL_survey_offer" not in fact.intents


def test_rows_that_are_not_events_are_skipped_and_the_stream_goes_on(
    engine: Engine, tmp_path: Path
) -> None:
    broker = _broker(tmp_path)
    try:
        with broker.begin() as connection:
            for data in ("not json {", "[1, 2]", json.dumps(_user(1e13, "faq", "a"))):
                connection.execute(insert(BROKER_EVENTS).values(sender_id="a", data=data))
        _publish(broker, [_user(T + 1, "track_shipment", "a")])
        result = consume_sql_broker(engine, broker)
        assert (result.read, result.applied, result.position) == (4, 1, 4)
        with db.session_scope(engine) as session:
            (fact,) = _facts(session)
            assert (fact.user_message_count, fact.first_intent) == (1, "track_shipment")
    finally:
        broker.dispose()
