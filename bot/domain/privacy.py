"""Customers' personal data: retention per data class, and forgetting one customer.

Two operations, both on the project's database and on Rasa's SQL stores (the tracker
store's ``events`` table and its snapshots, and the SQL event broker's ``events``):

* :func:`purge` applies ``config/retention.yml``. A customer whose last message is older
  than the transcript retention (and who has no open complaint or handoff) loses the
  conversation from Rasa's stores, and their sender id is replaced everywhere by a random
  pseudonym. Independently, each data class is cleared when it expires: handoff
  transcripts (agents' messages, the bot's summary), leads' contact details, resolved
  complaints' description/contact/outcome/notes, survey comments.
* :func:`forget` does all of that at once for one customer, named by sender id or by an
  email address or phone number they gave (which finds their other sender ids).

What is kept either way: the KPI facts (conversation facts, survey scores, complaint and
handoff timings, categories, severities, references), under the pseudonym. Nothing is
deleted that a KPI counts, so reports over past periods do not change.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.core.config_files import ConfigFileError, read_mapping
from bot.core.settings import REPO_ROOT
from bot.domain.contacts import EMAIL, Contact, parse_contact
from bot.domain.kpi.rollups import mark_sender_stale
from bot.storage.models import (
    Complaint,
    ComplaintEvent,
    ConversationFact,
    ForgottenConversation,
    Handoff,
    HandoffMessage,
    Lead,
    ProcessedEvent,
    SurveyResponse,
    TranscriptLine,
    utcnow,
)

RETENTION_FILE = REPO_ROOT / "config" / "retention.yml"
DATA_CLASSES: tuple[str, ...] = ("transcripts", "contacts", "complaints", "survey_comments")
REMOVED = "(removed)"
PSEUDONYM_PREFIX = "anon:"
#: Rasa's tables keyed by sender id: the SQL tracker store's and event broker's events,
#: and the bounded tracker store's snapshots (bot/engine/tracker_store.py), where present.
RASA_TABLES: tuple[str, ...] = ("events", "freightdesk_tracker_snapshots")
_OPEN_HANDOFF = ("waiting", "active")
_ENDED_HANDOFF = ("handed_back", "closed")


class RetentionError(ConfigFileError):
    """The retention file is missing or wrong; the message names the file and entry."""


@dataclass(frozen=True)
class Retention:
    """How long each data class is kept."""

    transcripts: timedelta
    contacts: timedelta
    complaints: timedelta
    survey_comments: timedelta

    @classmethod
    def load(cls, path: Path | None = None) -> Retention:
        """Read and check ``config/retention.yml`` (or ``path``).

        Raises:
            RetentionError: unreadable file, unknown or missing entry, not a whole number
                of days of at least 1.
        """
        file = path or RETENTION_FILE
        data = read_mapping(file, RetentionError)
        unknown = sorted(set(data) - set(DATA_CLASSES))
        if unknown:
            raise RetentionError(f"{file}: {unknown[0]}: not a data class ({DATA_CLASSES})")
        days: dict[str, timedelta] = {}
        for name in DATA_CLASSES:
            value = data.get(name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise RetentionError(f"{file}: {name}: should be a number of days (1 or more)")
            days[name] = timedelta(days=value)
        return cls(**days)


@dataclass
class Report:
    """What an operation removed, by item, in the order it happened."""

    counts: dict[str, int] = field(default_factory=dict)

    def add(self, item: str, count: int) -> None:
        """Count ``count`` more of ``item``."""
        self.counts[item] = self.counts.get(item, 0) + max(0, count)

    def lines(self) -> list[str]:
        """One line per item that changed."""
        return [f"  {item}: {count}" for item, count in self.counts.items() if count]

    @property
    def total(self) -> int:
        """Everything counted."""
        return sum(self.counts.values())


def new_pseudonym() -> str:
    """A random replacement for a sender id (not derived from it, so not reversible)."""
    return f"{PSEUDONYM_PREFIX}{secrets.token_hex(8)}"


# -- the project's database ---------------------------------------------------------------


_PHONE_RUN = re.compile(r"(?:\+|00)?[\d(][\d ()./-]{6,22}\d")


def mentions(text: str, contact: Contact) -> bool:
    """True when free text (a handoff summary, a survey comment) gives ``contact``."""
    if contact.kind == EMAIL:
        return contact.value.lower() in text.lower()
    wanted = _national(contact.value)
    for run in _PHONE_RUN.findall(text):
        found = parse_contact(run)
        if found is not None and found.kind != EMAIL and _national(found.value) == wanted:
            return True
    return False


def _national(phone: str) -> str:
    # "+85261234567", "85261234567" and "61234567" are one Hong Kong number.
    digits = re.sub(r"\D", "", phone)
    return digits[3:] if digits.startswith("852") and len(digits) == 11 else digits


def senders_for(session: Session, identifier: str) -> set[str]:
    """The sender ids of a customer named by sender id, email address or phone number.

    A contact is looked up where it is stored as one (complaints, leads) and where a
    customer only wrote it: handoff summaries and context, survey comments.
    """
    senders = {identifier}
    contact = parse_contact(identifier)
    if contact is not None:
        for model in (Complaint, Lead):
            # People type their address in any case; one mailbox, one customer.
            rows = session.execute(
                select(model.sender_id).where(func.lower(model.contact) == contact.value.lower())
            )
            senders.update(row[0] for row in rows)
        # Free text: narrowed in SQL by the address or the number's last four digits,
        # then read properly.
        probe = contact.value.lower() if contact.kind == EMAIL else contact.value[-4:]
        free_text = [
            (Handoff.sender_id, Handoff.summary),
            (Handoff.sender_id, Handoff.context),
            (SurveyResponse.sender_id, SurveyResponse.comment),
        ]
        for sender_column, text_column in free_text:
            rows = session.execute(
                select(sender_column, text_column).where(
                    func.lower(text_column).contains(probe, autoescape=True)
                )
            )
            senders.update(row[0] for row in rows if row[1] and mentions(row[1], contact))
    return senders


def _rowcount(result: Any) -> int:
    return int(result.rowcount or 0)


def _clear_complaints(session: Session, where: Any, report: Report) -> None:
    ids = [row[0] for row in session.execute(select(Complaint.id).where(where))]
    if not ids:
        return
    report.add(
        "complaints: description, contact and outcome removed",
        _rowcount(
            session.execute(
                update(Complaint)
                .where(Complaint.id.in_(ids))
                .values(
                    description=REMOVED,
                    contact=None,
                    contact_kind=None,
                    outcome=None,
                    dedupe_key=None,
                )
                .execution_options(synchronize_session=False)
            )
        ),
    )
    report.add(
        "complaint notes cleared",
        _rowcount(
            session.execute(
                update(ComplaintEvent)
                .where(ComplaintEvent.complaint_id.in_(ids), ComplaintEvent.detail != "")
                .values(detail="")
                .execution_options(synchronize_session=False)
            )
        ),
    )


def _clear_handoffs(session: Session, where: Any, report: Report) -> None:
    ids = [row[0] for row in session.execute(select(Handoff.id).where(where))]
    if not ids:
        return
    report.add(
        "agent messages deleted",
        _rowcount(
            session.execute(delete(HandoffMessage).where(HandoffMessage.handoff_id.in_(ids)))
        ),
    )
    report.add(
        "handoff summaries removed",
        _rowcount(
            session.execute(
                update(Handoff)
                .where(Handoff.id.in_(ids), or_(Handoff.summary != "", Handoff.context != "{}"))
                .values(summary="", context="{}")
                .execution_options(synchronize_session=False)
            )
        ),
    )


def _pseudonymise(session: Session, sender_id: str, pseudonym: str, report: Report) -> None:
    """Replace ``sender_id`` by ``pseudonym`` in every table that keeps it."""
    # Its conversations' and surveys' days are read raw until their rollups are refreshed.
    mark_sender_stale(session, sender_id)
    for label, model in (
        ("conversation facts", ConversationFact),
        ("complaints", Complaint),
        ("handoffs", Handoff),
        ("survey answers", SurveyResponse),
        ("leads", Lead),
    ):
        report.add(
            f"{label}: sender replaced by a pseudonym",
            _rowcount(
                session.execute(
                    update(model)
                    .where(model.sender_id == sender_id)
                    .values(sender_id=pseudonym)
                    .execution_options(synchronize_session=False)
                )
            ),
        )
    session.execute(
        update(Handoff)
        .where(Handoff.open_sender == sender_id)
        .values(open_sender=pseudonym)
        .execution_options(synchronize_session=False)
    )
    report.add(
        "transcript lines deleted",
        _rowcount(
            session.execute(delete(TranscriptLine).where(TranscriptLine.sender_id == sender_id))
        ),
    )
    report.add(
        "processed-event marks deleted",
        _rowcount(
            session.execute(delete(ProcessedEvent).where(ProcessedEvent.sender_id == sender_id))
        ),
    )


def forget_in_database(session: Session, senders: Iterable[str], report: Report) -> None:
    """Remove the personal data of ``senders`` from the project's database."""
    for sender_id in sorted(set(senders)):
        contacts = {
            row[0]
            for model in (Complaint, Lead)
            for row in session.execute(
                select(model.contact).where(
                    model.sender_id == sender_id, model.contact.is_not(None)
                )
            )
        }
        report.add(
            "leads deleted",
            _rowcount(
                session.execute(
                    delete(Lead).where(or_(Lead.sender_id == sender_id, Lead.contact.in_(contacts)))
                )
            ),
        )
        _clear_complaints(
            session,
            or_(Complaint.sender_id == sender_id, Complaint.contact.in_(contacts)),
            report,
        )
        report.add(
            "survey comments removed",
            _rowcount(
                session.execute(
                    update(SurveyResponse)
                    .where(
                        SurveyResponse.sender_id == sender_id, SurveyResponse.comment.is_not(None)
                    )
                    .values(comment=None)
                    .execution_options(synchronize_session=False)
                )
            ),
        )
        _clear_handoffs(session, Handoff.sender_id == sender_id, report)
        _pseudonymise(session, sender_id, new_pseudonym(), report)


