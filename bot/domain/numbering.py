"""Yearly reference numbers without gaps: one counter row per year, taken in turn.

Complaints (``CMP-``) and requests (``REQ-``) number the same way from their own counter
table (columns ``year`` and ``last_value``). Functions take an open session; the caller
commits.
"""

from __future__ import annotations

from sqlalchemy import Table, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session


def lock_counter(session: Session, table: Table, year: int) -> None:
    """Take the year's counter in turn, as the transaction's first statement.

    A write first: on SQLite it takes the database's write lock now (waiting for another
    writer) instead of failing later when a read snapshot would have to be upgraded; on
    PostgreSQL it locks the year's counter row. Two creations take turns from here on.
    """
    session.execute(update(table).where(table.c.year == year).values(last_value=table.c.last_value))


def next_number(session: Session, table: Table, year: int) -> int:
    """The year's next number (1 for the first), counted in ``table``."""
    bump = update(table).where(table.c.year == year).values(last_value=table.c.last_value + 1)
    if session.execute(bump).rowcount == 0:
        try:
            with session.begin_nested():
                session.execute(insert(table).values(year=year, last_value=1))
            return 1
        except IntegrityError:
            # Another transaction made the year's row first; it is committed now.
            session.execute(bump)
    value: int = session.execute(
        select(table.c.last_value).where(table.c.year == year)
    ).scalar_one()
    return value
