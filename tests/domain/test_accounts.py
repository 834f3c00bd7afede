"""Handoffs and complaints record the customer's key account when they are written, and
migration 0020 fills it in for those written before (both backends)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from alembic import command
from sqlalchemy import inspect, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.domain.complaints.records import create_complaint
from bot.domain.handoff.queue import request_handoff
from bot.storage import db
from bot.storage.models import UTC, Complaint, ConversationFact, Handoff

HK = ZoneInfo("Asia/Hong_Kong")
#: Wednesday 25 Nov 2026 10:00 HKT: staffed.
NOON = datetime(2026, 11, 25, 10, 0, tzinfo=HK)


def _session_fact(session: Session, sender: str, at: datetime, account: str | None) -> None:
    session.add(
        ConversationFact(
            sender_id=sender,
            session_started_at=at,
            channel="rest",
            first_event_at=at,
            last_event_at=at,
            intents="greet",
            user_message_count=1,
            fallback_count=0,
            handed_off=False,
            account=account,
        )
    )
    session.flush()


def _handoff(session: Session, sender: str, account: str | None = None) -> str | None:
    ticket = request_handoff(
        session,
        sender_id=sender,
        channel="rest",
        reason="customer_asked",
        team="express",
        summary="wants a person",
        context={},
        account=account,
        now=NOON,
    )
    return session.get(Handoff, ticket.id).account


def _complaint(session: Session, sender: str, account: str | None = None) -> str | None:
    receipt = create_complaint(
        session,
        sender_id=sender,
        channel="rest",
        category="late",
        description="The pallet is a week late.",
        account=account,
        now=NOON,
    )
    found = session.query(Complaint).filter_by(reference=receipt.reference).one()
    return found.account


def test_the_conversations_account_slot_is_recorded(session: Session) -> None:
    _session_fact(session, "rest-1", NOON - timedelta(days=9), "Old Name Ltd")
    assert _handoff(session, "rest-1", account="ACME") == "ACME"
    assert _complaint(session, "rest-1", account="ACME") == "ACME"


def test_without_the_slot_the_latest_account_seen_by_then_is_recorded(session: Session) -> None:
    _session_fact(session, "rest-2", NOON - timedelta(days=9), "Old Name Ltd")
    _session_fact(session, "rest-2", NOON - timedelta(days=2), "ACME")
    _session_fact(session, "rest-2", NOON - timedelta(hours=1), None)  # named no account
    _session_fact(session, "rest-2", NOON + timedelta(days=3), "Later Ltd")
    assert _handoff(session, "rest-2") == "ACME"
    assert _complaint(session, "rest-2") == "ACME"


def test_a_customer_never_seen_with_an_account_has_none(session: Session) -> None:
    _session_fact(session, "rest-3", NOON - timedelta(days=1), None)
    assert _handoff(session, "rest-3") is None
    assert _complaint(session, "rest-3") is None


def test_0020_fills_the_account_of_existing_rows(db_url: str) -> None:
    config = db.alembic_config(db_url)
    engine = db.make_engine(db_url)
    try:
        schema = _complaint_schema(engine)
        command.downgrade(config, "0019_shipment_lookups")
        db.dispose_engines()
        at = NOON.astimezone(UTC)
        with engine.begin() as connection:
            for sender, started, account in (
                ("a", at - timedelta(days=5), "Old Name Ltd"),
                ("a", at - timedelta(days=1), "ACME"),
                ("a", at + timedelta(days=1), "Later Ltd"),
                ("b", at + timedelta(days=2), "Kowloon Traders"),  # only seen later
                ("c", at - timedelta(days=1), None),
            ):
                session = Session(bind=connection)
                _session_fact(session, sender, started, account)
            for n, sender in enumerate(("a", "b", "c")):
                connection.execute(
                    text(
                        "INSERT INTO handoffs (sender_id, channel, reason, team, summary,"
                        " context, status, created_at) VALUES (:s, 'rest', 'customer_asked',"
                        " 'express', '', '{}', 'closed', :at)"
                    ),
                    {"s": sender, "at": _stored(db_url, at)},
                )
                connection.execute(
                    text(
                        "INSERT INTO complaints (reference, sender_id, channel, category,"
                        " severity, description, status, created_at, updated_at, due_at,"
                        " original_due_at, resolution_due_at) VALUES (:r, :s, 'rest', 'late',"
                        " 'medium', 'late', 'open', :at, :at, :at, :at, :at)"
                    ),
                    {"r": f"CMP-2026-{n:05d}", "s": sender, "at": _stored(db_url, at)},
                )
        command.upgrade(config, "head")
        db.dispose_engines()
        with engine.connect() as connection:
            for table in (Handoff, Complaint):
                rows = connection.execute(
                    select(table.sender_id, table.account).order_by(table.sender_id)
                ).all()
                assert [tuple(row) for row in rows] == [
                    ("a", "ACME"),
                    ("b", "Kowloon Traders"),
                    ("c", None),
                ], table
        # Down and up again keeps what else hangs on the tables (SQLite's search triggers).
        assert _complaint_schema(engine) == schema
    finally:
        engine.dispose()


def _stored(url: str, at: datetime) -> object:
    # UTCDateTime keeps naive UTC text on SQLite and timestamptz on PostgreSQL.
    return at.replace(tzinfo=None).isoformat(sep=" ") if url.startswith("sqlite") else at


def _complaint_schema(engine: Engine) -> set[str]:
    found = inspect(engine)
    names = {ix["name"] for table in ("complaints", "handoffs") for ix in found.get_indexes(table)}
    if engine.dialect.name == "sqlite":
        with engine.connect() as connection:
            names |= set(
                connection.scalars(text("SELECT name FROM sqlite_master WHERE type = 'trigger'"))
            )
    return names
