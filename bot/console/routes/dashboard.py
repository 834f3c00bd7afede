"""The managers' dashboard pages and each staff member's own figures.

Managers only (``/dashboard...``): KPI tiles against target and benchmark with trend
charts and filters, the per-agent table with recognition and coaching hints, the target
and benchmark form, the conversation log with transcripts, and survey comments. Everyone
(``/figures``): an agent sees their own figures, a team lead their team's, a manager
everyone's. The CSV export and the service review are in :mod:`bot.console.routes.reports`.

Figures come from :mod:`bot.domain.kpi` (SQL aggregates); pages are plain GET forms and
server-drawn SVG, so they work without JavaScript.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy.orm import Session

from bot.console.dashboard_view import (
    filter_choices,
    local,
    page_number,
    page_values,
    period,
)
from bot.console.notices import notice, with_notice
from bot.console.web import (
    CONFIG_KEY,
    ENGINE_KEY,
    RASA_KEY,
    TEMPLATES_KEY,
    render,
    requires,
    staff,
)
from bot.domain.conversations import NotifyError
from bot.domain.kpi import conversations as log
from bot.domain.kpi.charts import line_chart
from bot.domain.kpi.dashboard import AGENT_KPIS, Filters, agent_rows, tiles, trends
from bot.domain.kpi.formulas import KPI_BY_CODE, KPIS
from bot.domain.kpi.hints import hint_rules
from bot.domain.kpi.languages import LANGUAGE_KPIS, language_rows
from bot.domain.kpi.report import load_targets
from bot.domain.kpi.review import figure
from bot.domain.kpi.targets import TargetFormError, recent_changes, save_target, stored_targets
from bot.domain.teams import TEAMS
from bot.domain.users import list_users
from bot.engine.transcripts import transcript
from bot.storage.db import run_in_session

# -- the dashboard ------------------------------------------------------------------------


@requires("manager")
async def dashboard_page(request: web.Request) -> web.StreamResponse:
    """KPI tiles against target and benchmark, trend charts, filters."""
    start, end, problem = period(request)
    filters = Filters.from_mapping(request.query)
    tz = request.app[CONFIG_KEY].tz

    def load(session: Session) -> tuple[Any, Any, Any]:
        found = tiles(session, start, end, tz, filters, with_previous=True)
        by_language = language_rows(session, start, end, tz, filters)
        return found, trends(session, start, end, tz, filters), by_language

    found, (parts, series), languages = await run_in_session(
        request.app[ENGINE_KEY], load, read_only=True
    )
    choices = await filter_choices(request)
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
    return render(
        request,
        "dashboard.html",
        tiles=found,
        charts=charts,
        languages=languages,
        language_columns=[KPI_BY_CODE[code] for code in LANGUAGE_KPIS],
        choices=choices,
        problem=problem,
        **page_values(request, start, end, filters),
    )


@requires("manager")
async def agents_page(request: web.Request) -> web.StreamResponse:
    """Each agent's figures with recognition and coaching hints."""
    start, end, problem = period(request)
    filters = Filters.from_mapping(request.query)
    tz = request.app[CONFIG_KEY].tz
    rules = hint_rules()
    rows = await run_in_session(
        request.app[ENGINE_KEY],
        lambda s: agent_rows(s, start, end, tz, filters, hints=rules),
        read_only=True,
    )
    return render(
        request,
        "dashboard_agents.html",
        rows=rows,
        columns=[KPI_BY_CODE[code] for code in AGENT_KPIS],
        rules=rules,
        problem=problem,
        choices=await filter_choices(request),
        **page_values(request, start, end, filters),
    )


# -- targets ------------------------------------------------------------------------------


