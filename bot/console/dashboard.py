"""The managers' dashboard in the agent console, and each staff member's own figures.

Managers only (``/dashboard...``): KPI tiles against target and benchmark with trend
charts and filters, the per-agent table with recognition and coaching hints, the target
and benchmark form, the conversation log with transcripts, survey comments, the CSV
export and the periodic service review (HTML and PDF). Everyone (``/figures``): an agent
sees their own figures, a team lead their team's, a manager everyone's.

Figures come from :mod:`bot.domain.kpi` (SQL aggregates); pages are plain GET forms and
server-drawn SVG, so they work without JavaScript.
"""

from __future__ import annotations

import asyncio
import time
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from sqlalchemy.orm import Session

from bot.console.app import (
    CONFIG_KEY,
    ENGINE_KEY,
    RASA_KEY,
    SECURITY_HEADERS,
    TEMPLATES_KEY,
    _in_db,
    _quote,
    _render,
    _staff,
    requires,
)
from bot.domain.handoff import service as handoffs
from bot.domain.kpi import conversations as log
from bot.domain.kpi.charts import line_chart
from bot.domain.kpi.dashboard import (
    AGENT_KPIS,
    Filters,
    agent_rows,
    distinct_values,
    tiles,
    trends,
)
from bot.domain.kpi.formulas import KPI_BY_CODE, KPIS
from bot.domain.kpi.hints import hint_rules
from bot.domain.kpi.review import parse_period, render_html, render_pdf
from bot.domain.kpi.targets import TargetFormError, recent_changes, save_target, stored_targets
from bot.domain.teams import TEAMS
from bot.domain.users import list_users

#: Default dashboard period: the last 30 days, today included.
DEFAULT_DAYS = 30
#: Longest period a page accepts (trends are then monthly).
MAX_DAYS = 3 * 366
EXPORT_BATCH = 2000


#: Seconds the filter menus' values are reused: a DISTINCT over a million rows costs about
#: as much as the KPIs themselves, and a new channel or account can wait this long.
MENU_SECONDS = 300.0
_menus: dict[str, tuple[float, dict[str, list[str]]]] = {}


async def _choices(request: web.Request) -> dict[str, list[str]]:
    """The filter menus' values, read at most every :data:`MENU_SECONDS` per database."""
    key = str(request.app[ENGINE_KEY].url)
    cached = _menus.get(key)
    now = time.monotonic()
    if cached is not None and now - cached[0] < MENU_SECONDS:
        return cached[1]
    values = await _in_db(request, distinct_values)
    _menus[key] = (now, values)
    return values


def _today(request: web.Request) -> date:
    return datetime.now(request.app[CONFIG_KEY].tz).date()


def _period(request: web.Request) -> tuple[date, date, str | None]:
    """The page's period from ``from``/``to`` (local dates), or the last 30 days."""
    today = _today(request)
    default = (today - timedelta(days=DEFAULT_DAYS - 1), today)
    raw_from, raw_to = request.query.get("from", ""), request.query.get("to", "")
    if not raw_from and not raw_to:
        return (*default, None)
    try:
        start = date.fromisoformat(raw_from) if raw_from else default[0]
        end = date.fromisoformat(raw_to) if raw_to else today
    except ValueError:
        return (*default, "Dates are like 2026-11-30; showing the last 30 days.")
    if end < start:
        return (*default, "The period ends before it starts; showing the last 30 days.")
    if (end - start).days + 1 > MAX_DAYS:
        return (*default, "Choose at most three years; showing the last 30 days.")
    return start, end, None


def _page(request: web.Request) -> int:
    try:
        return max(1, min(int(request.query.get("page", "1")), 100_000))
    except ValueError:
        return 1


def _query(request: web.Request, **changes: Any) -> str:
    """The current query string with ``changes`` (None removes a key)."""
    values = {k: v for k, v in request.query.items() if v != ""}
    for key, value in changes.items():
        if value is None:
            values.pop(key, None)
        else:
            values[key] = str(value)
    return urlencode(values)


def _local(request: web.Request, moment: datetime | None) -> str:
    if moment is None:
        return ""
    return moment.astimezone(request.app[CONFIG_KEY].tz).strftime("%d %b %Y %H:%M")


