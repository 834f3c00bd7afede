"""Per-conversation and per-address rate limits on complaints, handoffs and survey
offers (on SQLite and PostgreSQL): refused in the unit of work that would have stored the
action, counted under keyed hashes only, and forgotten after the window."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.domain.complaints.records import create_complaint
from bot.domain.rate_limits import (
    LIMITS,
    RateLimited,
    WindowCounter,
    charge,
    hash_key,
    is_limited,
    keyed_hash,
)
from bot.storage import db
from bot.storage.models import Complaint, RateLimitHit, utcnow


def _file(engine: Engine, sender: str, n: int, address: str | None = None) -> None:
    """Save a complaint and count it in one unit of work, as the action does."""

    def work(session: Session) -> None:
        receipt = create_complaint(
            session,
            sender_id=sender,
            channel="webchat",
            category="damaged",
            description=f"Carton {n} arrived crushed.",
        )
        if receipt.created:
            charge(session, "complaint", sender_id=sender, address=address)

    with db.session_scope(engine) as session:
        work(session)


def _complaints(engine: Engine) -> int:
    with db.session_scope(engine) as session:
        return int(session.scalar(select(func.count(Complaint.id))) or 0)


def test_a_conversation_is_refused_after_its_limit_and_nothing_is_stored(engine: Engine) -> None:
    allowed = LIMITS["complaint"].per_conversation
    for n in range(allowed):
        _file(engine, "web:aaa", n)
    with pytest.raises(RateLimited) as refused:
        _file(engine, "web:aaa", 99)
    assert "several complaints today" in refused.value.text
    assert _complaints(engine) == allowed  # the refused complaint was rolled back
    _file(engine, "web:bbb", 1)  # another conversation is not affected
    assert _complaints(engine) == allowed + 1


def test_one_address_is_limited_across_fresh_conversations(engine: Engine) -> None:
    allowed = LIMITS["complaint"].per_address
    for n in range(allowed):
        _file(engine, f"web:fresh{n}", n, address="203.0.113.9")
    with pytest.raises(RateLimited):
        _file(engine, "web:fresh-again", 1, address="203.0.113.9")
    _file(engine, "web:other-office", 1, address="198.51.100.4")
    assert _complaints(engine) == allowed + 1


def test_hits_are_keyed_hashes_and_expire_with_the_window(session: Session) -> None:
    for _ in range(LIMITS["handoff"].per_conversation):
        charge(session, "handoff", sender_id="telegram:42", address="203.0.113.9")
    assert is_limited(session, "handoff", sender_id="telegram:42")
    keys = set(session.scalars(select(RateLimitHit.key)))
    assert keys == {keyed_hash("conversation", "telegram:42"), keyed_hash("address", "203.0.113.9")}
    assert not any("telegram" in k or "203.0" in k for k in keys)

    later = utcnow() + LIMITS["handoff"].window + timedelta(minutes=1)
    assert not is_limited(session, "handoff", sender_id="telegram:42", now=later)
    charge(session, "survey", sender_id="telegram:42", now=later)
    # Counting a new hit purged every hit from before the window.
    assert session.scalar(select(func.count(RateLimitHit.id))) == 1


def test_the_hash_key_comes_from_the_environment_or_is_made_once(tmp_path: Path) -> None:
    assert hash_key({"FREIGHTDESK_HASH_KEY": "k" * 40}) == b"k" * 40
    env = {"FREIGHTDESK_VAR_DIR": str(tmp_path)}
    first = hash_key(env)
    assert len(first) >= 32 and hash_key(env) == first
    assert (tmp_path / "hash_key").stat().st_mode & 0o077 == 0


def test_new_web_sessions_are_counted_per_address_in_a_sliding_window() -> None:
    now = [0.0]
    counter = WindowCounter(2, timedelta(minutes=10), clock=lambda: now[0])
    assert counter.allow("a") and counter.allow("a") and not counter.allow("a")
    assert counter.allow("b")
    now[0] = 601.0
    assert counter.allow("a")


@pytest.mark.parametrize("kind", ["complaint", "handoff", "web_session"])
def test_a_refusal_is_worded_in_the_customers_language(kind: str) -> None:
    from bot.domain.rate_limits import LIMITED_TEXT, RateLimited, limited_text

    english, chinese = limited_text(kind, "en"), limited_text(kind, "zh")
    assert english == LIMITED_TEXT[kind] and english != chinese
    assert any("\u4e00" <= ch <= "\u9fff" for ch in chinese)
    if kind != "web_session":
        refused = RateLimited(kind)
        assert (refused.text, refused.text_in("zh")) == (english, chinese)
        assert "+852 2345 6789" in chinese