def purge_database(
    session: Session, retention: Retention, now: datetime, report: Report, expired: Iterable[str]
) -> None:
    """Apply each data class's retention; pseudonymise the ``expired`` senders."""
    _clear_handoffs(
        session,
        Handoff.status.in_(_ENDED_HANDOFF)
        & (
            func.coalesce(Handoff.closed_at, Handoff.handed_back_at, Handoff.created_at)
            < now - retention.transcripts
        ),
        report,
    )
    report.add(
        "leads: contact details removed",
        _rowcount(
            session.execute(
                update(Lead)
                .where(Lead.created_at < now - retention.contacts, Lead.contact != REMOVED)
                .values(name=REMOVED, contact=REMOVED, company=None, note=None)
                .execution_options(synchronize_session=False)
            )
        ),
    )
    _clear_complaints(
        session,
        (Complaint.resolved_at < now - retention.complaints) & (Complaint.description != REMOVED),
        report,
    )
    report.add(
        "survey comments removed",
        _rowcount(
            session.execute(
                update(SurveyResponse)
                .where(
                    SurveyResponse.offered_at < now - retention.survey_comments,
                    SurveyResponse.comment.is_not(None),
                )
                .values(comment=None)
                .execution_options(synchronize_session=False)
            )
        ),
    )
    for sender_id in sorted(set(expired)):
        _pseudonymise(session, sender_id, new_pseudonym(), report)


