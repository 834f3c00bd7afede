"""A staff member's notices: complaints they own that are due soon or overdue
(:mod:`bot.domain.complaints.staff_alerts`)."""

from __future__ import annotations

from aiohttp import web

from bot.console.web import ENGINE_KEY, render, requires, staff, when
from bot.domain.clock import moment_of
from bot.domain.complaints.staff_alerts import mark_read, notices_for
from bot.storage.db import run_in_session


@requires("agent")
async def notices_page(request: web.Request) -> web.StreamResponse:
    """The signed-in staff member's notices, newest first."""
    name = staff(request).user.name
    notices = await run_in_session(request.app[ENGINE_KEY], lambda s: notices_for(s, name))
    return render(request, "notices.html", notices=notices, when=lambda m: when(request, m))


@requires("agent")
async def notices_read(request: web.Request) -> web.StreamResponse:
    """Mark every notice read."""
    name = staff(request).user.name
    await run_in_session(request.app[ENGINE_KEY], lambda s: mark_read(s, name, moment_of(None)))
    raise web.HTTPSeeOther("/notices")


def add_routes(app: web.Application) -> None:
    """Add ``/notices`` and ``/notices/read``."""
    app.router.add_get("/notices", notices_page)
    app.router.add_post("/notices/read", notices_read)
