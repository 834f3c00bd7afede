"""The complaints screen: unresolved complaints by deadline; note, assign and resolve."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web
from sqlalchemy.orm import Session

from bot.console.notices import notice, with_notice
from bot.console.web import (
    CONFIG_KEY,
    ENGINE_KEY,
    PUBLISH_KEY,
    render,
    requires,
    staff,
    when,
)
from bot.domain.complaints import staff as complaints
from bot.domain.complaints.followups import deliver_resolution
from bot.domain.complaints.rules import ComplaintError
from bot.engine.rasa_client import RasaClient
from bot.storage.db import run_in_session

#: How a resolution's delivery went, as the note keys name it (``resolved_<outcome>``).
RESOLVED = ("sent", "already_sent", "busy")


@requires("agent")
async def complaints_page(request: web.Request) -> web.StreamResponse:
    """Unresolved complaints by their next deadline, the overdue ones first."""
    return await _page(request, error=None, done=notice(request.query, "done"))


async def _page(
    request: web.Request, *, error: str | None, done: str | None, status: int = 200
) -> web.Response:
    rows = await run_in_session(
        request.app[ENGINE_KEY],
        lambda s: complaints.list_complaints(s, status=("open", "in_progress")),
    )
    return render(
        request,
        "complaints.html",
        status=status,
        complaints=rows,
        when=lambda m: when(request, m),
        error=error,
        done=done,
    )


async def _complaint_change(request: web.Request, action: str) -> web.StreamResponse:
    reference = request.match_info["reference"]
    form = await request.post()
    text = str(form.get("text") or "")
    actor = staff(request).user.name

    def change(session: Session) -> Any:
        if action == "note":
            return complaints.add_note(session, reference, text, actor=actor)
        if action == "assign":
            return complaints.assign(session, reference, text, actor=actor)
        return complaints.resolve(session, reference, text, actor=actor)

    try:
        view = await run_in_session(request.app[ENGINE_KEY], change)
    except ComplaintError as exc:
        # Shown in the answer to this POST, never carried in an address.
        return await _page(request, error=str(exc), done=None, status=400)
    done = f"{action}_saved"
    if action == "resolve":
        config = request.app[CONFIG_KEY]
        notifier = RasaClient(config.rasa_url, config.rasa_token)
        # The same delivery as `complaints resolve`: exactly once, retried by the worker
        # if Rasa cannot be reached now. It runs its own event loop, hence the thread.
        delivery = await asyncio.to_thread(
            deliver_resolution,
            request.app[ENGINE_KEY],
            notifier,
            view.reference,
            publish=request.app[PUBLISH_KEY],
            tz=config.tz,
        )
        outcome = delivery.outcome if delivery.outcome in RESOLVED else "failed"
        done = f"resolved_{outcome}"
    raise web.HTTPSeeOther(with_notice("/complaints", "done", done, ref=view.reference))


@requires("agent")
async def complaint_note(request: web.Request) -> web.StreamResponse:
    """Add a note to a complaint."""
    return await _complaint_change(request, "note")


@requires("team_lead")
async def complaint_assign(request: web.Request) -> web.StreamResponse:
    """Assign a complaint to a colleague (team leads and managers)."""
    return await _complaint_change(request, "assign")


@requires("agent")
async def complaint_resolve(request: web.Request) -> web.StreamResponse:
    """Resolve a complaint; the customer is told the outcome."""
    return await _complaint_change(request, "resolve")


def add_routes(app: web.Application) -> None:
    """Add ``/complaints`` and its note, assign and resolve forms."""
    routes = app.router
    routes.add_get("/complaints", complaints_page)
    routes.add_post("/complaints/{reference}/note", complaint_note)
    routes.add_post("/complaints/{reference}/assign", complaint_assign)
    routes.add_post("/complaints/{reference}/resolve", complaint_resolve)