def active_senders(session: Session) -> set[str]:
    """Senders with an open complaint or handoff: their data is still in use."""
    open_complaints = select(Complaint.sender_id).where(Complaint.status != "resolved")
    open_handoffs = select(Handoff.sender_id).where(Handoff.status.in_(_OPEN_HANDOFF))
    return {row[0] for q in (open_complaints, open_handoffs) for row in session.execute(q)}


def stale_fact_senders(session: Session, cutoff: datetime) -> set[str]:
    """Senders whose last conversation fact ended before ``cutoff`` (not yet pseudonymised)."""
    rows = session.execute(
        select(ConversationFact.sender_id)
        .where(~ConversationFact.sender_id.startswith(PSEUDONYM_PREFIX))
        .group_by(ConversationFact.sender_id)
        .having(func.max(ConversationFact.last_event_at) < cutoff)
    )
    return {row[0] for row in rows}


# -- Rasa's SQL stores (found by bot.engine.rasa_stores) -----------------------------------


def _rasa_tables(engine: Engine) -> list[sa.Table]:
    names = set(sa.inspect(engine).get_table_names())
    metadata = sa.MetaData()
    return [sa.Table(name, metadata, autoload_with=engine) for name in RASA_TABLES if name in names]


def forget_in_rasa_store(
    engine: Engine, label: str, senders: Iterable[str], report: Report
) -> None:
    """Delete every row of ``senders`` from a Rasa store's tables."""
    wanted = sorted(set(senders))
    # Read the tables first: inspecting opens a connection of its own, which on SQLite
    # would wait for the write lock this transaction holds.
    tables = _rasa_tables(engine)
    with engine.begin() as connection:
        for table in tables:
            if "sender_id" not in table.c:
                continue
            deleted = connection.execute(delete(table).where(table.c.sender_id.in_(wanted)))
            what = "events" if table.name == "events" else "snapshots"
            report.add(f"{label} {what} deleted", _rowcount(deleted))


