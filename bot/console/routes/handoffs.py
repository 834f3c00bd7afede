"""The queue and handed-over conversations: take one, read the live transcript, reply,
hand it back to the assistant or close it. Team leads (for their team) and managers also
see the conversations other agents hold, and may reassign, hand back or close them when
an agent is away; each such action is written to the audit trail.

Each conversation shows its language ("English", "中文"): on the queue as the event-stream
consumer recorded it, on the conversation page from Rasa's tracker as it stands, where the
canned replies are offered in that language (the agent may switch them)."""

from __future__ import annotations

import contextlib
import secrets
from datetime import datetime
from typing import Any

from aiohttp import web
from sqlalchemy.orm import Session

from bot.console.notices import notice, with_notice
from bot.console.web import (
    ENGINE_KEY,
    PUBLISH_KEY,
    RASA_KEY,
    read_json_object,
    render,
    requires,
    staff,
    when,
)
from bot.core.i18n import DEFAULT_LANGUAGE, LANGUAGES, conversation_language
from bot.domain import audit
from bot.domain.complaints.records import customer_complaints
from bot.domain.complaints.staff_alerts import unread_count
from bot.domain.conversations import NotifyError
from bot.domain.handoff import agent_chat
from bot.domain.handoff.agent_chat import EngineUnavailable
from bot.domain.handoff.config import handoff_config
from bot.domain.handoff.context import customer_request, shipment_number
from bot.domain.handoff.queue import agent_conversations, get_handoff, list_queue
from bot.domain.handoff.rules import HandoffError
from bot.domain.handoff.staff import Supervisor, supervised_handoffs
from bot.domain.handoff.views import HandoffView
from bot.domain.kpi.languages import latest_languages
from bot.domain.shipments import find_shipment
from bot.domain.teams import TEAMS
from bot.domain.transcripts import LineView, conversation_lines, session_start
from bot.domain.users import StaffView, list_users
from bot.storage.db import run_in_session

#: How often an open conversation page checks its transcript when server push is down.
POLL_SECONDS = 30


@requires("agent")
async def index(_request: web.Request) -> web.StreamResponse:
    """The console starts at the queue."""
    raise web.HTTPSeeOther("/queue")


@requires("agent")
async def queue_page(request: web.Request) -> web.StreamResponse:
    """Waiting conversations (the agent's team first, then general) and the agent's own."""
    user = staff(request).user
    team = None if user.role == "manager" else user.team

    boss = _supervisor(user)

    def load(session: Session) -> dict[str, Any]:
        others: list[HandoffView] = []
        agents: list[str] = []
        if boss is not None:
            others = [h for h in supervised_handoffs(session, boss) if h.agent != user.name]
            agents = [u.name for u in list_users(session) if u.active]
        waiting = list_queue(session, team=team)
        mine = agent_conversations(session, user.name)
        senders = [h.sender_id for h in (*waiting, *mine, *others)]
        return {
            "waiting": waiting,
            "mine": mine,
            "others": others,
            "agents": agents,
            "languages": latest_languages(session, senders),
            "requests": {h.id: customer_request(h) for h in (*waiting, *mine, *others)},
            "unread_notices": unread_count(session, user.name),
        }

    loaded = await run_in_session(request.app[ENGINE_KEY], load, read_only=True)
    return render(
        request,
        "queue.html",
        when=lambda m: when(request, m),
        default_language=DEFAULT_LANGUAGE,
        teams=TEAMS,
        error=notice(request.query, "error"),
        done=notice(request.query, "done"),
        **loaded,
    )


def _supervisor(user: StaffView) -> Supervisor | None:
    """The user as a supervisor, if they are a team lead or manager."""
    return Supervisor(user.name, user.role, user.team) if user.has_role("team_lead") else None


def _handoff_id(request: web.Request) -> int:
    try:
        return int(request.match_info["handoff_id"])
    except ValueError:
        raise web.HTTPNotFound() from None


def _may_see(user: StaffView, view: HandoffView) -> bool:
    return user.has_role("team_lead") or view.agent in (None, user.name)


async def _handoff_for(request: web.Request) -> HandoffView:
    handoff_id = _handoff_id(request)
    try:
        view = await run_in_session(request.app[ENGINE_KEY], lambda s: get_handoff(s, handoff_id))
    except HandoffError:
        raise web.HTTPNotFound(text="There is no such conversation.") from None
    if not _may_see(staff(request).user, view):
        raise web.HTTPForbidden(text="This conversation is with another agent.")
    return view