def _common(request: web.Request, start: date, end: date, filters: Filters) -> dict[str, Any]:
    return {
        "start": start,
        "end": end,
        "filters": filters,
        "query": lambda **changes: _query(request, **changes),
        "local": lambda moment: _local(request, moment),
        "teams": TEAMS,
    }


# -- the dashboard ------------------------------------------------------------------------


@requires("manager")
async def dashboard_page(request: web.Request) -> web.StreamResponse:
    """KPI tiles against target and benchmark, trend charts, filters."""
    start, end, problem = _period(request)
    filters = Filters.from_mapping(request.query)
    tz = request.app[CONFIG_KEY].tz

    def load(session: Session) -> tuple[Any, Any]:
        found = tiles(session, start, end, tz, filters, with_previous=True)
        return found, trends(session, start, end, tz, filters)

    found, (parts, series) = await _in_db(request, load)
    choices = await _choices(request)
    labels = [part.label for part in parts]
    days = (end - start).days + 1
    unit = "day" if days <= 62 else "week" if days <= 366 else "month"
    charts = []
    for tile in found:
        points = series.get(tile.kpi.code)
        if points is None:
            continue
        values = [value for value, _n in points]
        charts.append(
            (
                tile,
                line_chart(
                    f"{tile.kpi.name}, per {unit}",
                    labels,
                    values,
                    unit=tile.kpi.unit,
                    target=tile.target.target,
                ),
            )
        )
    return _render(
        request,
        "dashboard.html",
        tiles=found,
        charts=charts,
        choices=choices,
        problem=problem,
        **_common(request, start, end, filters),
    )


@requires("manager")
async def agents_page(request: web.Request) -> web.StreamResponse:
    """Each agent's figures with recognition and coaching hints."""
    start, end, problem = _period(request)
    filters = Filters.from_mapping(request.query)
    tz = request.app[CONFIG_KEY].tz
    rules = hint_rules()
    rows = await _in_db(request, lambda s: agent_rows(s, start, end, tz, filters, hints=rules))
    return _render(
        request,
        "dashboard_agents.html",
        rows=rows,
        columns=[KPI_BY_CODE[code] for code in AGENT_KPIS],
        rules=rules,
        problem=problem,
        choices=await _choices(request),
        **_common(request, start, end, filters),
    )


# -- targets ------------------------------------------------------------------------------


async def _targets_page(
    request: web.Request, *, status: int = 200, error: Any = None, form: Any = None
) -> web.Response:
    from bot.domain.kpi.report import load_targets

    def load(session: Session) -> tuple[Any, Any, Any]:
        return load_targets(session), stored_targets(session), recent_changes(session)

    current, stored, changes = await _in_db(request, load)
    return _render(
        request,
        "dashboard_targets.html",
        status=status,
        kpis=KPIS,
        current=current,
        stored=stored,
        changes=changes,
        error=error,
        form=form or {},
        done=request.query.get("done"),
        local=lambda moment: _local(request, moment),
    )


@requires("manager")
async def targets_page(request: web.Request) -> web.StreamResponse:
    """Targets, amber thresholds and benchmarks, the form to change them, and who did."""
    return await _targets_page(request)


@requires("manager")
async def targets_save(request: web.Request) -> web.StreamResponse:
    """Save one KPI's target from the form (checked; nothing stored when a field is wrong)."""
    posted = await request.post()
    form = {
        key: str(posted.get(key) or "")[:300]
        for key in ("code", "target", "amber", "benchmark", "benchmark_source", "period")
    }
    actor = _staff(request).user.name
    try:
        change = await _in_db(request, lambda s: save_target(s, form, actor=actor))
    except TargetFormError as exc:
        return await _targets_page(request, status=400, error=exc, form=form)
    name = KPI_BY_CODE[change.code].name
    done = f"{name} ({change.period}): target {change.target:g} saved."
    raise web.HTTPSeeOther(f"/dashboard/targets?done={_quote(done)}")


# -- conversations ------------------------------------------------------------------------


