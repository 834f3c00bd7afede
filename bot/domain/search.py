"""Full-text search over what customers and staff wrote: transcript lines and complaint
texts, limited to what the searching staff member may see.

PostgreSQL matches the phrase with its text search (``to_tsvector('simple', ...)`` under
the GIN indexes of migration 0012); Chinese, which that parser does not split into words,
and text too short for an index, is matched as a substring. SQLite uses the FTS5 table
``search_index`` (trigram tokenizer: any phrase of three or more characters, Chinese
included).

Who sees what: a manager everything; a team lead the conversations handed to their team
or its members and the complaints assigned to its members; an agent the conversations
they handled and the complaints assigned to them.

Each hit names where it came from, within the same limits: the handoff of that customer
the viewer may open (the latest one queued by the time of the line or complaint, else the
first after it) and, for a manager, the conversation session in the conversation log
(the customer's latest session started by then); a complaint hit also names whether the
complaint is still open (listed on the complaints page).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import func, or_, select, text
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from bot.storage.models import Complaint, ConversationFact, Handoff, StaffUser, TranscriptLine

#: Most results shown for one search.
LIMIT = 50
#: Complaint statuses the complaints page lists.
OPEN_COMPLAINT = ("open", "in_progress")
#: Longest query accepted.
MAX_QUERY = 200
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


@dataclass(frozen=True)
class Viewer:
    """Who searches: their name, role and team."""

    name: str
    role: str
    team: str


@dataclass(frozen=True)
class SearchHit:
    """One match: a transcript line (``kind`` "line") or a complaint's text."""

    kind: str
    sender_id: str
    at: datetime
    text: str
    who: str
    reference: str | None = None
    #: The handoff the viewer may open for this customer's conversation, if any.
    handoff_id: int | None = None
    #: The conversation session in the managers' conversation log (managers only).
    fact_id: int | None = None
    #: A complaint hit: whether it is still open (on the complaints page).
    complaint_open: bool = False


def clean_query(query: str) -> str:
    """The query as searched: spaces folded, at most :data:`MAX_QUERY` characters."""
    return " ".join((query or "").split())[:MAX_QUERY]


def _members(session: Session, team: str) -> list[str]:
    return list(session.scalars(select(StaffUser.name).where(StaffUser.team == team)))


def _visible_handoffs(session: Session, viewer: Viewer) -> ColumnElement[bool] | None:
    """The handoffs ``viewer`` may open from a search (None: all of them)."""
    if viewer.role == "manager":
        return None
    if viewer.role == "team_lead":
        return or_(Handoff.team == viewer.team, Handoff.agent.in_(_members(session, viewer.team)))
    return Handoff.agent == viewer.name


def _visible_senders(session: Session, viewer: Viewer) -> ColumnElement[bool] | None:
    if (handoffs := _visible_handoffs(session, viewer)) is None:
        return None
    return TranscriptLine.sender_id.in_(select(Handoff.sender_id).where(handoffs))


def _handoff_at(session: Session, viewer: Viewer, sender_id: str, at: datetime) -> int | None:
    """The handoff of ``sender_id`` the viewer may open that ``at`` belongs to: the latest
    queued by then, else the first queued after."""
    query = select(Handoff.id).where(Handoff.sender_id == sender_id)
    if (handoffs := _visible_handoffs(session, viewer)) is not None:
        query = query.where(handoffs)
    before = session.scalar(
        query.where(Handoff.created_at <= at).order_by(Handoff.created_at.desc()).limit(1)
    )
    if before is not None:
        return int(before)
    after = session.scalar(
        query.where(Handoff.created_at > at).order_by(Handoff.created_at).limit(1)
    )
    return None if after is None else int(after)


def _fact_at(session: Session, sender_id: str, at: datetime) -> int | None:
    """The customer's conversation session ``at`` falls in (the latest started by then)."""
    found = session.scalar(
        select(ConversationFact.id)
        .where(ConversationFact.sender_id == sender_id, ConversationFact.session_started_at <= at)
        .order_by(ConversationFact.session_started_at.desc())
        .limit(1)
    )
    return None if found is None else int(found)