def expired_in_tracker_store(engine: Engine, cutoff: datetime) -> tuple[set[str], set[str]]:
    """(senders whose last event is before ``cutoff``, senders with a later one)."""
    tables = [t for t in _rasa_tables(engine) if t.name == "events" and "timestamp" in t.c]
    if not tables:
        return set(), set()
    events = tables[0]
    last = func.max(events.c.timestamp)
    with engine.connect() as connection:
        rows = connection.execute(
            select(events.c.sender_id, last).group_by(events.c.sender_id)
        ).all()
    limit = cutoff.timestamp()
    old = {row[0] for row in rows if row[1] is not None and row[1] < limit}
    return old, {row[0] for row in rows} - old


def sender_hash(sender_id: str) -> str:
    """The SHA-256 of a sender id: what is kept of a forgotten conversation."""
    return hashlib.sha256(sender_id.encode("utf-8")).hexdigest()


def record_forgotten(session: Session, senders: Iterable[str], when: datetime) -> None:
    """Note that ``senders``' conversations were deleted at ``when`` (hashes only)."""
    for sender_id in sorted(set(senders)):
        row = session.get(ForgottenConversation, sender_hash(sender_id))
        if row is None:
            session.add(
                ForgottenConversation(sender_hash=sender_hash(sender_id), forgotten_at=when)
            )
        else:
            row.forgotten_at = when
    session.flush()


def forgotten_since(session: Session, sender_id: str, since: datetime) -> bool:
    """True when ``sender_id``'s customer was forgotten at or after ``since``.

    A Rasa process asks before writing back a conversation it kept in memory since
    ``since``: a copy older than the delete must not bring the customer's data back.
    """
    row = session.get(ForgottenConversation, sender_hash(sender_id))
    return row is not None and row.forgotten_at >= since


# -- the operations ------------------------------------------------------------------------


def forget(
    session: Session, identifier: str, rasa_engines: dict[str, Engine]
) -> tuple[set[str], Report]:
    """Remove one customer's personal data everywhere; return their sender ids and a report."""
    report = Report()
    senders = senders_for(session, identifier)
    # Rasa's stores are written on their own connections; the session must not hold a
    # SQLite lock meanwhile (they may share a file or a database).
    session.commit()
    # Recorded first (committed), so a Rasa process holding one of these conversations
    # in memory during a tracker store outage drops it instead of writing it back.
    record_forgotten(session, senders, utcnow())
    session.commit()
    for label, engine in rasa_engines.items():
        forget_in_rasa_store(engine, label, senders, report)
    forget_in_database(session, senders, report)
    return senders, report


def purge(
    session: Session,
    retention: Retention,
    rasa_engines: dict[str, Engine],
    now: datetime | None = None,
) -> Report:
    """Apply the retention policy once; return what was removed."""
    moment = now or utcnow()
    cutoff = moment - retention.transcripts
    report = Report()
    old: set[str] = set()
    recent: set[str] = set()
    tracker = rasa_engines.get("tracker store")
    if tracker is not None:
        old, recent = expired_in_tracker_store(tracker, cutoff)
    expired = (old | stale_fact_senders(session, cutoff)) - recent - active_senders(session)
    expired = {s for s in expired if not s.startswith(PSEUDONYM_PREFIX)}
    session.commit()  # see forget(): no lock held while Rasa's stores are written
    if expired:
        for label, engine in rasa_engines.items():
            forget_in_rasa_store(engine, label, expired, report)
    report.add("customers whose conversations expired", len(expired))
    purge_database(session, retention, moment, report, expired)
    return report
