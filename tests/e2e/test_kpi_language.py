"""A conversation's language in its facts, end to end: a customer writes to the real
stack in Chinese and then in English; Rasa's SQL event broker carries every event and the
KPI consumer (one pass of `python -m bot kpi consume`, as `make run`'s worker runs them)
records the language the conversation is in at each point."""

from __future__ import annotations

import os
import subprocess
import sys

from sqlalchemy import select

from bot.core.settings import REPO_ROOT
from bot.storage.db import get_engine, session_scope
from bot.storage.models import ConversationFact
from tests.e2e.conftest import Customer, RunningStack


def _consume(stack: RunningStack) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bot", "kpi", "consume"],
        cwd=REPO_ROOT,
        env={
            **os.environ,
            "DATABASE_URL": stack.database_url,
            "FREIGHTDESK_VAR_DIR": str(stack.var_dir),
            "RASA_TELEMETRY_ENABLED": "false",
            "PYTHONPATH": str(REPO_ROOT),
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def _fact(stack: RunningStack, sender: str) -> tuple[str, str | None, int]:
    with session_scope(get_engine(stack.database_url)) as session:
        (fact,) = session.scalars(
            select(ConversationFact).where(ConversationFact.sender_id == sender)
        )
        return fact.language, fact.language_detected, fact.user_message_count


def test_the_facts_follow_the_language_the_customer_writes(
    running_stack: RunningStack, customer: Customer
) -> None:
    customer.say("你好，我想查下我嘅貨件")
    customer.say("160-48219371")  # a number shows no language: still Chinese
    _consume(running_stack)
    assert _fact(running_stack, customer.sender) == ("zh", "zh", 2)

    customer.say("sorry, can you answer me in English? where is my parcel")
    _consume(running_stack)
    assert _fact(running_stack, customer.sender) == ("en", "en", 3)