@requires("manager")
async def conversations_page(request: web.Request) -> web.StreamResponse:
    """Search the conversation log by date, channel, intent and outcome, page by page."""
    start, end, problem = _period(request)
    filters = Filters.from_mapping(request.query)
    extra = log.query_values(request.query)
    page = _page(request)
    tz = request.app[CONFIG_KEY].tz

    def load(session: Session) -> Any:
        return log.search(
            session,
            start,
            end,
            tz,
            filters,
            intent=extra["intent"],
            outcome=extra["outcome"],
            page=page,
        )

    rows, more = await _in_db(request, load)
    choices = await _choices(request)
    return _render(
        request,
        "dashboard_conversations.html",
        rows=rows,
        more=more,
        page=page,
        intent=extra["intent"] or "",
        outcome=extra["outcome"] or "",
        outcomes=log.OUTCOMES,
        choices=choices,
        problem=problem,
        **_common(request, start, end, filters),
    )


@requires("manager")
async def conversation_detail(request: web.Request) -> web.StreamResponse:
    """One conversation: its facts, handoffs, survey answers and the full transcript."""
    try:
        fact_id = int(request.match_info["fact_id"])
    except ValueError:
        raise web.HTTPNotFound(text="There is no such conversation.") from None
    detail = await _in_db(request, lambda s: log.conversation(s, fact_id))
    if detail is None:
        raise web.HTTPNotFound(text="There is no such conversation.")
    problem = None
    try:
        events = await request.app[RASA_KEY].tracker_events(detail.row.sender_id)
    except handoffs.NotifyError as exc:
        events, problem = [], f"The transcript could not be loaded from the assistant ({exc})."
    in_session = [
        event
        for event in events
        if isinstance(event.get("timestamp"), (int, float)) and detail.in_window(event["timestamp"])
    ]
    return _render(
        request,
        "dashboard_conversation.html",
        detail=detail,
        lines=handoffs.transcript(in_session),
        problem=problem,
        local=lambda moment: _local(request, moment),
        teams=TEAMS,
    )


# -- comments -----------------------------------------------------------------------------


@requires("manager")
async def comments_page(request: web.Request) -> web.StreamResponse:
    """Survey comments with CSAT, channel, agent and date."""
    start, end, problem = _period(request)
    filters = Filters.from_mapping(request.query)
    page = _page(request)
    lowest = request.query.get("order") == "lowest"
    tz = request.app[CONFIG_KEY].tz

    rows, more = await _in_db(
        request,
        lambda s: log.comments(s, start, end, tz, filters, page=page, lowest_first=lowest),
    )
    choices = await _choices(request)
    return _render(
        request,
        "dashboard_comments.html",
        rows=rows,
        more=more,
        page=page,
        lowest=lowest,
        choices=choices,
        problem=problem,
        **_common(request, start, end, filters),
    )


# -- export -------------------------------------------------------------------------------


@requires("manager")
async def export_csv(request: web.Request) -> web.StreamResponse:
    """One row per conversation, streamed in batches (UTF-8 with BOM, RFC 4180 quoting,
    cells that would start a spreadsheet formula prefixed with ``'``)."""
    start, end, problem = _period(request)
    if problem:
        raise web.HTTPBadRequest(text=problem)
    filters = Filters.from_mapping(request.query)
    extra = log.query_values(request.query)
    tz = request.app[CONFIG_KEY].tz
    response = web.StreamResponse(
        headers={
            **SECURITY_HEADERS,
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="conversations-{start}-to-{end}.csv"',
        }
    )
    await response.prepare(request)
    await response.write(("\ufeff" + log.csv_text([], header=True)).encode("utf-8"))
    cursor = None
    while True:
        after = cursor

        def batch(session: Session, after: Any = after) -> Any:
            return log.export_batch(
                session,
                start,
                end,
                tz,
                filters,
                after=after,
                limit=EXPORT_BATCH,
                intent=extra["intent"],
                outcome=extra["outcome"],
            )

        rows, cursor = await _in_db(request, batch)
        if rows:
            await response.write(log.csv_text(rows).encode("utf-8"))
        if cursor is None:
            break
        await asyncio.sleep(0)
    await response.write_eof()
    return response


