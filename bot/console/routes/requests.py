"""The requests screen: unfinished customer requests by promised time; assign, note, complete
or refuse with a reason, and the customer is told the outcome."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web
from sqlalchemy.orm import Session

from bot.console.notices import notice, with_notice
from bot.console.web import CONFIG_KEY, ENGINE_KEY, render, requires, staff, when
from bot.domain.requests import staff as requests
from bot.domain.requests.outcomes import deliver_outcome
from bot.domain.requests.staff import StaffError
from bot.engine.rasa_client import RasaClient
from bot.storage.db import run_in_session

#: How an outcome's delivery went, as the note keys name it (``finished_<outcome>``).
DELIVERED = ("sent", "already_sent", "busy")


@requires("agent")
async def requests_page(request: web.Request) -> web.StreamResponse:
    """Unfinished requests by their promised time, the overdue ones flagged."""
    return await _page(request, error=None, done=notice(request.query, "done"))


async def _page(
    request: web.Request, *, error: str | None, done: str | None, status: int = 200
) -> web.Response:
    rows = await run_in_session(request.app[ENGINE_KEY], lambda s: requests.list_requests(s))
    return render(
        request,
        "requests.html",
        status=status,
        requests=rows,
        when=lambda m: when(request, m) if m is not None else "",
        error=error,
        done=done,
    )


async def _change(request: web.Request, action: str) -> web.StreamResponse:
    reference = request.match_info["reference"]
    form = await request.post()
    text = str(form.get("text") or "")
    actor = staff(request).user.name

    def change(session: Session) -> Any:
        if action == "note":
            return requests.add_note(session, reference, text, actor=actor)
        if action == "assign":
            return requests.assign(session, reference, text, actor=actor)
        if action == "complete":
            return requests.complete(session, reference, text, actor=actor)
        return requests.refuse(session, reference, text, actor=actor)

    try:
        view = await run_in_session(request.app[ENGINE_KEY], change)
    except StaffError as exc:
        # Shown in the answer to this POST, never carried in an address.
        return await _page(request, error=str(exc), done=None, status=400)
    done = f"{action}_saved"
    if action in ("complete", "refuse"):
        config = request.app[CONFIG_KEY]
        notifier = RasaClient(config.rasa_url, config.rasa_token)
        # Exactly once, retried by the follow-up worker if Rasa cannot be reached now. It
        # runs its own event loop, hence the thread.
        delivery = await asyncio.to_thread(
            deliver_outcome, request.app[ENGINE_KEY], notifier, view.reference
        )
        outcome = delivery.outcome if delivery.outcome in DELIVERED else "failed"
        done = f"finished_{outcome}"
    raise web.HTTPSeeOther(with_notice("/requests", "done", done, ref=view.reference))


@requires("agent")
async def request_note(request: web.Request) -> web.StreamResponse:
    """Add a note to a request's audit trail."""
    return await _change(request, "note")


@requires("team_lead")
async def request_assign(request: web.Request) -> web.StreamResponse:
    """Assign a request to a colleague (team leads and managers)."""
    return await _change(request, "assign")


@requires("agent")
async def request_complete(request: web.Request) -> web.StreamResponse:
    """Complete a request; the customer is told what was done."""
    return await _change(request, "complete")


@requires("agent")
async def request_refuse(request: web.Request) -> web.StreamResponse:
    """Refuse a request with the reason; the customer is told it."""
    return await _change(request, "refuse")


def add_routes(app: web.Application) -> None:
    """Add ``/requests`` and its note, assign, complete and refuse forms."""
    routes = app.router
    routes.add_get("/requests", requests_page)
    routes.add_post("/requests/{reference}/note", request_note)
    routes.add_post("/requests/{reference}/assign", request_assign)
    routes.add_post("/requests/{reference}/complete", request_complete)
    routes.add_post("/requests/{reference}/refuse", request_refuse)
