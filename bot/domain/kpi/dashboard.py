"""The managers' dashboard's figures: filtered KPIs, trends, the per-agent table.

Built on the KPI definitions of :mod:`bot.domain.kpi.formulas` (each formula stays defined
there once) and, like them, aggregated in SQL: a filtered report is the same few
``SELECT ... GROUP BY`` statements with extra ``WHERE`` clauses, and a trend is one
statement per source grouped by time bucket (a ``CASE`` over the bucket boundaries, so
the buckets are local days, weeks or months on either database).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields, replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, literal, select
from sqlalchemy.orm import Session

from bot.core.i18n import LANGUAGES
from bot.domain.kpi import rollups
from bot.domain.kpi.formulas import (
    ALL,
    DIMENSIONS,
    KPIS,
    SOURCES,
    Expr,
    Figures,
    Kpi,
    Source,
    in_period,
    nearest_rank,
    period_bounds,
    ratio_value,
)
from bot.domain.kpi.report import Target, load_targets, rate
from bot.storage.models import Complaint, ConversationFact, StaffUser

#: Values of the bot-only / handed-off filter.
HANDLED_VALUES: tuple[str, ...] = ("bot_only", "handed_off")


@dataclass(frozen=True)
class Filters:
    """What a dashboard view is narrowed to; None means any.

    ``intent`` is the service asked about (a conversation's first intent, the service a
    survey was about, a complaint's category); ``handled`` is ``bot_only`` or
    ``handed_off``.
    """

    channel: str | None = None
    team: str | None = None
    agent: str | None = None
    intent: str | None = None
    account: str | None = None
    handled: str | None = None
    language: str | None = None

    @classmethod
    def from_mapping(cls, values: Any) -> Filters:
        """Filters from a query string or form (blank values are no filter)."""
        found: dict[str, str | None] = {}
        for item in fields(cls):
            raw = values.get(item.name)
            text = str(raw).strip() if raw is not None else ""
            found[item.name] = text[:80] or None
        if found["handled"] not in (None, *HANDLED_VALUES):
            found["handled"] = None
        if found["language"] not in (None, *LANGUAGES):
            found["language"] = None
        return cls(**found)

    def active(self) -> dict[str, str]:
        """The filters that are set, by name."""
        return {
            item.name: value
            for item in fields(self)
            if (value := getattr(self, item.name)) is not None
        }

    def clauses(self, source: Source) -> list[Expr] | None:
        """SQL conditions applying these filters to ``source``, or None if one cannot.

        A customer account is recorded on conversations, surveys, handoffs and
        complaints; requests and shipment notices of an account are those of its
        customers (senders seen with that account). A team's complaints are those
        assigned to its members.
        """
        conditions: list[Expr] = []
        table = source.table
        for name, value in self.active().items():
            dimension = source.dimensions.get(name)
            if dimension is not None:
                conditions.append(dimension == value)
            elif name == "account" and "sender_id" in table.c:
                # EXISTS probes the (sender, session start) key per row of the period,
                # rather than collecting every sender the account ever had.
                seen = (
                    select(literal(1))
                    .where(
                        ConversationFact.sender_id == table.c.sender_id,
                        ConversationFact.account == value,
                    )
                    .exists()
                )
                conditions.append(seen)
            elif name == "team" and source.name == "complaints":
                members = select(StaffUser.name).where(StaffUser.team == value)
                conditions.append(Complaint.assigned_to.in_(members))
            else:
                return None
        return conditions


#: No filter: the whole service.
NO_FILTERS = Filters()

Grouping = Callable[[Source], Expr | None]


@dataclass(frozen=True)
class ByDimension:
    """Group each source by one of its dimensions (rows without one as ``(none)``), as
    the rollups slice it."""

    name: str

    def __call__(self, source: Source) -> Expr | None:
        dimension = source.dimensions.get(self.name)
        if dimension is None:
            return None
        return func.coalesce(dimension, literal("(none)"))


def by_dimension(name: str) -> Grouping:
    """Group each source by one of its dimensions (rows without one as ``(none)``)."""
    return ByDimension(name)


def rollup_plan(
    filters: Filters, group: Grouping | None
) -> tuple[str | None, tuple[str, str] | None] | None:
    """How the daily rollups can serve a view: ``(by, only)`` for
    :func:`bot.domain.kpi.rollups.compute_many`, or None when they cannot.

    The rollups hold one dimension at a time, so they serve a view with no filter and a
    grouping by one dimension, or with at most one filter and no grouping.
    """
    active = filters.active()
    if isinstance(group, ByDimension):
        return (group.name, None) if not active else None
    if group is not None or len(active) > 1:
        return None
    if not active:
        return None, None
    ((name, value),) = active.items()
    if name not in DIMENSIONS or value == "(none)":
        return None
    return None, (name, value)


def _rollups_serve(kpi: Kpi, plan: tuple[str | None, tuple[str, str] | None]) -> bool:
    """Whether the rollups' slice of ``kpi`` means what the dashboard's filter or grouping
    does (a team's complaints, found through its members, are not a slice)."""
    by, only = plan
    dimension = by or (only[0] if only else None)
    return dimension is None or SOURCES[kpi.source].dimensions[dimension] is not None


def compute_filtered(
    session: Session,
    kpis: Sequence[Kpi],
    begin: datetime,
    until: datetime,
    filters: Filters = NO_FILTERS,
    group: Grouping | None = None,
    tz: ZoneInfo | None = None,
) -> dict[str, Figures | None]:
    """Compute KPIs over a period under filters, whole or grouped, in SQL.

    With the service centre's zone ``tz``, what the daily rollups can serve (see
    :func:`rollup_plan`) is read through :func:`bot.domain.kpi.rollups.compute_many`: the
    same parts and the same ``finish``, from a few rows per day. The rest runs the same
    statements as :func:`bot.domain.kpi.formulas.compute_many` (one per source for the
    ratio KPIs, one histogram per percentile measure) with the filters' conditions added
    and any grouping expression.

    Args:
        session: database session.
        kpis: the KPIs.
        begin: start of the period (UTC, included).
        until: end (UTC, excluded).
        filters: the view's filters.
        group: gives each source's grouping expression; None for the whole period.

    Returns:
        ``{code: {group label: (value, n)}}`` (label :data:`ALL` when not grouped), None
        for a KPI the filters or the grouping do not apply to.
    """
    dialect = session.get_bind().dialect.name
    results: dict[str, Figures | None] = {}
    plan = rollup_plan(filters, group) if tz is not None else None
    if plan is not None and tz is not None:
        served = [kpi for kpi in kpis if _rollups_serve(kpi, plan)]
        if served:
            by, only = plan
            results.update(rollups.compute_many(session, served, begin, until, tz, by, only))
        kpis = [kpi for kpi in kpis if kpi.code not in results]
    ratios: dict[str, list[Kpi]] = {}
    measures: dict[tuple[str, Callable[[str], Expr]], list[Kpi]] = {}
    for kpi in kpis:
        source = SOURCES[kpi.source]
        if filters.clauses(source) is None or (group is not None and group(source) is None):
            results[kpi.code] = None
        elif kpi.ratio is not None:
            ratios.setdefault(kpi.source, []).append(kpi)
        else:
            assert kpi.measure is not None
            measures.setdefault((kpi.source, kpi.measure), []).append(kpi)

    def where(source: Source) -> list[Expr]:
        return [in_period(source, begin, until, dialect), *(filters.clauses(source) or [])]

    def label(source: Source) -> Expr:
        return literal(ALL) if group is None else group(source)

    for source_name, group_kpis in ratios.items():
        source = SOURCES[source_name]
        columns = [label(source).label("g")]
        for index, kpi in enumerate(group_kpis):
            assert kpi.ratio is not None
            numerator, denominator = kpi.ratio(dialect)
            columns += [numerator.label(f"v{index}"), denominator.label(f"n{index}")]
        query = select(*columns).select_from(source.table).where(*where(source))
        if group is not None:
            query = query.group_by(label(source))
        rows = session.execute(query).all()
        for index, kpi in enumerate(group_kpis):
            figures: Figures = {}
            for row in rows:
                numerator, denominator = row[1 + 2 * index], row[2 + 2 * index]
                figures[str(row[0])] = (
                    ratio_value(numerator, denominator),
                    int(denominator or 0),
                )
            if group is None and ALL not in figures:
                figures[ALL] = (None, 0)
            results[kpi.code] = figures

    for (source_name, measure_fn), group_kpis in measures.items():
        source = SOURCES[source_name]
        measure = measure_fn(dialect)
        keys = [measure] if group is None else [label(source), measure]
        query = (
            select(label(source).label("g"), measure.label("v"), func.count().label("c"))
            .select_from(source.table)
            .where(*where(source), measure.is_not(None))
            .group_by(*keys)
            .order_by(*keys)
        )
        histograms: dict[str, list[tuple[float, int]]] = {}
        for key, value, count in session.execute(query):
            histograms.setdefault(str(key), []).append((float(value), int(count)))
        for kpi in group_kpis:
            figures = {
                key: (nearest_rank(hist, kpi.percentile), sum(c for _v, c in hist))
                for key, hist in histograms.items()
            }
            if group is None and ALL not in figures:
                figures[ALL] = (None, 0)
            results[kpi.code] = figures
    return results


# -- tiles ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tile:
    """One KPI on the dashboard: its value against target and benchmark."""

    kpi: Kpi
    value: float | None
    n: int
    target: Target
    status: str
    previous: float | None = None
    applies: bool = True

    @property
    def change(self) -> str:
        """``better``, ``worse``, ``same`` or empty, compared with the previous period."""
        if self.value is None or self.previous is None:
            return ""
        if abs(self.value - self.previous) < 1e-9:
            return "same"
        up = self.value > self.previous
        return "better" if up == self.kpi.higher_is_better else "worse"


def tiles(
    session: Session,
    start: date,
    end: date,
    tz: ZoneInfo,
    filters: Filters = NO_FILTERS,
    *,
    with_previous: bool = False,
    period: str = "all",
    previous_range: tuple[date, date] | None = None,
) -> list[Tile]:
    """Every KPI for a period under filters, graded against its target.

    Args:
        session: database session.
        start: first day (local).
        end: last day, included.
        tz: the service centre's zone.
        filters: the view's filters.
        with_previous: also compute the previous period, for the trend.
        period: label of the targets to use.
        previous_range: the previous period's days; default :func:`previous_period`.
    """
    begin, until = period_bounds(start, end, tz)
    figures = compute_filtered(session, KPIS, begin, until, filters, tz=tz)
    previous: dict[str, Figures | None] = {}
    if with_previous:
        before_start, before_end = previous_range or previous_period(start, end)
        p_begin, p_until = period_bounds(before_start, before_end, tz)
        previous = compute_filtered(session, KPIS, p_begin, p_until, filters, tz=tz)
    targets = load_targets(session, period)
    out: list[Tile] = []
    for kpi in KPIS:
        target = targets.get(kpi.code, Target(None))
        found = figures[kpi.code]
        if found is None:
            out.append(Tile(kpi, None, 0, target, "not available", applies=False))
            continue
        value, n = found[ALL]
        before = (previous.get(kpi.code) or {}).get(ALL, (None, 0))[0]
        out.append(
            Tile(
                kpi,
                None if value is None else round(value, 2),
                n,
                target,
                rate(value, target, kpi.higher_is_better),
                previous=None if before is None else round(before, 2),
            )
        )
    return out


def previous_period(start: date, end: date) -> tuple[date, date]:
    """The period of the same length just before ``start``..``end``.

    A whole calendar month is compared with the whole month before it.
    """
    if start.day == 1 and (end + timedelta(days=1)).day == 1 and end.month == start.month:
        last = start - timedelta(days=1)
        return last.replace(day=1), last
    length = (end - start).days + 1
    return start - timedelta(days=length), start - timedelta(days=1)


# -- trends -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Bucket:
    """One point of a trend: a local day, week or month."""

    label: str
    start: date
    end: date


def buckets(start: date, end: date) -> list[Bucket]:
    """Split a period into days (up to 62 days), weeks (up to 366) or months."""
    days = (end - start).days + 1
    out: list[Bucket] = []
    if days <= 62:
        day = start
        while day <= end:
            out.append(Bucket(day.strftime("%d %b"), day, day))
            day += timedelta(days=1)
    elif days <= 366:
        day = start
        while day <= end:
            last = min(day + timedelta(days=6), end)
            out.append(Bucket(f"w/c {day:%d %b}", day, last))
            day = last + timedelta(days=1)
    else:
        day = start
        while day <= end:
            following = (day.replace(day=1) + timedelta(days=32)).replace(day=1)
            last = min(following - timedelta(days=1), end)
            out.append(Bucket(f"{day:%b %Y}", day, last))
            day = following
    return out


def _bucket_group(edges: list[datetime]) -> Grouping:
    """Group rows by which of the ``edges`` (bucket ends, UTC) their time falls before."""

    def group(source: Source) -> Expr:
        column = source.time_column
        whens = [(column < edge, literal(index)) for index, edge in enumerate(edges)]
        return case(*whens, else_=literal(len(edges)))

    return group


def trends(
    session: Session,
    start: date,
    end: date,
    tz: ZoneInfo,
    filters: Filters = NO_FILTERS,
    kpis: Sequence[Kpi] = KPIS,
) -> tuple[list[Bucket], dict[str, list[tuple[float | None, int]] | None]]:
    """Each KPI per day, week or month of a period: from the daily rollups where they
    serve the filters (:func:`rollup_plan`), else one grouped statement per source.

    Returns:
        The buckets, and ``{code: [(value, n) per bucket]}`` (None for a KPI the filters
        do not apply to).
    """
    parts = buckets(start, end)
    begin, until = period_bounds(start, end, tz)
    series: dict[str, list[tuple[float | None, int]] | None] = {}
    plan = rollup_plan(filters, None)
    if plan is not None:
        # Rolled-up KPIs: each bucket (whole local days) from the rollups' rows of its
        # days; the complaints' and requests' KPIs below, grouped by bucket in one pass.
        rolled = [kpi for kpi in kpis if kpi in rollups.ROLLED_KPIS and _rollups_serve(kpi, plan)]
        points = [
            rollups.compute_many(
                session, rolled, *period_bounds(part.start, part.end, tz), tz, None, plan[1]
            )
            for part in parts
        ]
        for kpi in rolled:
            series[kpi.code] = [(point[kpi.code] or {}).get(ALL, (None, 0)) for point in points]
        kpis = [kpi for kpi in kpis if kpi.code not in series]
    edges = [period_bounds(part.start, part.end, tz)[1] for part in parts]
    figures = compute_filtered(session, kpis, begin, until, filters, _bucket_group(edges))
    for kpi in kpis:
        found = figures[kpi.code]
        if found is None:
            series[kpi.code] = None
            continue
        series[kpi.code] = [found.get(str(index), (None, 0)) for index in range(len(parts))]
    return parts, series


# -- agents -----------------------------------------------------------------------------

#: The KPIs of the per-agent table, in column order.
AGENT_KPIS: tuple[str, ...] = (
    "human_frt_p50",
    "handling_p50",
    "csat",
    "fcr",
    "nps",
    "promise_kept",
)


@dataclass(frozen=True)
class AgentRow:
    """One agent's figures, with the hints their thresholds give."""

    agent: str
    team: str | None
    role: str | None
    conversations: int
    figures: dict[str, tuple[float | None, int]]
    recognition: list[str]
    coaching: list[str]


def agent_rows(
    session: Session,
    start: date,
    end: date,
    tz: ZoneInfo,
    filters: Filters = NO_FILTERS,
    *,
    agents: Sequence[str] | None = None,
    hints: Any = None,
) -> list[AgentRow]:
    """Per-agent figures for a period: handoffs handled and :data:`AGENT_KPIS`.

    Args:
        session: database session.
        start: first day.
        end: last day, included.
        tz: the service centre's zone.
        filters: the view's filters (an ``agent`` filter is ignored here).
        agents: only these agents (a team lead's team, an agent themself); None for every
            agent and team lead account and anyone else named in the figures.
        hints: a :class:`bot.domain.kpi.hints.HintRules`; default the configured file.
    """
    from bot.domain.kpi.formulas import KPI_BY_CODE
    from bot.domain.kpi.hints import hint_rules

    rules = hints if hints is not None else hint_rules()
    begin, until = period_bounds(start, end, tz)
    filters = replace(filters, agent=None)
    wanted = [KPI_BY_CODE[code] for code in AGENT_KPIS]
    figures = compute_filtered(session, wanted, begin, until, filters, by_dimension("agent"), tz=tz)
    staff = {
        user.name: user
        for user in session.scalars(select(StaffUser).where(StaffUser.active.is_(True)))
    }
    names = {n for n, u in staff.items() if u.role != "manager"} if agents is None else set(agents)
    if agents is None:
        for found in figures.values():
            names.update(name for name in found or {} if name != "(none)")
    handled = _handoffs_per_agent(session, begin, until, filters)
    rows = []
    for name in sorted(names):
        per = {
            code: (figures[code] or {}).get(name, (None, 0))
            for code in AGENT_KPIS
            if figures[code] is not None
        }
        recognition, coaching = rules.evaluate(per)
        user = staff.get(name)
        rows.append(
            AgentRow(
                name,
                user.team if user else None,
                user.role if user else None,
                handled.get(name, 0),
                per,
                recognition,
                coaching,
            )
        )
    return rows


def _handoffs_per_agent(
    session: Session, begin: datetime, until: datetime, filters: Filters
) -> dict[str, int]:
    from bot.storage.models import Handoff

    source = SOURCES["handoffs"]
    clauses = filters.clauses(source)
    if clauses is None:
        return {}
    dialect = session.get_bind().dialect.name
    query = (
        select(Handoff.agent, func.count())
        .where(in_period(source, begin, until, dialect), Handoff.agent.is_not(None), *clauses)
        .group_by(Handoff.agent)
    )
    return {str(agent): int(count) for agent, count in session.execute(query)}


def distinct_values(session: Session, limit: int = 200) -> dict[str, list[str]]:
    """The values the filter menus offer: channels, intents, agents, teams, accounts."""
    from bot.domain.teams import TEAMS
    from bot.storage.models import Handoff, SurveyResponse

    def values(column: Any) -> list[str]:
        query = select(column).where(column.is_not(None), column != "").distinct().limit(limit)
        return sorted(str(v) for v in session.scalars(query))

    channels = set(values(ConversationFact.channel)) | set(values(SurveyResponse.channel))
    # Handoffs carry every agent who ever took a conversation, and their agent is indexed.
    agents = set(values(StaffUser.name)) | set(values(Handoff.agent))
    return {
        "channel": sorted(channels),
        "intent": values(ConversationFact.first_intent),
        "agent": sorted(agents),
        "team": list(TEAMS),
        "account": values(ConversationFact.account),
        "handled": list(HANDLED_VALUES),
        "language": list(LANGUAGES),
    }
