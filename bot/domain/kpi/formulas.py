"""Every KPI, defined once: its formula, its data source and how it is sliced.

All aggregation happens in SQL (``COUNT``/``SUM``/``CASE``, ``GROUP BY`` histograms), so a
report over millions of rows moves a few dozen numbers out of the database, never the
rows. The same formula text is in ``docs/kpis.md``.

Conventions
-----------
- A period runs from 00:00 on the first day to 24:00 on the last day in the service
  centre's time zone. Survey KPIs count surveys *offered* in the period, conversation KPIs
  conversation sessions *started* in it, handoff KPIs handoffs *queued* in it and
  complaint KPIs complaints *opened* in it.
- Percentages are 0-100. Rows where a KPI's input is empty (a question not answered, a
  handoff never taken) are left out of that KPI and of its sample size ``n``.
- Medians and p90 are nearest-rank percentiles: the value at rank ``ceil(p * n)`` of the
  sorted values (for an even count the median is the lower middle value), read from a
  histogram the database aggregates (one row per distinct value). Durations are rounded
  to the whole second (bot replies to the whole millisecond) before ranking; business
  hours keep the decimals ``bot.domain.complaints.staff`` stored.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, TypeAlias
from zoneinfo import ZoneInfo

from sqlalchemy import Float, and_, case, cast, extract, func, literal, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import BindParameter, UnaryExpression
from sqlalchemy.sql.operators import custom_op

from bot.storage.models import (
    UTC,
    Complaint,
    ConversationFact,
    CustomerRequest,
    Handoff,
    ShipmentEvent,
    ShipmentLookup,
    ShipmentNotice,
    SurveyResponse,
)

#: Ways a report can be sliced (``--by``); ``handled`` is bot-only versus handed-off;
#: ``language`` the conversation's language ("en", "zh").
DIMENSIONS: tuple[str, ...] = (
    "channel",
    "agent",
    "team",
    "intent",
    "account",
    "handled",
    "language",
)

#: Group label of a report that is not sliced.
ALL = "all"

# SQLAlchemy 1.4 ships no precise types for column expressions.
Expr: TypeAlias = Any


@dataclass(frozen=True)
class Source:
    """A table the KPIs read, the time that places a row in a period, and its slices.

    ``dimensions`` gives each slice's label; ``group_keys`` the stored column a slice is
    grouped by when the label is computed from it (``handled`` from ``handed_off``), so
    the database can read the groups in the order of an index that starts with that
    column instead of sorting every row.
    """

    name: str
    table: Any
    time_column: Any
    dimensions: dict[str, Expr | None]
    group_keys: dict[str, Expr] = field(default_factory=dict)

    def group_key(self, by: str) -> Expr:
        """The expression rows are grouped by for slice ``by``."""
        key = self.group_keys.get(by)
        return key if key is not None else self.dimensions[by]


def _handled(handed_off: Expr) -> Expr:
    return case((handed_off, literal("handed_off")), else_=literal("bot_only"))


def _language_at(sender_id: Expr, at: Expr) -> Expr:
    """The language of the sender's conversation at ``at``: that of their latest
    conversation session started by then (a probe of the facts' sender and start key)."""
    return (
        select(ConversationFact.language)
        .where(ConversationFact.sender_id == sender_id, ConversationFact.session_started_at <= at)
        .order_by(ConversationFact.session_started_at.desc())
        .limit(1)
        .scalar_subquery()
    )


SOURCES: dict[str, Source] = {
    "surveys": Source(
        "surveys",
        SurveyResponse.__table__,
        SurveyResponse.offered_at,
        {
            "channel": SurveyResponse.channel,
            "agent": SurveyResponse.agent,
            "team": SurveyResponse.team,
            "intent": SurveyResponse.service,
            "account": SurveyResponse.account,
            # A survey after a conversation with an agent belongs to a handed-off one.
            "handled": _handled(SurveyResponse.agent.is_not(None)),
            "language": SurveyResponse.language,
        },
    ),
    "conversations": Source(
        "conversations",
        ConversationFact.__table__,
        ConversationFact.session_started_at,
        {
            "channel": ConversationFact.channel,
            "agent": ConversationFact.agent,
            "team": ConversationFact.team,
            "intent": ConversationFact.first_intent,
            "account": ConversationFact.account,
            "handled": _handled(ConversationFact.handed_off),
            "language": ConversationFact.language,
        },
        {"handled": ConversationFact.handed_off},
    ),
    "handoffs": Source(
        "handoffs",
        Handoff.__table__,
        Handoff.created_at,
        {
            "channel": Handoff.channel,
            "agent": Handoff.agent,
            "team": Handoff.team,
            "intent": None,
            # Recorded when the customer joined the queue (bot.domain.accounts).
            "account": Handoff.account,
            "handled": literal("handed_off"),
            "language": _language_at(Handoff.sender_id, Handoff.created_at),
        },
    ),
    "complaints": Source(
        "complaints",
        Complaint.__table__,
        Complaint.created_at,
        {
            "channel": Complaint.channel,
            "agent": Complaint.assigned_to,
            "team": None,
            "intent": Complaint.category,
            # Recorded when the complaint was filed (bot.domain.accounts).
            "account": Complaint.account,
            "handled": None,
            "language": _language_at(Complaint.sender_id, Complaint.created_at),
        },
    ),
    "requests": Source(
        "requests",
        CustomerRequest.__table__,
        CustomerRequest.created_at,
        {
            "channel": CustomerRequest.channel,
            "agent": CustomerRequest.assigned_to,
            "team": None,
            "intent": CustomerRequest.kind,
            "account": None,
            "handled": None,
            "language": _language_at(CustomerRequest.sender_id, CustomerRequest.created_at),
        },
    ),
    # Shipment notices sent (delivered and not dropped), placed by when they were sent.
    "notices": Source(
        "notices",
        ShipmentNotice.__table__,
        ShipmentNotice.sent_at,
        {
            "channel": ShipmentNotice.channel,
            "agent": None,
            "team": None,
            "intent": None,
            "account": None,
            "handled": None,
            "language": _language_at(ShipmentNotice.sender_id, ShipmentNotice.sent_at),
        },
    ),
}

#: "Asked again" window of ``contacts_avoided``: a notice counts once this long has passed
#: since it was sent, as avoided if its customer did not look the shipment up within it.
ASKED_AGAIN_HOURS = 24
#: Notice kinds that tell of a shipment held up (``bot.domain.shipment_updates.outbox``).
HELD_UP_KINDS = ("exception", "hold")


@dataclass(frozen=True)
class Kpi:
    """One KPI: what it measures and how.

    ``ratio`` KPIs give ``(value, n)`` aggregate expressions; ``percentile`` KPIs give a
    per-row measure and the percentile (50 or 90) taken of it.
    """

    code: str
    name: str
    unit: str
    higher_is_better: bool
    source: str
    formula: str
    ratio: Callable[[str], tuple[Expr, Expr]] | None = None
    measure: Callable[[str], Expr] | None = None
    percentile: int = 0


def _count_if(condition: Expr) -> Expr:
    return func.sum(case((condition, 1), else_=0))


def ratio_value(numerator: float | None, denominator: float | None) -> float | None:
    """Every ratio KPI's value from its summed parts: numerator / denominator x 100, None
    without data. The one place a ratio is taken, over raw rows and over rollups alike."""
    if not denominator:
        return None
    return 100.0 * float(numerator or 0) / float(denominator)


def _seconds_between(later: Any, earlier: Any, dialect: str) -> Expr:
    """Whole seconds from ``earlier`` to ``later`` in SQL, on SQLite and PostgreSQL.

    Rounded to the second: julianday() arithmetic is off by microseconds, and whole
    seconds keep the percentile histograms small.
    """
    if dialect == "sqlite":
        # UTCDateTime keeps naive UTC text on SQLite, which julianday() reads.
        return func.round((func.julianday(later) - func.julianday(earlier)) * 86400.0)
    return func.round(cast(extract("epoch", later) - extract("epoch", earlier), Float))


def csat_pct(_dialect: str) -> tuple[Expr, Expr]:
    """CSAT %: answers of 4 or 5 / all CSAT answers x 100 (scale 1-5)."""
    return _count_if(SurveyResponse.csat >= 4), func.count(SurveyResponse.csat)


def nps(_dialect: str) -> tuple[Expr, Expr]:
    """NPS: % promoters (9-10) minus % detractors (0-6), in points from -100 to 100."""
    promoters = _count_if(SurveyResponse.nps >= 9)
    detractors = _count_if(SurveyResponse.nps <= 6)
    return promoters - detractors, func.count(SurveyResponse.nps)


def fcr_pct(_dialect: str) -> tuple[Expr, Expr]:
    """First-contact resolution %: "resolved" answers / all answers to that question x 100."""
    return _count_if(SurveyResponse.fcr.is_(True)), func.count(SurveyResponse.fcr)


def survey_response_rate_pct(_dialect: str) -> tuple[Expr, Expr]:
    """Survey response rate %: surveys answered / surveys offered x 100."""
    return func.count(SurveyResponse.answered_at), func.count()


def containment_pct(_dialect: str) -> tuple[Expr, Expr]:
    """Containment %: conversation sessions never handed to a person / all sessions x 100."""
    return _count_if(ConversationFact.handed_off.is_(False)), func.count()


def escalation_pct(_dialect: str) -> tuple[Expr, Expr]:
    """Escalation rate %: conversation sessions handed to a person / all sessions x 100."""
    return _count_if(ConversationFact.handed_off.is_(True)), func.count()


def fallback_rate_pct(_dialect: str) -> tuple[Expr, Expr]:
    """Fallback rate %: user messages the bot did not understand / all user messages x 100."""
    return func.sum(ConversationFact.fallback_count), func.sum(ConversationFact.user_message_count)


def promise_kept_pct(_dialect: str) -> tuple[Expr, Expr]:
    """Complaint follow-up promises kept %: first follow-up by the first promised time /
    complaints whose first promise has fallen due or been met x 100."""
    return _count_if(Complaint.promise_kept.is_(True)), func.count(Complaint.promise_kept)


def requests_on_time_pct(_dialect: str) -> tuple[Expr, Expr]:
    """Requests on time %: requests completed or refused by their promised time / requests
    completed or refused x 100 (bot.domain.requests.staff writes it when they are)."""
    finished = func.count(CustomerRequest.completed_on_time)
    return _count_if(CustomerRequest.completed_on_time.is_(True)), finished


def request_completion_bh(_dialect: str) -> Expr:
    """Time to complete (or refuse) a request in business hours, as written by
    bot.domain.requests.staff when it is."""
    return CustomerRequest.completed_hours


def _told(_dialect: str) -> Expr:
    """A notice that reached its customer (sent, not dropped after updates stopped)."""
    return and_(ShipmentNotice.sent_at.is_not(None), ShipmentNotice.last_error.is_(None))


def _asked_between(start: Expr, end: Expr) -> Expr:
    """The notice's customer looked its shipment up in ``[start, end)``."""
    return (
        select(literal(1))
        .where(
            ShipmentLookup.shipment_id == ShipmentNotice.shipment_id,
            ShipmentLookup.sender_id == ShipmentNotice.sender_id,
            ShipmentLookup.asked_at >= start,
            ShipmentLookup.asked_at < end,
        )
        .exists()
    )


def _plus_hours(moment: Expr, hours: int, dialect: str) -> Expr:
    if dialect == "sqlite":
        # UTCDateTime keeps naive UTC text on SQLite; datetime() writes the same shape.
        return func.strftime("%Y-%m-%d %H:%M:%f", moment, f"+{hours} hours")
    return moment + func.make_interval(0, 0, 0, 0, hours)


def exceptions_told_first_pct(_dialect: str) -> tuple[Expr, Expr]:
    """Exceptions told before the customer asked %: exception and customs-hold notices
    sent whose customer had not looked the shipment up between the event (its own time)
    and the notice / exception and customs-hold notices sent x 100."""
    held_up = and_(_told(_dialect), ShipmentNotice.kind.in_(HELD_UP_KINDS))
    # The newest scan of the notice's status known when the notice was written.
    happened = (
        select(func.max(ShipmentEvent.occurred_at))
        .where(
            ShipmentEvent.shipment_id == ShipmentNotice.shipment_id,
            ShipmentEvent.status == ShipmentNotice.status,
            ShipmentEvent.occurred_at <= ShipmentNotice.created_at,
        )
        .scalar_subquery()
    )
    since = func.coalesce(happened, ShipmentNotice.created_at)
    first = and_(held_up, ~_asked_between(since, ShipmentNotice.sent_at))
    return _count_if(first), _count_if(held_up)


def contacts_avoided_pct(dialect: str) -> tuple[Expr, Expr]:
    """Contacts avoided %: notices sent whose customer did not look the shipment up
    again within 24 hours after / notices sent at least 24 hours ago x 100."""
    hours = ASKED_AGAIN_HOURS
    ends = _plus_hours(ShipmentNotice.sent_at, hours, dialect)
    now = func.strftime("%Y-%m-%d %H:%M:%f", "now") if dialect == "sqlite" else func.now()
    closed = and_(_told(dialect), ends <= now)
    avoided = and_(closed, ~_asked_between(ShipmentNotice.sent_at, ends))
    return _count_if(avoided), _count_if(closed)


def bot_first_response_ms(_dialect: str) -> Expr:
    """Bot first response: ms from the customer's first message to the bot's first reply."""
    return ConversationFact.bot_first_response_ms


def human_first_response_s(dialect: str) -> Expr:
    """Human first response: seconds from joining the queue to the agent's first message."""
    return _seconds_between(Handoff.first_agent_reply_at, Handoff.created_at, dialect)


def queue_wait_s(dialect: str) -> Expr:
    """Queue wait: seconds from joining the queue to an agent taking the conversation."""
    return _seconds_between(Handoff.taken_at, Handoff.created_at, dialect)


def handling_time_s(dialect: str) -> Expr:
    """Handling time: seconds from an agent taking the conversation to closing it or
    handing it back to the bot."""
    ended = func.coalesce(Handoff.closed_at, Handoff.handed_back_at)
    return _seconds_between(ended, Handoff.taken_at, dialect)


def complaint_resolution_bh(_dialect: str) -> Expr:
    """Time to resolve a complaint in business hours (opening hours and holidays of
    config/service_levels.yml), as written by bot.domain.complaints.staff when it is resolved."""
    return Complaint.resolution_hours


def _ratio(
    code: str, name: str, unit: str, higher: bool, source: str, fn: Callable[[str], Any]
) -> Kpi:
    return Kpi(code, name, unit, higher, source, _doc(fn), ratio=fn)


def _pct(code: str, name: str, unit: str, source: str, fn: Callable[[str], Expr], pct: int) -> Kpi:
    return Kpi(code, name, unit, False, source, _doc(fn), measure=fn, percentile=pct)


def _doc(fn: Callable[..., Any]) -> str:
    return " ".join((fn.__doc__ or "").split())


#: Every KPI, in report order.
KPIS: tuple[Kpi, ...] = (
    _ratio("csat", "CSAT", "%", True, "surveys", csat_pct),
    _ratio("nps", "NPS", "points", True, "surveys", nps),
    _ratio("fcr", "First-contact resolution", "%", True, "surveys", fcr_pct),
    _ratio("containment", "Containment (no handoff)", "%", True, "conversations", containment_pct),
    _ratio("escalation", "Escalation rate", "%", False, "conversations", escalation_pct),
    _ratio("fallback", "Fallback rate", "%", False, "conversations", fallback_rate_pct),
    _pct(
        "bot_frt_p50",
        "Bot first response, median",
        "ms",
        "conversations",
        bot_first_response_ms,
        50,
    ),
    _pct(
        "bot_frt_p90", "Bot first response, p90", "ms", "conversations", bot_first_response_ms, 90
    ),
    _pct(
        "human_frt_p50", "Human first response, median", "s", "handoffs", human_first_response_s, 50
    ),
    _pct("human_frt_p90", "Human first response, p90", "s", "handoffs", human_first_response_s, 90),
    _pct("queue_wait_p50", "Queue wait, median", "s", "handoffs", queue_wait_s, 50),
    _pct("queue_wait_p90", "Queue wait, p90", "s", "handoffs", queue_wait_s, 90),
    _pct("handling_p50", "Handling time, median", "s", "handoffs", handling_time_s, 50),
    _pct("handling_p90", "Handling time, p90", "s", "handoffs", handling_time_s, 90),
    _ratio("promise_kept", "Complaint promises kept", "%", True, "complaints", promise_kept_pct),
    _pct(
        "resolve_p50",
        "Complaint resolution, median",
        "business h",
        "complaints",
        complaint_resolution_bh,
        50,
    ),
    _pct(
        "resolve_p90",
        "Complaint resolution, p90",
        "business h",
        "complaints",
        complaint_resolution_bh,
        90,
    ),
    _ratio("response_rate", "Survey response rate", "%", True, "surveys", survey_response_rate_pct),
    _ratio(
        "requests_on_time", "Requests done on time", "%", True, "requests", requests_on_time_pct
    ),
    _pct(
        "request_p50",
        "Request completion, median",
        "business h",
        "requests",
        request_completion_bh,
        50,
    ),
    _pct(
        "request_p90",
        "Request completion, p90",
        "business h",
        "requests",
        request_completion_bh,
        90,
    ),
    _ratio(
        "exceptions_told_first",
        "Exceptions told before the customer asked",
        "%",
        True,
        "notices",
        exceptions_told_first_pct,
    ),
    _ratio(
        "contacts_avoided",
        "Contacts avoided by notices",
        "%",
        True,
        "notices",
        contacts_avoided_pct,
    ),
)

KPI_BY_CODE: dict[str, Kpi] = {kpi.code: kpi for kpi in KPIS}


def period_bounds(start: date, end: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """Turn inclusive local dates into a half-open UTC interval.

    Args:
        start: first day of the period.
        end: last day of the period (included).
        tz: the service centre's time zone, in which the days are counted.

    Returns:
        ``(from, until)`` in UTC, ``until`` being 00:00 local on the day after ``end``.
    """
    begin = datetime.combine(start, time.min, tzinfo=tz).astimezone(UTC)
    until = datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz).astimezone(UTC)
    return begin, until


Figures = dict[str, tuple[float | None, int]]


def in_period(source: Source, begin: datetime, until: datetime, dialect: str) -> Expr:
    """Rows of ``source`` whose time falls in ``[begin, until)``, as a WHERE clause."""
    column: Any = source.time_column
    if dialect == "sqlite":
        # Unary plus keeps SQLite off the time index, so it reads a covering KPI index
        # (migration 0006) from end to end in the order of the slice: measured on a
        # million rows, faster than the time index's row lookups even for one month.
        column = UnaryExpression(column, operator=custom_op("+"), type_=column.type)
    return and_(column >= begin, column < until)


def nearest_rank(histogram: list[tuple[float, int]], percentile: int) -> float | None:
    """The value at rank ceil(p * n / 100) of a sorted ``(value, count)`` histogram."""
    total = sum(count for _value, count in histogram)
    if total == 0:
        return None
    rank = -(-total * percentile // 100)
    seen = 0
    for value, count in histogram:
        seen += count
        if seen >= rank:
            return value
    return histogram[-1][0]


def compute_many(
    session: Session,
    kpis: Sequence[Kpi],
    begin: datetime,
    until: datetime,
    by: str | None = None,
) -> dict[str, Figures | None]:
    """Compute KPIs over a period, whole or sliced, in as few SQL statements as possible.

    The ratio KPIs of one source share one ``SELECT ... GROUP BY``; the percentiles of
    one measure share one histogram (``GROUP BY`` slice, value with ``COUNT(*)``: at
    most one row per distinct value, never the rows themselves) from which the nearest
    rank is read.

    Args:
        session: database session.
        kpis: the KPIs to compute.
        begin: start of the period (UTC, included).
        until: end of the period (UTC, excluded).
        by: a dimension of :data:`DIMENSIONS`, or None for the whole period.

    Returns:
        ``{code: {group: (value, n)}}`` (the group is :data:`ALL` when not sliced; rows
        without a value for the slice are grouped as ``(none)``), with None for a KPI that
        cannot be sliced that way (handoffs know no customer account, for instance).

    Raises:
        ValueError: ``by`` is not a known dimension.
    """
    if by is not None and by not in DIMENSIONS:
        raise ValueError(f"unknown dimension {by!r}; use one of {', '.join(DIMENSIONS)}")
    results: dict[str, Figures | None] = {kpi.code: None for kpi in kpis if not sliceable(kpi, by)}
    wanted = [kpi for kpi in kpis if sliceable(kpi, by)]
    connection = session.connection()
    if session.get_bind().dialect.name == "postgresql":
        _tune_postgresql(connection)
    results.update(finish(wanted, raw_parts(connection, wanted, begin, until, by), by))
    return results


def sliceable(kpi: Kpi, by: str | None) -> bool:
    """Whether ``kpi`` can be sliced by ``by`` (handoffs know no customer account)."""
    return by is None or SOURCES[kpi.source].dimensions[by] is not None


def measure_name(kpi: Kpi) -> str:
    """The name of a percentile KPI's measure (its p50 and p90 share it)."""
    assert kpi.measure is not None
    return kpi.measure.__name__


@dataclass
class Parts:
    """What every KPI of a report is computed from, summable over days and slices:
    ``sums[kpi code][group] = [numerator, denominator]`` for the ratio KPIs and
    ``histograms[measure][group][value] = count`` for the percentiles."""

    sums: dict[str, dict[str, list[float]]] = field(default_factory=dict)
    histograms: dict[str, dict[str, dict[float, int]]] = field(default_factory=dict)

    def add(self, other: Parts) -> None:
        """Add ``other``'s sums and counts to these."""
        for code, groups in other.sums.items():
            mine = self.sums.setdefault(code, {})
            for group, (numerator, denominator) in groups.items():
                total = mine.setdefault(group, [0.0, 0.0])
                total[0] += numerator
                total[1] += denominator
        for measure, hist_groups in other.histograms.items():
            mine_h = self.histograms.setdefault(measure, {})
            for group, counts in hist_groups.items():
                into = mine_h.setdefault(group, {})
                for value, count in counts.items():
                    into[value] = into.get(value, 0) + count


def raw_parts(
    connection: Connection,
    kpis: Sequence[Kpi],
    begin: datetime,
    until: datetime,
    by: str | None,
    only: tuple[str, str] | None = None,
) -> Parts:
    """The parts of ``kpis`` read from the fact tables over ``[begin, until)``, sliced
    ``by`` a dimension or, with ``only=(dimension, value)``, of that slice alone.

    The ratio KPIs of one source share one ``SELECT ... GROUP BY``; the percentiles of
    one measure share one histogram (``GROUP BY`` slice, value with ``COUNT(*)``: at
    most one row per distinct value, never the rows themselves).
    """
    dialect = connection.dialect.name
    ratios: dict[str, list[Kpi]] = {}
    measures: dict[tuple[str, str], Kpi] = {}
    for kpi in kpis:
        if kpi.ratio is not None:
            ratios.setdefault(kpi.source, []).append(kpi)
        else:
            measures.setdefault((kpi.source, measure_name(kpi)), kpi)
    parts = Parts()
    for source_name, group_kpis in ratios.items():
        source = SOURCES[source_name]
        group, key = _group(source, by)
        columns = [group.label("g")]
        for index, kpi in enumerate(group_kpis):
            assert kpi.ratio is not None
            numerator, denominator = kpi.ratio(dialect)
            columns += [numerator.label(f"a{index}"), denominator.label(f"b{index}")]
        query = select(*columns).where(in_period(source, begin, until, dialect))
        if only is not None:
            query = query.where(_slice_is(source, only))
        if key is not None:
            query = query.group_by(key)
        rows = connection.execute(query).all()
        for index, kpi in enumerate(group_kpis):
            sums = parts.sums.setdefault(kpi.code, {})
            for row in rows:
                numerator, denominator = row[1 + 2 * index], row[2 + 2 * index]
                total = sums.setdefault(str(row[0]), [0.0, 0.0])
                total[0] += float(numerator or 0)
                total[1] += float(denominator or 0)

    for (source_name, name), kpi in measures.items():
        source = SOURCES[source_name]
        group, key = _group(source, by)
        assert kpi.measure is not None
        measure = kpi.measure(dialect)
        keys = [measure] if key is None else [key, measure]
        query = (
            select(group.label("g"), measure.label("v"), func.count().label("c"))
            .where(in_period(source, begin, until, dialect), measure.is_not(None))
            .group_by(*keys)
        )
        if only is not None:
            query = query.where(_slice_is(source, only))
        histograms = parts.histograms.setdefault(name, {})
        for label, value, count in connection.execute(query):
            counts = histograms.setdefault(str(label), {})
            counts[float(value)] = counts.get(float(value), 0) + int(count)
    return parts


def _slice_is(source: Source, only: tuple[str, str]) -> Expr:
    """Rows of ``source`` in the slice ``only = (dimension, value)``, labelled as the
    rollups label it (``(none)`` for rows without one)."""
    name, value = only
    return func.coalesce(source.dimensions[name], literal("(none)")) == value


def finish(kpis: Sequence[Kpi], parts: Parts, by: str | None) -> dict[str, Figures | None]:
    """Each KPI's ``{group: (value, n)}`` from its parts: the one place ratios and
    percentiles are taken, whether the parts came from raw facts or from rollups."""
    results: dict[str, Figures | None] = {}
    for kpi in kpis:
        figures: Figures = {}
        if kpi.ratio is not None:
            for group, (numerator, denominator) in parts.sums.get(kpi.code, {}).items():
                figures[group] = (ratio_value(numerator, denominator), int(denominator))
        else:
            for group, counts in parts.histograms.get(measure_name(kpi), {}).items():
                histogram = sorted(counts.items())
                figures[group] = (
                    nearest_rank(histogram, kpi.percentile),
                    sum(counts.values()),
                )
        results[kpi.code] = _with_all(figures, by)
    return results


def _group(source: Source, by: str | None) -> tuple[Expr, Expr | None]:
    """The group's label and the key to GROUP BY (None: the whole period is one group).

    Grouping by the stored column itself, not by the label computed from it, lets the
    database read the rows in the order of an index that starts with that column (see
    the KPI indexes of migration 0006) instead of sorting a million of them.
    """
    if by is None:
        return literal(ALL), None
    key = source.group_key(by)
    label = func.coalesce(source.dimensions[by], literal("(none)"))
    # A slice that is one constant for the whole source (every handoff is handed off)
    # is one group; PostgreSQL refuses a constant in GROUP BY / ORDER BY.
    return label, None if isinstance(key, BindParameter) else key


def _tune_postgresql(connection: Connection) -> None:
    """Give this report's transaction room for in-memory hash tables and sorts, no JIT.

    ``SET LOCAL`` ends with the transaction. With the default 4 MB a sliced histogram
    over a million rows spills its sort to disk; JIT compilation costs more than it
    saves on queries of well under a second.
    """
    connection.execute(text("SET LOCAL work_mem = '64MB'"))
    connection.execute(text("SET LOCAL jit = off"))


def _with_all(figures: Figures, by: str | None) -> Figures:
    if by is None and ALL not in figures:
        figures[ALL] = (None, 0)
    return figures


def compute(
    session: Session,
    kpi: Kpi,
    begin: datetime,
    until: datetime,
    by: str | None = None,
) -> Figures | None:
    """Compute one KPI over a period, whole or sliced (see :func:`compute_many`).

    Returns:
        ``{group: (value, n)}``, or None when the KPI cannot be sliced by ``by``.
    """
    return compute_many(session, [kpi], begin, until, by)[kpi.code]
