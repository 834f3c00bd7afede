"""Search what was said: transcripts and complaint texts, within what the staff member's
role lets them see (:mod:`bot.domain.search`)."""

from __future__ import annotations

from aiohttp import web

from bot.console.web import ENGINE_KEY, render, requires, staff, when
from bot.domain.search import MAX_QUERY, Viewer, clean_query, search
from bot.storage.db import run_in_session

SCOPES = {
    "manager": "every conversation and complaint",
    "team_lead": "your team's conversations and complaints",
    "agent": "the conversations you handled and the complaints assigned to you",
}


@requires("agent")
async def search_page(request: web.Request) -> web.StreamResponse:
    """The search box and, for ``q``, what matched, newest first."""
    user = staff(request).user
    query = clean_query(request.query.get("q", ""))
    viewer = Viewer(user.name, user.role, user.team)
    hits = (
        await run_in_session(
            request.app[ENGINE_KEY], lambda s: search(s, query, viewer), read_only=True
        )
        if query
        else []
    )
    return render(
        request,
        "search.html",
        query=query,
        hits=hits,
        scope=SCOPES.get(user.role, SCOPES["agent"]),
        max_query=MAX_QUERY,
        when=lambda m: when(request, m),
    )


def add_routes(app: web.Application) -> None:
    """Add ``/search``."""
    app.router.add_get("/search", search_page)
