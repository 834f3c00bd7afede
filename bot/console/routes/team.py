"""Team management (managers): every account, and moving an agent to another team."""

from __future__ import annotations

from aiohttp import web

from bot.console.web import ENGINE_KEY, render, requires
from bot.domain.teams import TEAMS
from bot.domain.users import UserError, list_users, move_user
from bot.storage.db import run_in_session


@requires("manager")
async def team_page(request: web.Request) -> web.StreamResponse:
    """Every account, and a form to move an agent to another team."""
    return await _page(request, error=None)


async def _page(request: web.Request, *, error: str | None, status: int = 200) -> web.Response:
    users = await run_in_session(request.app[ENGINE_KEY], list_users)
    return render(request, "team.html", status=status, users=users, teams=TEAMS, error=error)


@requires("manager")
async def team_move(request: web.Request) -> web.StreamResponse:
    """Move an agent to another team."""
    form = await request.post()
    name, team = str(form.get("name") or ""), str(form.get("team") or "")
    try:
        await run_in_session(request.app[ENGINE_KEY], lambda s: move_user(s, name, team))
    except UserError as exc:
        # Shown in the answer to this POST, never carried in an address.
        return await _page(request, error=str(exc), status=400)
    raise web.HTTPSeeOther("/team")


def add_routes(app: web.Application) -> None:
    """Add ``/team`` and ``/team/move``."""
    app.router.add_get("/team", team_page)
    app.router.add_post("/team/move", team_move)