@requires("agent")
async def take(request: web.Request) -> web.StreamResponse:
    """Take over a conversation: pause the bot and open it."""
    handoff_id = _handoff_id(request)
    try:
        await agent_chat.take_over(
            request.app[ENGINE_KEY],
            request.app[RASA_KEY],
            handoff_id,
            agent=staff(request).user.name,
        )
    except EngineUnavailable:
        raise web.HTTPSeeOther(with_notice("/queue", "error", "rasa_down")) from None
    except HandoffError:
        raise web.HTTPSeeOther(with_notice("/queue", "error", "take_failed")) from None
    raise web.HTTPSeeOther(f"/handoffs/{handoff_id}")


def _context_panel(session: Session, view: HandoffView) -> dict[str, Any]:
    number = shipment_number(view.context)
    shipment = find_shipment(session, number) if number else None
    contact = view.context.get("contact")
    complaints = [
        c
        for c in customer_complaints(
            session, sender_id=view.sender_id, contact=contact if isinstance(contact, str) else None
        )
        if c.status != "resolved"
    ]
    return {
        "shipment": shipment,
        "shipment_number": number,
        "complaints": complaints,
        "wants": customer_request(view),
    }


@requires("agent")
async def conversation_page(request: web.Request) -> web.StreamResponse:
    """The transcript, the reply box, and the shipment and complaints beside them."""
    view = await _handoff_for(request)

    def load(session: Session) -> dict[str, Any]:
        return {
            **_context_panel(session, view),
            "history": audit.entries(session, f"handoff:{view.id}"),
            "recorded": latest_languages(session, [view.sender_id]).get(view.sender_id),
        }

    panel = await run_in_session(request.app[ENGINE_KEY], load)
    language = panel.pop("recorded") or DEFAULT_LANGUAGE
    eta = panel["shipment"].eta if panel["shipment"] else None
    if isinstance(eta, datetime):
        eta_text = when(request, eta)
    else:
        eta_text = f"{eta.day} {eta:%b %Y}" if eta else ""
    # The tracker as it stands, with a switch the event stream has not brought in yet;
    # if Rasa cannot be reached, the recorded language (the transcript says why).
    with contextlib.suppress(NotifyError):
        language = live_language(await request.app[RASA_KEY].tracker_events(view.sender_id))
    return render(
        request,
        "conversation.html",
        handoff=view,
        language=language,
        languages=LANGUAGES,
        canned=handoff_config().canned_replies,
        when=lambda m: when(request, m),
        poll_seconds=POLL_SECONDS,
        eta_text=eta_text,
        error=notice(request.query, "error"),
        **panel,
    )


@requires("agent")
async def transcript_json(request: web.Request) -> web.StreamResponse:
    """The transcript of the handed-over conversation's session, from the lines the
    event-stream consumer wrote (no replay of Rasa's tracker), and the agents' messages
    with their delivery state. ``after`` (a line id) returns only newer lines."""
    view = await _handoff_for(request)
    try:
        after = max(0, int(request.query.get("after", "0")))
    except ValueError:
        after = 0

    def load(session: Session) -> tuple[list[LineView], str | None]:
        since = session_start(session, view.sender_id, view.created_at)
        lines = conversation_lines(session, view.sender_id, since=since, after_id=after)
        return lines, latest_languages(session, [view.sender_id]).get(view.sender_id)

    lines, language = await run_in_session(request.app[ENGINE_KEY], load, read_only=True)
    messages = [
        {"client_id": m.client_id, "status": m.status, "error": m.error, "text": m.text}
        for m in view.messages
    ]
    return web.json_response(
        {
            "status": view.status,
            "lines": [
                {
                    "id": line.id,
                    "who": line.who,
                    "text": line.text,
                    "agent": line.agent,
                    "at": line.at.isoformat(),
                }
                for line in lines
            ],
            "messages": messages,
            "problem": None,
            "language": language,
        }
    )


def live_language(events: list[dict[str, Any]]) -> str:
    """The conversation's language from its tracker events: the ``language`` slot (the
    customer's explicit choice) if set, else what the customer's messages show."""
    chosen = None
    for event in events:
        if event.get("event") == "slot" and event.get("name") == "language":
            chosen = event.get("value")
    return conversation_language(events, explicit=chosen)


