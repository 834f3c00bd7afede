"""The leads screen: open sales leads by promised call-back (overdue first); team leads
and managers assign them, agents see and work their own; each change is audited. Managers
also see the sales figures and download the direct-marketing consents as CSV."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aiohttp import web
from sqlalchemy.orm import Session

from bot.console.notices import notice, with_notice
from bot.console.web import ENGINE_KEY, render, requires, staff, when
from bot.domain import lead_work
from bot.domain.clock import moment_of
from bot.domain.consent import consents_csv, list_consents
from bot.domain.lead_work import LeadError
from bot.domain.sales_events import sales_figures
from bot.storage.db import run_in_session

#: The statuses a lead may be moved to from the screen.
MOVES = ("contacted", "quoted", "won", "lost")
FIGURES_DAYS = 30


@requires("agent")
async def leads_page(request: web.Request) -> web.StreamResponse:
    """The colleague's leads (everyone's for team leads and managers)."""
    return await _page(request, error=None, done=notice(request.query, "done"))


async def _page(
    request: web.Request, *, error: str | None, done: str | None, status: int = 200
) -> web.Response:
    user = staff(request).user
    closed = request.query.get("closed") == "1"

    def load(session: Session) -> tuple[Any, Any, Any]:
        rows = lead_work.leads_for(session, name=user.name, role=user.role, include_closed=closed)
        trails = {row.id: lead_work.lead_trail(session, row.id) for row in rows}
        figures = None
        if user.role != "agent":
            end = moment_of(None)
            figures = sales_figures(session, end - timedelta(days=FIGURES_DAYS), end)
        return rows, trails, figures

    rows, trails, figures = await run_in_session(request.app[ENGINE_KEY], load)
    return render(
        request,
        "leads.html",
        status=status,
        leads=rows,
        trails=trails,
        figures=figures,
        figures_days=FIGURES_DAYS,
        moves=MOVES,
        closed=closed,
        when=lambda m: when(request, m),
        error=error,
        done=done,
    )


async def _change(request: web.Request, action: str) -> web.StreamResponse:
    form = await request.post()
    user = staff(request).user
    try:
        lead_id = lead_work.parse_lead_id(request.match_info["lead"])
    except LeadError as exc:
        return await _page(request, error=str(exc), done=None, status=404)

    def change(session: Session) -> Any:
        if action == "assign":
            return lead_work.assign(
                session, lead_id, str(form.get("agent") or ""), actor=user.name, role=user.role
            )
        return lead_work.set_status(
            session,
            lead_id,
            str(form.get("status") or ""),
            actor=user.name,
            role=user.role,
            reason=str(form.get("reason") or ""),
        )

    try:
        view = await run_in_session(request.app[ENGINE_KEY], change)
    except LeadError as exc:
        # Shown in the answer to this POST, never carried in an address.
        return await _page(request, error=str(exc), done=None, status=400)
    key = "lead_assigned" if action == "assign" else f"lead_{view.status}"
    raise web.HTTPSeeOther(with_notice("/leads", "done", key, lead=view.reference))


@requires("team_lead")
async def lead_assign(request: web.Request) -> web.StreamResponse:
    """Give a lead to a colleague (team leads and managers)."""
    return await _change(request, "assign")


@requires("agent")
async def lead_status(request: web.Request) -> web.StreamResponse:
    """Move a lead on: contacted, quoted, won, or lost with a reason."""
    return await _change(request, "status")


@requires("manager")
async def consents_export(request: web.Request) -> web.StreamResponse:
    """Every direct-marketing consent answer as CSV (``?in_force=1``: only those in force)."""
    in_force = request.query.get("in_force") == "1"
    views = await run_in_session(
        request.app[ENGINE_KEY], lambda s: list_consents(s, in_force_only=in_force)
    )
    body = "\ufeff" + consents_csv(views)
    return web.Response(
        body=body.encode("utf-8"),
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": 'attachment; filename="marketing-consents.csv"',
        },
    )


def add_routes(app: web.Application) -> None:
    """Add ``/leads``, its assign and status forms, and the consents export."""
    routes = app.router
    routes.add_get("/leads", leads_page)
    routes.add_post("/leads/{lead}/assign", lead_assign)
    routes.add_post("/leads/{lead}/status", lead_status)
    routes.add_get("/leads/consents.csv", consents_export)