# -- service review -----------------------------------------------------------------------


def _review_args(request: web.Request) -> tuple[Any, str | None, str | None]:
    today = _today(request)
    last_month = today.replace(day=1) - timedelta(days=1)
    text = (request.query.get("period") or f"{last_month:%Y-%m}").strip()
    account = (request.query.get("account") or "").strip()[:40] or None
    try:
        return parse_period(text), account, None
    except ValueError as exc:
        return parse_period(f"{last_month:%Y-%m}"), account, str(exc)


@requires("manager")
async def review_page(request: web.Request) -> web.StreamResponse:
    """The service review for a week or month (whole service or one key account)."""
    from bot.domain.kpi.review import build_review

    period, account, problem = _review_args(request)
    tz = request.app[CONFIG_KEY].tz

    review = await _in_db(request, lambda s: build_review(s, period, tz, account=account))
    choices = await _choices(request)
    return _render(
        request,
        "dashboard_review.html",
        body=render_html(review, tz, standalone=False),
        review=review,
        period_text=request.query.get("period") or period.label,
        account=account or "",
        accounts=choices["account"],
        problem=problem,
        pdf_query=urlencode({"period": period.label, **({"account": account} if account else {})}),
    )


@requires("manager")
async def review_pdf(request: web.Request) -> web.StreamResponse:
    """The service review as a PDF download."""
    from bot.domain.kpi.review import build_review

    period, account, problem = _review_args(request)
    if problem:
        raise web.HTTPBadRequest(text=problem)
    tz = request.app[CONFIG_KEY].tz
    review = await _in_db(request, lambda s: build_review(s, period, tz, account=account))
    pdf = await asyncio.to_thread(render_pdf, review, tz)
    suffix = f"-{account}" if account else ""
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in suffix)
    return web.Response(
        body=pdf,
        content_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="service-review-{period.label}{safe}.pdf"'
        },
    )


# -- everyone's own figures ---------------------------------------------------------------


@requires("agent")
async def figures_page(request: web.Request) -> web.StreamResponse:
    """An agent's own figures, a team lead's team's, a manager's everyone's."""
    user = _staff(request).user
    start, end, problem = _period(request)
    tz = request.app[CONFIG_KEY].tz
    if user.role == "manager":
        scope, filters = "everyone", Filters()
    elif user.role == "team_lead":
        scope, filters = f"team {TEAMS.get(user.team, user.team)}", Filters(team=user.team)
    else:
        scope, filters = "your own conversations", Filters(agent=user.name)
    rules = hint_rules()

    def load(session: Session) -> tuple[Any, Any]:
        found = tiles(session, start, end, tz, filters, with_previous=True)
        if user.role == "agent":
            names: list[str] | None = [user.name]
        elif user.role == "team_lead":
            names = [u.name for u in list_users(session) if u.team == user.team]
        else:
            names = None
        rows = agent_rows(session, start, end, tz, filters, agents=names, hints=rules)
        return found, rows

    found, rows = await _in_db(request, load)
    return _render(
        request,
        "figures.html",
        scope=scope,
        tiles=[t for t in found if t.applies],
        rows=rows,
        columns=[KPI_BY_CODE[code] for code in AGENT_KPIS],
        problem=problem,
        **_common(request, start, end, filters),
    )


def add_routes(app: web.Application) -> None:
    """Add the dashboard's routes and template helpers to the console app."""
    from bot.domain.kpi.review import figure

    app[TEMPLATES_KEY].filters["figure"] = figure
    routes = app.router
    routes.add_get("/dashboard", dashboard_page)
    routes.add_get("/dashboard/agents", agents_page)
    routes.add_get("/dashboard/targets", targets_page)
    routes.add_post("/dashboard/targets", targets_save)
    routes.add_get("/dashboard/conversations", conversations_page)
    routes.add_get("/dashboard/conversations/{fact_id}", conversation_detail)
    routes.add_get("/dashboard/comments", comments_page)
    routes.add_get("/dashboard/export.csv", export_csv)
    routes.add_get("/dashboard/review", review_page)
    routes.add_get("/dashboard/review.pdf", review_pdf)
    routes.add_get("/figures", figures_page)