async def _targets_page(
    request: web.Request, *, status: int = 200, error: Any = None, form: Any = None
) -> web.Response:
    def load(session: Session) -> tuple[Any, Any, Any]:
        return load_targets(session), stored_targets(session), recent_changes(session)

    current, stored, changes = await run_in_session(request.app[ENGINE_KEY], load, read_only=True)
    return render(
        request,
        "dashboard_targets.html",
        status=status,
        kpis=KPIS,
        current=current,
        stored=stored,
        changes=changes,
        error=error,
        form=form or {},
        done=notice(request.query, "done"),
        local=lambda moment: local(request, moment),
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
    actor = staff(request).user.name
    try:
        change = await run_in_session(
            request.app[ENGINE_KEY], lambda s: save_target(s, form, actor=actor)
        )
    except TargetFormError as exc:
        return await _targets_page(request, status=400, error=exc, form=form)
    raise web.HTTPSeeOther(
        with_notice(
            "/dashboard/targets",
            "done",
            "target_saved",
            kpi=change.code,
            period=change.period,
            value=f"{change.target:g}",
        )
    )


# -- conversations ------------------------------------------------------------------------


@requires("manager")
async def conversations_page(request: web.Request) -> web.StreamResponse:
    """Search the conversation log by date, channel, intent and outcome, page by page."""
    start, end, problem = period(request)
    filters = Filters.from_mapping(request.query)
    extra = log.query_values(request.query)
    page = page_number(request)
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

    rows, more = await run_in_session(request.app[ENGINE_KEY], load, read_only=True)
    choices = await filter_choices(request)
    return render(
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
        **page_values(request, start, end, filters),
    )


@requires("manager")
async def conversation_detail(request: web.Request) -> web.StreamResponse:
    """One conversation: its facts, handoffs, survey answers and the full transcript."""
    try:
        fact_id = int(request.match_info["fact_id"])
    except ValueError:
        raise web.HTTPNotFound(text="There is no such conversation.") from None
    detail = await run_in_session(
        request.app[ENGINE_KEY], lambda s: log.conversation(s, fact_id), read_only=True
    )
    if detail is None:
        raise web.HTTPNotFound(text="There is no such conversation.")
    problem = None
    try:
        events = await request.app[RASA_KEY].tracker_events(detail.row.sender_id)
    except NotifyError as exc:
        events, problem = [], f"The transcript could not be loaded from the assistant ({exc})."
    in_session = [
        event
        for event in events
        if isinstance(event.get("timestamp"), (int, float)) and detail.in_window(event["timestamp"])
    ]
    return render(
        request,
        "dashboard_conversation.html",
        detail=detail,
        lines=transcript(in_session),
        problem=problem,
        local=lambda moment: local(request, moment),
        teams=TEAMS,
    )


# -- comments -----------------------------------------------------------------------------


@requires("manager")
async def comments_page(request: web.Request) -> web.StreamResponse:
    """Survey comments with CSAT, channel, agent and date."""
    start, end, problem = period(request)
    filters = Filters.from_mapping(request.query)
    page = page_number(request)
    lowest = request.query.get("order") == "lowest"
    tz = request.app[CONFIG_KEY].tz

    rows, more = await run_in_session(
        request.app[ENGINE_KEY],
        lambda s: log.comments(s, start, end, tz, filters, page=page, lowest_first=lowest),
        read_only=True,
    )
    choices = await filter_choices(request)
    return render(
        request,
        "dashboard_comments.html",
        rows=rows,
        more=more,
        page=page,
        lowest=lowest,
        choices=choices,
        problem=problem,
        **page_values(request, start, end, filters),
    )


# -- everyone's own figures ---------------------------------------------------------------


@requires("agent")
async def figures_page(request: web.Request) -> web.StreamResponse:
    """An agent's own figures, a team lead's team's, a manager's everyone's."""
    user = staff(request).user
    start, end, problem = period(request)
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

    found, rows = await run_in_session(request.app[ENGINE_KEY], load, read_only=True)
    return render(
        request,
        "figures.html",
        scope=scope,
        tiles=[t for t in found if t.applies],
        rows=rows,
        columns=[KPI_BY_CODE[code] for code in AGENT_KPIS],
        problem=problem,
        **page_values(request, start, end, filters),
    )


def add_routes(app: web.Application) -> None:
    """Add the dashboard's pages, ``/figures`` and the templates' ``figure`` filter."""
    app[TEMPLATES_KEY].filters["figure"] = figure
    routes = app.router
    routes.add_get("/dashboard", dashboard_page)
    routes.add_get("/dashboard/agents", agents_page)
    routes.add_get("/dashboard/targets", targets_page)
    routes.add_post("/dashboard/targets", targets_save)
    routes.add_get("/dashboard/conversations", conversations_page)
    routes.add_get("/dashboard/conversations/{fact_id}", conversation_detail)
    routes.add_get("/dashboard/comments", comments_page)
    routes.add_get("/figures", figures_page)
