"""Conversation facts end to end: Rasa's SQL event broker, the KPI consumer worker.

A customer talks to the real stack; Rasa writes every event to its SQL event broker
table (endpoints.yml); ``python -m bot kpi consume --follow``, the worker `make run`
starts, turns them into the conversation's facts while Rasa keeps writing, and stops
cleanly on SIGTERM. Reading the same events again changes nothing.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import select, update

from bot.core.settings import REPO_ROOT
from bot.engine.eventstream.facts import SQL_BROKER_CONSUMER, consume_sql_broker
from bot.storage.db import get_engine, make_engine, session_scope
from bot.storage.models import ConversationFact, EventConsumerState
from tests.e2e.conftest import Customer, RunningStack


def _consumer_env(stack: RunningStack) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": stack.database_url,
        "FREIGHTDESK_VAR_DIR": str(stack.var_dir),
        "RASA_TELEMETRY_ENABLED": "false",
        "PYTHONPATH": str(REPO_ROOT),
    }


@pytest.fixture
def follower(running_stack: RunningStack) -> Iterator[subprocess.Popen[str]]:
    """The KPI consumer worker, as `make run` starts it (broker from FREIGHTDESK_VAR_DIR)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "kpi", "consume", "--follow", "--interval", "0.2"],
        cwd=REPO_ROOT,
        env=_consumer_env(running_stack),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def _facts(stack: RunningStack, sender: str) -> list[ConversationFact]:
    # A read, as the console's pages read: it neither waits for nor holds up the writers.
    with session_scope(get_engine(stack.database_url), read_only=True) as session:
        return list(
            session.scalars(
                select(ConversationFact)
                .where(ConversationFact.sender_id == sender)
                .order_by(ConversationFact.id)
            )
        )


def _wait_for(stack: RunningStack, sender: str, handed_off: bool) -> list[ConversationFact]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        facts = _facts(stack, sender)
        if facts and facts[-1].user_message_count == 3 and facts[-1].handed_off == handed_off:
            return facts
        time.sleep(0.2)
    pytest.fail(f"no complete facts for {sender} within 60 s: {_facts(stack, sender)}")


def _snapshot(facts: list[ConversationFact]) -> list[tuple[object, ...]]:
    return [
        (
            f.session_started_at,
            f.channel,
            f.intents,
            f.first_intent,
            f.user_message_count,
            f.fallback_count,
            f.bot_first_response_ms,
            f.handed_off,
            f.team,
            f.last_event_at,
        )
        for f in facts
    ]


def test_a_conversation_becomes_its_facts_while_rasa_writes(
    running_stack: RunningStack, customer: Customer, follower: subprocess.Popen[str]
) -> None:
    assert customer.say("hello")
    # A message the bot cannot understand (typed "/intent" commands are read as words).
    customer.say("zxqv blorptang wibble")
    assert "queue" in customer.reply_text("can I talk to a real person please")

    (fact,) = _wait_for(running_stack, customer.sender, handed_off=True)
    # What Rasa itself recorded, message by message.
    said = [
        event["parse_data"]["intent"]["name"]
        for event in running_stack.tracker(customer.sender)["events"]
        if event["event"] == "user"
    ]
    assert said[0] == "greet" and said[-1] == "request_human" and len(said) == 3
    assert fact.channel == "rest"
    assert fact.first_intent == "greet"
    assert fact.intents.split() == said
    # Whether the model read the nonsense as not understood or as out of scope, the fact
    # counts exactly the not-understood messages Rasa recorded.
    assert (fact.user_message_count, fact.fallback_count) == (3, said.count("nlu_fallback"))
    # The bot's first reply follows the first message, well within the REST call.
    assert fact.bot_first_response_ms is not None and 0 <= fact.bot_first_response_ms < 60_000
    assert fact.handed_off is True and fact.team  # the handoff's team, as queued
    assert fact.first_user_at is not None and fact.first_user_at >= fact.session_started_at

    follower.send_signal(signal.SIGTERM)
    output, _ = follower.communicate(timeout=30)
    assert follower.returncode == 0, output
    assert "Following Rasa's SQL event broker" in output and "Stopped after" in output
    assert "Traceback" not in output and "database is locked" not in output

    # Consuming again, and even from the very first event, changes nothing.
    before = _snapshot(_facts(running_stack, customer.sender))
    engine = get_engine(running_stack.database_url)
    broker = make_engine(running_stack.events_url)
    try:
        assert consume_sql_broker(engine, broker).applied == 0
        with session_scope(engine) as session:
            session.execute(
                update(EventConsumerState)
                .where(EventConsumerState.name == SQL_BROKER_CONSUMER)
                .values(position=0)
            )
        again = consume_sql_broker(engine, broker)
    finally:
        broker.dispose()
    assert again.read > 10 and again.applied == 0
    assert _snapshot(_facts(running_stack, customer.sender)) == before


def test_one_pass_reports_what_it_read(running_stack: RunningStack, customer: Customer) -> None:
    customer.say("hello")
    done = subprocess.run(
        [sys.executable, "-m", "bot", "kpi", "consume"],
        cwd=REPO_ROOT,
        env=_consumer_env(running_stack),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "new); the next pass starts after event" in done.stdout
    (fact,) = _facts(running_stack, customer.sender)
    assert (fact.channel, fact.first_intent, fact.handed_off) == ("rest", "greet", False)
