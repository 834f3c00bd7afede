"""The conversation's language in its facts: the same answer as the language core gives
over the whole conversation, event by event, on SQLite and PostgreSQL."""

from __future__ import annotations

import random
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.core.i18n import conversation_language
from bot.engine.eventstream.facts import apply_event, apply_events
from bot.storage.models import ConversationFact

T = 1_793_000_000.0


def _user(ts: float, text: str, sender: str = "hk-1", **extra: Any) -> dict[str, Any]:
    return {
        "event": "user",
        "timestamp": ts,
        "sender_id": sender,
        "text": text,
        "parse_data": {"intent": {"name": "greet", "confidence": 0.9}},
        "input_channel": "rest",
        **extra,
    }


def _slot(ts: float, value: Any, sender: str = "hk-1") -> dict[str, Any]:
    return {
        "event": "slot",
        "timestamp": ts,
        "sender_id": sender,
        "name": "language",
        "value": value,
    }


def _start(ts: float, sender: str = "hk-1") -> dict[str, Any]:
    return {"event": "session_started", "timestamp": ts, "sender_id": sender}


def _facts(session: Session, sender: str = "hk-1") -> list[ConversationFact]:
    query = select(ConversationFact).where(ConversationFact.sender_id == sender)
    return list(session.scalars(query.order_by(ConversationFact.session_started_at)))


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        (["我嘅 parcel 幾時到?"], "zh"),
        (["where is my parcel?"], "en"),
        (["你好", "160-48219371", "👍"], "zh"),  # no signal keeps the language
        (["你好", "thanks, that's all"], "en"),
        (["/greet"], "en"),  # a button payload shows no language
        (["FOB係咩意思"], "zh"),
    ],
)
def test_the_latest_message_that_shows_a_language_decides(
    session: Session, texts: list[str], expected: str
) -> None:
    apply_events(session, [_start(T)] + [_user(T + i + 1, text) for i, text in enumerate(texts)])

    (fact,) = _facts(session)
    assert fact.language == expected


def test_the_explicit_choice_wins_until_it_is_cleared(session: Session) -> None:
    apply_events(session, [_start(T), _user(T + 1, "hello"), _slot(T + 2, "zh-HK")])
    (fact,) = _facts(session)
    assert (fact.language, fact.language_chosen) == ("zh", "zh")

    apply_events(session, [_user(T + 3, "where is my parcel?")])
    assert fact.language == "zh"  # writing English does not undo "講中文"

    apply_events(session, [_slot(T + 4, None)])
    assert fact.language == "en"  # back to what the messages show


def test_an_api_triggered_intent_is_not_the_customers_language(session: Session) -> None:
    external = _user(T + 2, "survey offer", metadata={"is_external": True})
    apply_events(session, [_start(T), _user(T + 1, "唔該"), external])

    assert _facts(session)[0].language == "zh"


def test_a_new_session_starts_in_the_language_the_customer_wrote_before(session: Session) -> None:
    apply_events(session, [_start(T), _user(T + 1, "我想查貨件")])
    apply_events(session, [_start(T + 7200), _user(T + 7201, "160-48219371")])

    first, second = _facts(session)
    assert (first.language, second.language) == ("zh", "zh")


def test_the_fold_agrees_with_the_language_core_on_random_conversations(session: Session) -> None:
    """Event by event, the stored language is conversation_language over the events so far."""
    pool = [
        "hello",
        "ok",
        "我嘅 parcel 幾時到?",
        "160-48219371",
        "CMP-2026-00042",
        "thanks",
        "唔該晒",
        "１６０－４８２１９３７１",
        "/affirm",
        "送货到深圳要几耐",
    ]
    rng = random.Random(13)
    for n in range(25):
        sender = f"random-{n}"
        events: list[dict[str, Any]] = [_start(T, sender)]
        apply_event(session, events[0])
        chosen: Any = None
        for step in range(1, 12):
            if rng.random() < 0.2:
                chosen = rng.choice(["en", "zh", None, "zh_Hant", "fr"])
                event = _slot(T + step, chosen, sender)
            else:
                event = _user(T + step, rng.choice(pool), sender)
            events.append(event)
            apply_event(session, event)
            expected = conversation_language(events, explicit=chosen)
            assert _facts(session, sender)[0].language == expected, events