@requires("agent")
async def post_message(request: web.Request) -> web.StreamResponse:
    """Store and deliver an agent's message (JSON: ``client_id``, ``text``)."""
    handoff_id = _handoff_id(request)
    body = await read_json_object(request)
    try:
        message = await agent_chat.send_message(
            request.app[ENGINE_KEY],
            request.app[RASA_KEY],
            handoff_id,
            agent=staff(request).user.name,
            client_id=str(body.get("client_id") or ""),
            text=str(body.get("text") or ""),
        )
    except HandoffError as exc:
        return web.json_response({"error": str(exc)}, status=409)
    return web.json_response(
        {"client_id": message.client_id, "status": message.status, "error": message.error}
    )


async def _finish(request: web.Request, outcome: str) -> web.StreamResponse:
    handoff_id = _handoff_id(request)
    engine, rasa, user = request.app[ENGINE_KEY], request.app[RASA_KEY], staff(request).user
    held_by = await _holder(request, handoff_id)
    # The agent who holds it finishes it; a team lead or manager may finish another's.
    boss = _supervisor(user) if held_by != user.name else None
    try:
        if outcome == "handed_back":
            await agent_chat.hand_back(engine, rasa, handoff_id, agent=user.name, supervisor=boss)
        else:
            await agent_chat.close(
                engine,
                rasa,
                handoff_id,
                agent=user.name,
                publish=request.app[PUBLISH_KEY],
                supervisor=boss,
            )
    except EngineUnavailable:
        back = "/queue" if boss else f"/handoffs/{handoff_id}"
        raise web.HTTPSeeOther(with_notice(back, "error", "rasa_down")) from None
    except HandoffError:
        if boss is not None:
            raise web.HTTPSeeOther(with_notice("/queue", "error", "supervise_failed")) from None
        back = f"/handoffs/{handoff_id}"
        raise web.HTTPSeeOther(with_notice(back, "error", "finish_failed")) from None
    if boss is not None:
        raise web.HTTPSeeOther(with_notice("/queue", "done", outcome))
    raise web.HTTPSeeOther("/queue")


async def _holder(request: web.Request, handoff_id: int) -> str | None:
    try:
        view = await run_in_session(request.app[ENGINE_KEY], lambda s: get_handoff(s, handoff_id))
    except HandoffError:
        raise web.HTTPNotFound(text="There is no such conversation.") from None
    return view.agent


@requires("team_lead")
async def reassign(request: web.Request) -> web.StreamResponse:
    """Give a conversation to another agent (team leads for their team, managers for any);
    the customer is told and the audit trail records it."""
    handoff_id = _handoff_id(request)
    form = await request.post()
    boss = _supervisor(staff(request).user)
    assert boss is not None  # the route needs a team lead
    try:
        _view, told = await agent_chat.reassign(
            request.app[ENGINE_KEY],
            request.app[RASA_KEY],
            handoff_id,
            to_agent=str(form.get("agent") or ""),
            supervisor=boss,
            notice_id=f"reassign-{secrets.token_hex(8)}",
        )
    except HandoffError:
        raise web.HTTPSeeOther(with_notice("/queue", "error", "supervise_failed")) from None
    raise web.HTTPSeeOther(
        with_notice("/queue", "done", "reassigned" if told else "reassigned_untold")
    )


@requires("agent")
async def hand_back(request: web.Request) -> web.StreamResponse:
    """Give the conversation back to the assistant."""
    return await _finish(request, "handed_back")


@requires("agent")
async def close(request: web.Request) -> web.StreamResponse:
    """Close the conversation."""
    return await _finish(request, "closed")


def add_routes(app: web.Application) -> None:
    """Add ``/`` (to the queue), ``/queue`` and ``/handoffs/...``."""
    routes = app.router
    routes.add_get("/", index)
    routes.add_get("/queue", queue_page)
    routes.add_post("/handoffs/{handoff_id}/take", take)
    routes.add_get("/handoffs/{handoff_id}", conversation_page)
    routes.add_get("/handoffs/{handoff_id}/transcript.json", transcript_json)
    routes.add_post("/handoffs/{handoff_id}/messages", post_message)
    routes.add_post("/handoffs/{handoff_id}/hand-back", hand_back)
    routes.add_post("/handoffs/{handoff_id}/close", close)
    routes.add_post("/handoffs/{handoff_id}/reassign", reassign)
