"""Full-text search over transcripts and complaint texts for the console: PostgreSQL's
text search (GIN indexes on ``to_tsvector('simple', ...)``) in production, an SQLite FTS5
table (trigram tokenizer, so Chinese text is found too) kept by triggers when embedded.

Revision ID: 0012_console_search
Revises: 0011_console_transcript_lines
Create Date: 2026-12-04
"""

from __future__ import annotations

from alembic import op

revision = "0012_console_search"
down_revision = "0011_console_transcript_lines"
branch_labels = None
depends_on = None

_SQLITE = (
    # kind: 'line' (transcript_lines.id) or 'complaint' (complaints.id).
    "CREATE VIRTUAL TABLE search_index USING fts5("
    "body, kind UNINDEXED, row_id UNINDEXED, tokenize='trigram')",
    "INSERT INTO search_index (body, kind, row_id) SELECT text, 'line', id FROM transcript_lines",
    "INSERT INTO search_index (body, kind, row_id) "
    "SELECT description, 'complaint', id FROM complaints",
    "CREATE TRIGGER search_line_added AFTER INSERT ON transcript_lines BEGIN "
    "INSERT INTO search_index (body, kind, row_id) VALUES (new.text, 'line', new.id); END",
    "CREATE TRIGGER search_line_deleted AFTER DELETE ON transcript_lines BEGIN "
    "DELETE FROM search_index WHERE kind = 'line' AND row_id = old.id; END",
    "CREATE TRIGGER search_complaint_added AFTER INSERT ON complaints BEGIN "
    "INSERT INTO search_index (body, kind, row_id) "
    "VALUES (new.description, 'complaint', new.id); END",
    "CREATE TRIGGER search_complaint_changed AFTER UPDATE OF description ON complaints BEGIN "
    "UPDATE search_index SET body = new.description "
    "WHERE kind = 'complaint' AND row_id = new.id; END",
    "CREATE TRIGGER search_complaint_deleted AFTER DELETE ON complaints BEGIN "
    "DELETE FROM search_index WHERE kind = 'complaint' AND row_id = old.id; END",
)

_POSTGRESQL = (
    "CREATE INDEX ix_transcript_lines_search ON transcript_lines "
    "USING gin (to_tsvector('simple', text))",
    "CREATE INDEX ix_complaints_search ON complaints "
    "USING gin (to_tsvector('simple', description))",
)


def upgrade() -> None:
    """Create the search index of the database in use."""
    dialect = op.get_bind().dialect.name
    for statement in _SQLITE if dialect == "sqlite" else _POSTGRESQL:
        op.execute(statement)


def downgrade() -> None:
    """Drop it."""
    if op.get_bind().dialect.name == "sqlite":
        for trigger in (
            "search_line_added",
            "search_line_deleted",
            "search_complaint_added",
            "search_complaint_changed",
            "search_complaint_deleted",
        ):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS search_index")
    else:
        op.execute("DROP INDEX IF EXISTS ix_transcript_lines_search")
        op.execute("DROP INDEX IF EXISTS ix_complaints_search")
