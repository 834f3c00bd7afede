"""Daily KPI rollups: the parts of the conversation and survey KPIs per day x slice.

For each service-centre day and each slice (every dimension of
:data:`~bot.domain.kpi.formulas.DIMENSIONS`, and the whole day), the rollup keeps what
:func:`~bot.domain.kpi.formulas.raw_parts` reads from the facts: each ratio KPI's
numerator and denominator sums and each percentile measure's histogram in the fixed
log-scale buckets of :mod:`bot.domain.kpi.histograms` (a percentile read from rolled-up
days is the bucket of the raw one: at most 4.4 % below it, exact under 23), never a ratio.
A report adds the parts of the rolled-up days to the raw parts of the other days and of
partial days, and :func:`~bot.domain.kpi.formulas.finish` takes ratios and percentiles
once, so no formula is written twice and a year sliced by agent reads a few thousand
rollup rows instead of a million facts.

Freshness: whoever writes a conversation fact or a survey calls :func:`mark_stale` with
the time that places it in a period, in the same transaction. A day with a marker is
read raw until :func:`refresh_stale` (``kpi rollups refresh``) or
:class:`StaleRefresher` (the event-stream consumer, at most every
:data:`REFRESH_EVERY_S` seconds) rolls it up again, so a late or out-of-order event, a
survey answered days later or a forgotten customer is never reported from an outdated
rollup. The consumer rolls each stale day up in a transaction of its own, apart from its
batches: rolling up a busy day takes about 0.4 s on SQLite (2,740 conversations and as
many surveys, a million a year), and on the embedded default every transaction that
writes holds the one write lock the action server needs for a customer's complaint.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from bot.domain.kpi.formulas import (
    ALL,
    DIMENSIONS,
    KPIS,
    Figures,
    Kpi,
    Parts,
    _tune_postgresql,
    finish,
    measure_name,
    period_bounds,
    raw_parts,
    sliceable,
)
from bot.domain.kpi.histograms import bucketed
from bot.storage.db import session_scope
from bot.storage.models import (
    Complaint,
    ConversationFact,
    Handoff,
    KpiRollupDay,
    KpiRollupHistogram,
    KpiRollupStale,
    KpiRollupSum,
    SurveyResponse,
    utcnow,
)

#: The sources rolled up: the ones that grow by a million rows a year, the handoffs
#: (their three duration histograms and their language, looked up from the conversation)
#: and the complaints (resolution time by agent, language looked up likewise); both are
#: sliced by the key account recorded when they were written (migration 0020).
ROLLED_SOURCES: tuple[str, ...] = ("conversations", "surveys", "handoffs", "complaints")

#: Measures kept in units finer than one (business hours to the hundredth): the bucket
#: scale of :func:`bot.domain.kpi.histograms.bucket_of`.
SCALES: dict[str, int] = {"complaint_resolution_bh": 100}

#: The KPIs whose parts are rolled up.
ROLLED_KPIS: tuple[Kpi, ...] = tuple(kpi for kpi in KPIS if kpi.source in ROLLED_SOURCES)

#: The rollup's dimension name for the whole day (slice :data:`ALL`).
WHOLE = "all"

#: Seconds between the event-stream consumer's rollups of stale days. Until then a stale
#: day is read raw (a day's facts, quick to read), so this trades no correctness.
REFRESH_EVERY_S = 30.0

#: Stale markers deleted per statement (SQLite limits the parameters of one statement).
_MARKERS_PER_DELETE = 500


# -- writers' side ----------------------------------------------------------------------


def mark_stale(session: Session, times: Iterable[datetime | None]) -> None:
    """Note that facts placed at ``times`` changed: their days are read raw until
    refreshed. Call it in the transaction that writes the facts."""
    stamps = sorted({t for t in times if t is not None})
    if stamps:
        session.execute(insert(KpiRollupStale), [{"at": t} for t in stamps])


def mark_sender_stale(session: Session, sender_id: str) -> None:
    """Mark stale the days of every conversation and survey of ``sender_id`` (before a
    customer's data is forgotten or pseudonymised)."""
    for column, owner in (
        (ConversationFact.session_started_at, ConversationFact.sender_id),
        (SurveyResponse.offered_at, SurveyResponse.sender_id),
        (Handoff.created_at, Handoff.sender_id),
        (Complaint.created_at, Complaint.sender_id),
    ):
        mark_stale(session, session.scalars(select(column).where(owner == sender_id)))


# -- refreshing -------------------------------------------------------------------------


def local_day(at: datetime, tz: ZoneInfo) -> date:
    """The service-centre day ``at`` falls on."""
    return at.astimezone(tz).date()


def refresh_days(session: Session, days: Iterable[date], tz: ZoneInfo) -> int:
    """Roll up ``days`` again from the facts, replacing their rollup rows.

    Returns:
        How many days were rolled up.
    """
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        _tune_postgresql(connection)
    done = 0
    for day in sorted(set(days)):
        _replace_day(connection, day, tz)
        done += 1
    return done


def _replace_day(connection: Connection, day: date, tz: ZoneInfo) -> None:
    for table in (KpiRollupSum, KpiRollupHistogram):
        connection.execute(delete(table).where(table.day == day))
    connection.execute(delete(KpiRollupDay).where(KpiRollupDay.day == day))
    begin, until = period_bounds(day, day, tz)
    sums: list[dict[str, object]] = []
    counts: list[dict[str, object]] = []
    for by in (None, *DIMENSIONS):
        kpis = [kpi for kpi in ROLLED_KPIS if sliceable(kpi, by)]
        parts = raw_parts(connection, kpis, begin, until, by)
        dimension = WHOLE if by is None else by
        for code, groups in parts.sums.items():
            for group, (numerator, denominator) in groups.items():
                sums.append(
                    {
                        "day": day,
                        "dimension": dimension,
                        "slice": group,
                        "kpi": code,
                        "numerator": numerator,
                        "denominator": denominator,
                    }
                )
        for measure, hist_groups in parts.histograms.items():
            for group, exact in hist_groups.items():
                counts.extend(
                    {
                        "day": day,
                        "dimension": dimension,
                        "slice": group,
                        "measure": measure,
                        "value": value,
                        "count": count,
                    }
                    for value, count in bucketed(exact, SCALES.get(measure, 1)).items()
                )
    if sums:
        connection.execute(insert(KpiRollupSum), sums)
    if counts:
        connection.execute(insert(KpiRollupHistogram), counts)
    connection.execute(insert(KpiRollupDay), [{"day": day, "refreshed_at": utcnow()}])


def refresh_stale(session: Session, tz: ZoneInfo) -> int:
    """Roll up again every day a writer marked stale, and clear those markers, in the
    caller's transaction.

    Returns:
        How many days were rolled up.
    """
    by_day = _stale_by_day(session, tz)
    for day, ids in sorted(by_day.items()):
        refresh_days(session, [day], tz)
        _forget_markers(session, ids)
    return len(by_day)


def refresh_stale_apart(engine: Engine, tz: ZoneInfo) -> int:
    """Roll up again every day a writer marked stale, each day in a transaction of its
    own, so no transaction holds the write lock for longer than one day's rollup.

    Only the markers read before the day is rolled up are cleared: a marker written
    meanwhile (or not yet committed, on PostgreSQL) stays, and its day is rolled up again
    next time.

    Returns:
        How many days were rolled up.
    """
    with session_scope(engine, read_only=True) as session:
        by_day = _stale_by_day(session, tz)
    for day, ids in sorted(by_day.items()):
        with session_scope(engine) as session:
            refresh_days(session, [day], tz)
            _forget_markers(session, ids)
    return len(by_day)


class StaleRefresher:
    """Rolls stale days up (:func:`refresh_stale_apart`) at most every ``every`` seconds:
    what a long-running consumer calls after each pass, busy or idle (a survey's marker
    comes from the action server, not from the event stream)."""

    def __init__(self, engine: Engine, tz: ZoneInfo, every: float = REFRESH_EVERY_S) -> None:
        self.engine = engine
        self.tz = tz
        self.every = every
        self._last: float | None = None

    def __call__(self) -> int:
        """Roll up the stale days if the last rollup is ``every`` seconds old.

        Returns:
            How many days were rolled up (0 when it was not yet time).
        """
        now = time.monotonic()
        if self._last is not None and now - self._last < self.every:
            return 0
        self._last = now
        return refresh_stale_apart(self.engine, self.tz)


def _stale_by_day(session: Session, tz: ZoneInfo) -> dict[date, list[int]]:
    by_day: dict[date, list[int]] = {}
    for marker_id, at in session.execute(select(KpiRollupStale.id, KpiRollupStale.at)):
        by_day.setdefault(local_day(at, tz), []).append(marker_id)
    return by_day


def _forget_markers(session: Session, ids: Sequence[int]) -> None:
    for start in range(0, len(ids), _MARKERS_PER_DELETE):
        chunk = ids[start : start + _MARKERS_PER_DELETE]
        session.execute(delete(KpiRollupStale).where(KpiRollupStale.id.in_(chunk)))


def backfill(
    session: Session, tz: ZoneInfo, start: date | None = None, end: date | None = None
) -> int:
    """Roll up every day from ``start`` to ``end`` (default: the first to the last day
    with a conversation or a survey), e.g. after the migration that adds the rollups.

    Returns:
        How many days were rolled up.
    """
    if start is None or end is None:
        first, last = _fact_span(session)
        if first is None or last is None:
            return 0
        start = start or local_day(first, tz)
        end = end or local_day(last, tz)
    seen = session.scalar(select(func.max(KpiRollupStale.id)))
    done = refresh_days(session, _days(start, end), tz)
    # Fresh statistics for the planner after a bulk write (autovacuum would take a
    # while): without them a year's histograms are sorted on disk instead of hashed.
    for table in (KpiRollupHistogram, KpiRollupSum, KpiRollupDay):
        session.execute(text(f"ANALYZE {table.__tablename__}"))
    if seen is not None:
        # Changes noted before the backfill read the facts are in its rollups now.
        begin, until = period_bounds(start, end, tz)
        session.execute(
            delete(KpiRollupStale).where(
                KpiRollupStale.id <= seen, KpiRollupStale.at >= begin, KpiRollupStale.at < until
            )
        )
    return done


def _fact_span(session: Session) -> tuple[datetime | None, datetime | None]:
    spans = [
        session.execute(select(func.min(column), func.max(column))).one()
        for column in (ConversationFact.session_started_at, SurveyResponse.offered_at)
    ]
    firsts = [s[0] for s in spans if s[0] is not None]
    lasts = [s[1] for s in spans if s[1] is not None]
    return (min(firsts) if firsts else None), (max(lasts) if lasts else None)


def _days(start: date, end: date) -> Iterator[date]:
    day = start
    while day <= end:
        yield day
        day += timedelta(days=1)


# -- reading ----------------------------------------------------------------------------


def compute_many(
    session: Session,
    kpis: Sequence[Kpi],
    begin: datetime,
    until: datetime,
    tz: ZoneInfo,
    by: str | None = None,
    only: tuple[str, str] | None = None,
) -> dict[str, Figures | None]:
    """:func:`bot.domain.kpi.formulas.compute_many`, reading rolled-up days from the
    rollups: the same figures (percentiles to the precision of the buckets), from the parts
    of fresh rolled-up days plus the raw parts of everything else (partial days, stale
    days, days not rolled up, complaints and requests).

    Args:
        only: ``(dimension, value)``: the figures of that one slice (a dashboard filter),
            reported as :data:`~bot.domain.kpi.formulas.ALL`; not with ``by``.
    """
    for name in (by, only[0] if only else None):
        if name is not None and name not in DIMENSIONS:
            raise ValueError(f"unknown dimension {name!r}; use one of {', '.join(DIMENSIONS)}")
    if by is not None and only is not None:
        raise ValueError("the rollups hold one dimension at a time: slice or filter, not both")
    dimension = by or (only[0] if only else None)
    results: dict[str, Figures | None] = {
        kpi.code: None for kpi in kpis if not sliceable(kpi, dimension)
    }
    wanted = [kpi for kpi in kpis if sliceable(kpi, dimension)]
    rolled = [kpi for kpi in wanted if kpi in ROLLED_KPIS]
    others = [kpi for kpi in wanted if kpi not in rolled]
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        _tune_postgresql(connection)
    parts = Parts()
    if others:
        parts.add(raw_parts(connection, others, begin, until, by, only))
    if rolled:
        fresh = _fresh_runs(session, begin, until, tz)
        cursor = begin
        for first, last in fresh:
            day_begin, day_until = period_bounds(first, last, tz)
            if cursor < day_begin:
                parts.add(raw_parts(connection, rolled, cursor, day_begin, by, only))
            parts.add(_rolled_parts(connection, rolled, first, last, by, only))
            cursor = day_until
        if cursor < until:
            parts.add(raw_parts(connection, rolled, cursor, until, by, only))
    results.update(finish(wanted, parts, by))
    return results


def _fresh_runs(
    session: Session, begin: datetime, until: datetime, tz: ZoneInfo
) -> list[tuple[date, date]]:
    """Runs of consecutive days wholly inside ``[begin, until)``, rolled up and not
    marked stale since, as ``(first, last)``."""
    first = local_day(begin, tz)
    if period_bounds(first, first, tz)[0] < begin:
        first += timedelta(days=1)
    last = local_day(until, tz) - timedelta(days=1)
    if last < first:
        return []
    rolled = set(
        session.scalars(
            select(KpiRollupDay.day).where(KpiRollupDay.day >= first, KpiRollupDay.day <= last)
        )
    )
    lo, hi = period_bounds(first, last, tz)
    stale = {
        local_day(at, tz)
        for at in session.scalars(
            select(KpiRollupStale.at).where(KpiRollupStale.at >= lo, KpiRollupStale.at < hi)
        )
    }
    runs: list[tuple[date, date]] = []
    for day in _days(first, last):
        if day not in rolled or day in stale:
            continue
        if runs and runs[-1][1] == day - timedelta(days=1):
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def _rolled_parts(
    connection: Connection,
    kpis: Sequence[Kpi],
    first: date,
    last: date,
    by: str | None,
    only: tuple[str, str] | None = None,
) -> Parts:
    """The parts of ``kpis`` over the rolled-up days ``first`` to ``last``, by ``by`` or
    of the one slice ``only`` (labelled :data:`~bot.domain.kpi.formulas.ALL`)."""
    dimension = only[0] if only else (WHOLE if by is None else by)
    parts = Parts()
    codes = [kpi.code for kpi in kpis if kpi.ratio is not None]
    measures = sorted({measure_name(kpi) for kpi in kpis if kpi.ratio is None})
    if codes:
        s = KpiRollupSum
        query = (
            select(s.kpi, s.slice, func.sum(s.numerator), func.sum(s.denominator))
            .where(
                s.dimension == dimension,
                s.kpi.in_(codes),
                s.day >= first,
                s.day <= last,
            )
            .group_by(s.kpi, s.slice)
        )
        if only:
            query = query.where(s.slice == only[1])
        for code, group, numerator, denominator in connection.execute(query):
            group = ALL if only else group
            parts.sums.setdefault(code, {})[group] = [float(numerator), float(denominator)]
    if measures:
        h = KpiRollupHistogram
        query = (
            select(h.measure, h.slice, h.value, func.sum(h.count))
            .where(
                h.dimension == dimension,
                h.measure.in_(measures),
                h.day >= first,
                h.day <= last,
            )
            .group_by(h.measure, h.slice, h.value)
        )
        if only:
            query = query.where(h.slice == only[1])
        for measure, group, value, count in connection.execute(query):
            group = ALL if only else group
            parts.histograms.setdefault(measure, {}).setdefault(group, {})[float(value)] = int(
                count
            )
    return parts
