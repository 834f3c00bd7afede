"""A customer's personal data in every table, and Rasa's own SQL tracker store writing
their conversation: for the privacy operations' tests and the ``customers`` commands'."""

from __future__ import annotations

import asyncio
from datetime import datetime

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.engine import Engine, make_url

from bot.storage import db
from bot.storage.models import (
    UTC,
    Complaint,
    ComplaintEvent,
    ConversationFact,
    Handoff,
    HandoffMessage,
    Lead,
    ProcessedEvent,
    SurveyResponse,
)

#: The moment the tests happen.
NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def tracker_store(url: str) -> SQLTrackerStore:
    """Rasa's own SQL tracker store on the database at ``url`` (SQLite or PostgreSQL)."""
    parts = make_url(url)
    if parts.get_backend_name() == "sqlite":
        return SQLTrackerStore(Domain.empty(), dialect="sqlite", db=parts.database)
    return SQLTrackerStore(
        Domain.empty(),
        dialect="postgresql",
        host=parts.host,
        port=parts.port,
        db=parts.database,
        username=parts.username,
        password=parts.password,
    )


def converse(store: SQLTrackerStore, sender: str, at: datetime, text: str) -> None:
    """One turn of ``sender`` at ``at`` (their ``text`` and the bot's reply), saved by Rasa."""

    async def turn() -> None:
        tracker = await store.retrieve(sender) or DialogueStateTracker(sender, slots=[])
        tracker.update(UserUttered(text, timestamp=at.timestamp()))
        tracker.update(BotUttered("noted", timestamp=at.timestamp() + 1))
        await store.save(tracker)

    asyncio.run(turn())


def seed_customer(engine: Engine, sender: str, contact: str, at: datetime, *, ref: str) -> None:
    """A lead, a resolved complaint ``ref`` with a note, a closed handoff with an agent's
    message, an answered survey, a conversation fact and a processed-event mark, all of
    ``sender`` (whose id and ``contact`` appear in the free texts too) at ``at``."""
    with db.session_scope(engine) as session:
        session.add(
            Lead(
                sender_id=sender,
                channel="rest",
                name=f"Chan of {sender}",
                contact=contact,
                company="Kowloon Trading",
                contact_kind="email",
                note=f"call {sender} after 5",
                created_at=at,
            )
        )
        complaint = Complaint(
            reference=ref,
            sender_id=sender,
            channel="rest",
            category="damaged",
            severity="high",
            description=f"My TV for {sender} arrived broken",
            contact_kind="email",
            contact=contact,
            status="resolved",
            created_at=at,
            due_at=at,
            original_due_at=at,
            resolution_due_at=at,
            resolved_at=at,
            outcome=f"refunded to {sender}",
            promise_kept=True,
            resolution_hours=5.0,
            dedupe_key=f"k-{ref}",
        )
        complaint.events.append(
            ComplaintEvent(at=at, actor="ann", action="note", detail=f"rang {sender}")
        )
        session.add(complaint)
        handoff = Handoff(
            sender_id=sender,
            channel="rest",
            reason="customer_asked",
            team="general",
            summary=f"{sender} wants refund, email {contact}",
            context='{"x": 1}',
            status="closed",
            created_at=at,
            closed_at=at,
            agent="ann",
        )
        handoff.messages.append(
            HandoffMessage(
                client_id=f"c-{ref}", agent="ann", text=f"Hi {sender}", status="sent", created_at=at
            )
        )
        session.add(handoff)
        session.add(
            SurveyResponse(
                response_id=f"s-{ref}",
                sender_id=sender,
                channel="rest",
                csat=5,
                nps=9,
                comment=f"{sender} here, great",
                offered_at=at,
                answered_at=at,
            )
        )
        session.add(
            ConversationFact(
                sender_id=sender,
                session_started_at=at,
                channel="rest",
                first_event_at=at,
                last_event_at=at,
                intents="greet",
                user_message_count=1,
                handed_off=True,
            )
        )
        session.add(
            ProcessedEvent(
                sender_id=sender, event_timestamp=at.timestamp(), event_type="user", event_hash=ref
            )
        )
