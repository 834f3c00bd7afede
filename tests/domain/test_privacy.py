"""Personal data: retention per data class and forgetting one customer, on both databases.

Rasa's conversations are written by Rasa's own SQL tracker store (into the test's
database), so the operations are checked against the table Rasa really uses.
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import func, select
from sqlalchemy.engine import Engine, make_url

from bot.core.settings import REPO_ROOT
from bot.domain.privacy import REMOVED, Retention, RetentionError, forget, purge
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

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
RETENTION = Retention(
    transcripts=timedelta(days=90),
    contacts=timedelta(days=365),
    complaints=timedelta(days=730),
    survey_comments=timedelta(days=365),
)


def _tracker_store(url: str) -> SQLTrackerStore:
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


def _converse(store: SQLTrackerStore, sender: str, at: datetime, text: str) -> None:
    async def turn() -> None:
        tracker = await store.retrieve(sender) or DialogueStateTracker(sender, slots=[])
        tracker.update(UserUttered(text, timestamp=at.timestamp()))
        tracker.update(BotUttered("noted", timestamp=at.timestamp() + 1))
        await store.save(tracker)

    asyncio.run(turn())


def _seed(engine: Engine, sender: str, contact: str, at: datetime, *, ref: str) -> None:
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


def _rasa_senders(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        return {r[0] for r in connection.execute(sa.text("SELECT DISTINCT sender_id FROM events"))}


def _everything_about(engine: Engine, needle: str) -> list[str]:
    """Every text column of every table that still mentions ``needle``."""
    found = []
    metadata = sa.MetaData()
    metadata.reflect(engine)
    with engine.connect() as connection:
        for table in metadata.sorted_tables:
            for column in table.c:
                if isinstance(column.type, sa.String | sa.Text):
                    hits = connection.execute(
                        select(func.count()).select_from(table).where(column.contains(needle))
                    ).scalar_one()
                    if hits:
                        found.append(f"{table.name}.{column.name}")
    return found


def test_forget_removes_one_customer_everywhere_and_keeps_the_kpi_facts(db_url: str) -> None:
    engine = db.get_engine(db_url)
    store = _tracker_store(db_url)
    _converse(store, "user-123", NOW, "my email is jo@example.com")
    _converse(store, "user-456", NOW, "hello")
    _seed(engine, "user-123", "jo@example.com", NOW, ref="CMP-2026-00001")
    _seed(engine, "user-456", "mo@example.com", NOW, ref="CMP-2026-00002")

    with db.session_scope(engine) as session:
        senders, report = forget(session, "user-123", {"tracker store": engine})

    assert senders == {"user-123"}
    assert report.counts["tracker store events deleted"] == 2
    assert report.counts["leads deleted"] == 1
    assert report.counts["agent messages deleted"] == 1
    assert report.counts["survey comments removed"] == 1
    # The sender id was in every free text (names, notes, messages, comments) too.
    for needle in ("user-123", "jo@example.com"):
        assert _everything_about(engine, needle) == [], needle
    assert _everything_about(engine, "user-456") != []
    assert _rasa_senders(engine) == {"user-456"}
    with db.session_scope(engine) as session:
        complaint = session.execute(
            select(Complaint).where(Complaint.reference == "CMP-2026-00001")
        ).scalar_one()
        assert (complaint.description, complaint.contact, complaint.outcome) == (
            REMOVED,
            None,
            None,
        )
        assert complaint.sender_id.startswith("anon:")
        assert (complaint.category, complaint.promise_kept, complaint.resolution_hours) == (
            "damaged",
            True,
            5.0,
        )
        facts = session.execute(select(ConversationFact)).scalars().all()
        assert len(facts) == 2 and all(f.handed_off for f in facts)
        survey = session.execute(
            select(SurveyResponse).where(SurveyResponse.response_id == "s-CMP-2026-00001")
        ).scalar_one()
        assert (survey.csat, survey.nps, survey.comment) == (5, 9, None)
        # The other customer is untouched.
        other = session.execute(select(Lead).where(Lead.sender_id == "user-456")).scalar_one()
        assert other.contact == "mo@example.com"
        assert session.execute(select(func.count()).select_from(HandoffMessage)).scalar_one() == 1


def test_forget_by_email_finds_the_customers_other_conversations(db_url: str) -> None:
    engine = db.get_engine(db_url)
    store = _tracker_store(db_url)
    _converse(store, "telegram:4711", NOW, "hi")
    _seed(engine, "telegram:4711", "jo@example.com", NOW, ref="CMP-2026-00003")
    with db.session_scope(engine) as session:
        senders, _report = forget(session, "Jo@Example.com", {"tracker store": engine})
    assert senders == {"Jo@Example.com", "telegram:4711"}
    assert _rasa_senders(engine) == set()
    assert _everything_about(engine, "jo@example.com") == []


def test_purge_applies_each_data_class_retention(db_url: str) -> None:
    engine = db.get_engine(db_url)
    store = _tracker_store(db_url)
    old, recent = NOW - timedelta(days=800), NOW - timedelta(days=10)
    _converse(store, "old-customer", old, "hello from long ago")
    _converse(store, "busy-customer", old, "first visit")
    _converse(store, "busy-customer", recent, "back again")
    _seed(engine, "old-customer", "old@example.com", old, ref="CMP-2024-00001")
    _seed(engine, "new-customer", "new@example.com", recent, ref="CMP-2026-00009")

    with db.session_scope(engine) as session:
        report = purge(session, RETENTION, {"tracker store": engine}, now=NOW)
    assert report.counts["customers whose conversations expired"] == 1
    assert _rasa_senders(engine) == {"busy-customer"}
    assert _everything_about(engine, "old-customer") == []
    assert _everything_about(engine, "old@example.com") == []
    with db.session_scope(engine) as session:
        recent_complaint = session.execute(
            select(Complaint).where(Complaint.reference == "CMP-2026-00009")
        ).scalar_one()
        assert recent_complaint.contact == "new@example.com"
        assert session.execute(select(func.count()).select_from(ConversationFact)).scalar_one() == 2
    # A second run finds nothing more to do.
    with db.session_scope(engine) as session:
        assert purge(session, RETENTION, {"tracker store": engine}, now=NOW).total == 0


def test_an_open_complaint_keeps_its_customer(db_url: str) -> None:
    engine = db.get_engine(db_url)
    store = _tracker_store(db_url)
    old = NOW - timedelta(days=800)
    _converse(store, "waiting-customer", old, "still waiting")
    _seed(engine, "waiting-customer", "w@example.com", old, ref="CMP-2024-00002")
    with db.session_scope(engine) as session:
        session.execute(sa.update(Complaint).values(status="open", resolved_at=None))
    with db.session_scope(engine) as session:
        purge(session, RETENTION, {"tracker store": engine}, now=NOW)
    assert _rasa_senders(engine) == {"waiting-customer"}


def test_the_shipped_retention_file_loads_and_a_bad_one_names_the_entry(tmp_path: Path) -> None:
    shipped = Retention.load()
    assert shipped.transcripts == timedelta(days=90)
    bad = tmp_path / "retention.yml"
    bad.write_text("transcripts: 90\ncontacts: soon\ncomplaints: 1\nsurvey_comments: 1\n")
    with pytest.raises(RetentionError, match="contacts: should be a number of days"):
        Retention.load(bad)
    bad.write_text("transcript: 90\n")
    with pytest.raises(RetentionError, match="transcript: not a data class"):
        Retention.load(bad)


def test_the_forget_command_prints_what_it_removed(tmp_path: Path) -> None:
    var = tmp_path / "var"
    url = f"sqlite:///{var / 'freightdesk.db'}"
    db.upgrade(url)
    engine = db.get_engine(url)
    store = _tracker_store(f"sqlite:///{var / 'rasa_tracker.db'}")
    _converse(store, "user-123", NOW, "hello")
    _seed(engine, "user-123", "jo@example.com", NOW, ref="CMP-2026-00004")
    env = {
        "DATABASE_URL": url,
        "FREIGHTDESK_VAR_DIR": str(var),
        "PATH": "/usr/bin:/bin",
        "RASA_TELEMETRY_ENABLED": "false",
        "PYTHONPATH": str(REPO_ROOT),
    }
    done = subprocess.run(
        [sys.executable, "-m", "bot", "customers", "forget", "user-123"],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO_ROOT,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "Forgot user-123" in done.stdout
    assert "tracker store events deleted: 2" in done.stdout
    assert "leads deleted: 1" in done.stdout
    again = subprocess.run(
        [sys.executable, "-m", "bot", "customers", "forget", "user-123"],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO_ROOT,
        timeout=120,
    )
    assert "nothing stored for this customer" in again.stdout
    purged = subprocess.run(
        [sys.executable, "-m", "bot", "customers", "purge"],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO_ROOT,
        timeout=120,
    )
    assert purged.returncode == 0 and "retention purge" in purged.stdout, purged.stderr


def test_make_run_starts_the_daily_purge_which_stops_on_sigterm(tmp_path: Path) -> None:
    from bot.core.settings import Settings
    from bot.ops.stack import worker_commands

    command = worker_commands(Settings.from_env({}))["customers-purge"]
    assert command[-3:] == ["customers", "purge", "--daily"]
    var = tmp_path / "var"
    url = f"sqlite:///{var / 'freightdesk.db'}"
    db.upgrade(url)
    env = {
        "DATABASE_URL": url,
        "FREIGHTDESK_VAR_DIR": str(var),
        "PATH": "/usr/bin:/bin",
        "RASA_TELEMETRY_ENABLED": "false",
        "PYTHONPATH": str(REPO_ROOT),
    }
    worker = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env, cwd=REPO_ROOT)
    try:
        assert worker.stdout is not None
        assert "retention purge" in worker.stdout.readline()
        assert worker.poll() is None  # waiting for tomorrow
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=30) == 0
    finally:
        if worker.poll() is None:
            worker.kill()


def test_the_daily_purge_survives_a_failed_pass(tmp_path: Path) -> None:
    """A failing pass is logged and retried; the worker (and so the stack) stays up."""
    var = tmp_path / "var"
    url = f"sqlite:///{var / 'freightdesk.db'}"
    db.upgrade(url)
    (var / "rasa_tracker.db").write_bytes(b"this is not a SQLite database" * 100)
    env = {
        "DATABASE_URL": url,
        "FREIGHTDESK_VAR_DIR": str(var),
        "PATH": "/usr/bin:/bin",
        "RASA_TELEMETRY_ENABLED": "false",
        "PYTHONPATH": str(REPO_ROOT),
    }
    command = [sys.executable, "-m", "bot", "customers", "purge", "--daily"]
    worker = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
        cwd=REPO_ROOT,
    )
    try:
        assert worker.stdout is not None
        assert "retention purge failed" in worker.stdout.readline().lower()
        assert worker.poll() is None
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=30) == 0
    finally:
        if worker.poll() is None:
            worker.kill()
    once = subprocess.run(
        command[:-1], capture_output=True, text=True, env=env, cwd=REPO_ROOT, timeout=120
    )
    assert once.returncode != 0  # run by hand, a failure is an error exit


def test_rasas_stores_are_found_as_rasa_finds_them(tmp_path: Path) -> None:
    from bot.core.settings import Settings
    from bot.domain.privacy import rasa_store_urls

    embedded = Settings.from_env({"FREIGHTDESK_VAR_DIR": str(tmp_path)})
    urls = rasa_store_urls(embedded)
    assert urls["tracker store"] == f"sqlite:///{tmp_path / 'rasa_tracker.db'}"
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(
        "tracker_store:\n  type: SQL\n  dialect: postgresql\n  url: db.internal\n  port: 5433\n"
        "  db: rasa\n  username: rasa\n  password: pw\n"
        "event_broker:\n  type: pika\n  url: amqp://u:p@127.0.0.1:5672/v\n  queues: [q]\n"
    )
    urls = rasa_store_urls(embedded, endpoints)
    assert urls == {"tracker store": "postgresql://rasa:pw@db.internal:5433/rasa"}