def _with_sources(session: Session, viewer: Viewer, hit: SearchHit) -> SearchHit:
    """``hit`` with where it came from, as far as ``viewer`` may open it."""
    return replace(
        hit,
        handoff_id=_handoff_at(session, viewer, hit.sender_id, hit.at),
        fact_id=_fact_at(session, hit.sender_id, hit.at) if viewer.role == "manager" else None,
    )


def _visible_complaints(session: Session, viewer: Viewer) -> ColumnElement[bool] | None:
    if viewer.role == "manager":
        return None
    if viewer.role == "team_lead":
        return Complaint.assigned_to.in_(_members(session, viewer.team))
    return Complaint.assigned_to == viewer.name


def _like(query: str) -> str:
    escaped = query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _matching_ids(session: Session, query: str) -> tuple[set[int], set[int]] | None:
    """Ids of matching (lines, complaints) from the index, or None to match substrings."""
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        if len(query) < 3:  # the trigram index needs three characters
            return None
        phrase = '"' + query.replace('"', '""') + '"'
        rows = session.execute(
            text(
                "SELECT kind, row_id FROM search_index WHERE search_index MATCH :phrase "
                "ORDER BY rank LIMIT 2000"
            ),
            {"phrase": phrase},
        )
    else:
        if _CJK.search(query) or not re.search(r"\w", query):
            return None
        rows = session.execute(
            text(
                "(SELECT 'line', id FROM transcript_lines WHERE to_tsvector('simple', text) "
                "@@ phraseto_tsquery('simple', :q) ORDER BY id DESC LIMIT 2000) UNION ALL "
                "(SELECT 'complaint', id FROM complaints WHERE "
                "to_tsvector('simple', description) @@ phraseto_tsquery('simple', :q) "
                "ORDER BY id DESC LIMIT 2000)"
            ),
            {"q": query},
        )
    lines: set[int] = set()
    complaints: set[int] = set()
    for kind, row_id in rows:
        (lines if kind == "line" else complaints).add(int(row_id))
    return lines, complaints


def search(session: Session, query: str, viewer: Viewer, limit: int = LIMIT) -> list[SearchHit]:
    """What ``viewer`` may see that contains ``query`` (a phrase), newest first.

    Args:
        session: open session.
        query: the words to find, as typed (case does not matter).
        viewer: who searches (their role decides what is searched).
        limit: most hits returned.
    """
    phrase = clean_query(query)
    if not phrase:
        return []
    ids = _matching_ids(session, phrase)
    line_match: ColumnElement[bool]
    complaint_match: ColumnElement[bool]
    if ids is None:
        line_match = func.lower(TranscriptLine.text).like(_like(phrase.lower()), escape="\\")
        complaint_match = func.lower(Complaint.description).like(_like(phrase.lower()), escape="\\")
    else:
        line_match = TranscriptLine.id.in_(sorted(ids[0]) or [-1])
        complaint_match = Complaint.id.in_(sorted(ids[1]) or [-1])
    lines = select(TranscriptLine).where(line_match, TranscriptLine.who != "system")
    if (allowed := _visible_senders(session, viewer)) is not None:
        lines = lines.where(allowed)
    complaints = select(Complaint).where(complaint_match)
    if (assigned := _visible_complaints(session, viewer)) is not None:
        complaints = complaints.where(assigned)
    hits = [
        SearchHit("line", r.sender_id, r.at, r.text, r.agent or r.who)
        for r in session.scalars(lines.order_by(TranscriptLine.at.desc()).limit(limit))
    ] + [
        SearchHit(
            "complaint",
            c.sender_id,
            c.created_at,
            c.description,
            "customer",
            c.reference,
            complaint_open=c.status in OPEN_COMPLAINT,
        )
        for c in session.scalars(complaints.order_by(Complaint.created_at.desc()).limit(limit))
    ]
    newest = sorted(hits, key=lambda h: h.at, reverse=True)[:limit]
    return [_with_sources(session, viewer, hit) for hit in newest]
