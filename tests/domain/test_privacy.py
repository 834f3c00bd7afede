"""Personal data: retention per data class and forgetting one customer, on both databases.

Rasa's conversations are written by Rasa's own SQL tracker store (into the test's
database), so the operations are checked against the table Rasa really uses. The
``customers`` commands: tests/commands/test_customers.py; finding Rasa's stores:
tests/engine/test_rasa_stores.py.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from bot.domain.privacy import (
    REMOVED,
    Retention,
    RetentionError,
    forget,
    forgotten_since,
    purge,
)
from bot.storage import db
from bot.storage.models import (
    Complaint,
    ConversationFact,
    Handoff,
    HandoffMessage,
    Lead,
    SurveyResponse,
)
from tests.domain.privacy_data import NOW, converse, seed_customer, tracker_store

RETENTION = Retention(
    transcripts=timedelta(days=90),
    contacts=timedelta(days=365),
    complaints=timedelta(days=730),
    survey_comments=timedelta(days=365),
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
    store = tracker_store(db_url)
    converse(store, "user-123", NOW, "my email is jo@example.com")
    converse(store, "user-456", NOW, "hello")
    seed_customer(engine, "user-123", "jo@example.com", NOW, ref="CMP-2026-00001")
    seed_customer(engine, "user-456", "mo@example.com", NOW, ref="CMP-2026-00002")

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
    store = tracker_store(db_url)
    converse(store, "telegram:4711", NOW, "hi")
    seed_customer(engine, "telegram:4711", "jo@example.com", NOW, ref="CMP-2026-00003")
    with db.session_scope(engine) as session:
        senders, _report = forget(session, "Jo@Example.com", {"tracker store": engine})
    assert senders == {"Jo@Example.com", "telegram:4711"}
    assert _rasa_senders(engine) == set()
    assert _everything_about(engine, "jo@example.com") == []


@pytest.mark.parametrize(
    ("identifier", "found"),
    [
        ("+852 6123 4567", {"web:0f0f0f", "telegram:77"}),
        ("61234567", {"web:0f0f0f", "telegram:77"}),
        ("Mo@Example.COM", {"telegram:88"}),
    ],
)
def test_forget_finds_contacts_given_only_in_a_handoff_or_a_survey_comment(
    db_url: str, identifier: str, found: set[str]
) -> None:
    engine = db.get_engine(db_url)
    with db.session_scope(engine) as session:
        session.add_all(
            [
                Handoff(
                    sender_id="web:0f0f0f",
                    reason="customer_asked",
                    team="general",
                    summary="wants a call back on 6123 4567 today",
                    created_at=NOW,
                ),
                Handoff(
                    sender_id="web:1e1e1e",
                    reason="customer_asked",
                    team="general",
                    summary="shipment 161234567 is late",  # not that phone number
                    created_at=NOW,
                ),
                SurveyResponse(
                    response_id="s-1",
                    sender_id="telegram:77",
                    comment="ring me: +852 6123-4567",
                    offered_at=NOW,
                ),
                SurveyResponse(
                    response_id="s-2",
                    sender_id="telegram:88",
                    comment="write to mo@example.com please",
                    offered_at=NOW,
                ),
            ]
        )
    with db.session_scope(engine) as session:
        senders, _report = forget(session, identifier, {})
    assert senders == {identifier, *found}
    gone = ["mo@example.com"] if "@" in identifier else ["6123 4567", "6123-4567"]
    assert [_everything_about(engine, needle) for needle in gone] == [[]] * len(gone)
    assert _everything_about(engine, "161234567") != []
    with db.session_scope(engine) as session:
        # What a Rasa process checks before writing back a conversation kept in memory.
        assert all(forgotten_since(session, s, NOW) for s in found)
        assert not forgotten_since(session, "web:1e1e1e", NOW)


def test_purge_applies_each_data_class_retention(db_url: str) -> None:
    engine = db.get_engine(db_url)
    store = tracker_store(db_url)
    old, recent = NOW - timedelta(days=800), NOW - timedelta(days=10)
    converse(store, "old-customer", old, "hello from long ago")
    converse(store, "busy-customer", old, "first visit")
    converse(store, "busy-customer", recent, "back again")
    seed_customer(engine, "old-customer", "old@example.com", old, ref="CMP-2024-00001")
    seed_customer(engine, "new-customer", "new@example.com", recent, ref="CMP-2026-00009")

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
    store = tracker_store(db_url)
    old = NOW - timedelta(days=800)
    converse(store, "waiting-customer", old, "still waiting")
    seed_customer(engine, "waiting-customer", "w@example.com", old, ref="CMP-2024-00002")
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
