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
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select, text
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from bot.storage.models import Complaint, Handoff, StaffUser, TranscriptLine

#: Most results shown for one search.
LIMIT = 50
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


def clean_query(query: str) -> str:
    """The query as searched: spaces folded, at most :data:`MAX_QUERY` characters."""
    return " ".join((query or "").split())[:MAX_QUERY]


def _members(session: Session, team: str) -> list[str]:
    return list(session.scalars(select(StaffUser.name).where(StaffUser.team == team)))


def _visible_senders(session: Session, viewer: Viewer) -> ColumnElement[bool] | None:
    if viewer.role == "manager":
        return None
    handled = select(Handoff.sender_id)
    if viewer.role == "team_lead":
        handled = handled.where(
            or_(Handoff.team == viewer.team, Handoff.agent.in_(_members(session, viewer.team)))
        )
    else:
        handled = handled.where(Handoff.agent == viewer.name)
    return TranscriptLine.sender_id.in_(handled)


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
        SearchHit("complaint", c.sender_id, c.created_at, c.description, "customer", c.reference)
        for c in session.scalars(complaints.order_by(Complaint.created_at.desc()).limit(limit))
    ]
    return sorted(hits, key=lambda h: h.at, reverse=True)[:limit]
