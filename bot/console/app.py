"""The agent console: an aiohttp web app with server-rendered pages and a little JavaScript.

Every route names the least role that may use it (:func:`requires`); a route without one
is refused, so a forgotten check fails closed. The middleware signs the staff member in
from the session cookie (redirect to the sign-in page, or 401 for JSON and POST), checks
the role (403) and, for every POST, the CSRF token (403). Rasa's API token stays in this
process: the browser only ever talks to the console.
"""

from __future__ import annotations

import argparse
import asyncio
import hmac
import logging
import secrets
import signal
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import jinja2
from aiohttp import web
from sqlalchemy.engine import Engine
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session

from bot.bootstrap import bootstrap
from bot.core.settings import Settings
from bot.domain.business_hours import format_promise
from bot.domain.events import Publish
from bot.domain.handoff import service as handoffs
from bot.domain.teams import TEAMS
from bot.domain.users import (
    ActiveSession,
    StaffView,
    UserError,
    is_rate_limited,
    list_users,
    move_user,
    session_for,
    sign_in,
    sign_out,
)
from bot.storage.db import get_engine, session_scope
from bot.storage.models import STAFF_ROLES

logger = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
DEFAULT_PORT = 5080
SESSION_COOKIE = "fd_console"
LOGIN_COOKIE = "fd_login"
#: Largest request body accepted; an agent's message is at most 2,000 characters.
MAX_BODY_BYTES = 32 * 1024
POLL_SECONDS = 2

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
T = TypeVar("T")

CONFIG_KEY: web.AppKey[ConsoleConfig] = web.AppKey("config")
ENGINE_KEY = web.AppKey("engine", Engine)
RASA_KEY = web.AppKey("rasa", handoffs.RasaConversations)
TEMPLATES_KEY = web.AppKey("templates", jinja2.Environment)
PUBLISH_KEY: web.AppKey[Publish] = web.AppKey("publish")

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


@dataclass(frozen=True)
class ConsoleConfig:
    """What the console needs to run.

    Attributes:
        database_url: the project's database.
        rasa_url: base URL of Rasa's HTTP API.
        rasa_token: its token (kept on the server).
        timezone: the service centre's zone, for times on screen.
        secure_cookies: mark cookies ``Secure``; on when served over HTTPS.
    """

    database_url: str
    rasa_url: str
    rasa_token: str
    timezone: str = "Asia/Hong_Kong"
    secure_cookies: bool = False

    @property
    def tz(self) -> ZoneInfo:
        """The service centre's zone."""
        return ZoneInfo(self.timezone)

    @classmethod
    def from_settings(cls, settings: Settings, *, secure_cookies: bool = False) -> ConsoleConfig:
        """The console's settings from the project's (token as the notifier finds it)."""
        from bot.engine.rasa_client import notifier_from_settings

        notifier = notifier_from_settings(settings)
        return cls(
            database_url=settings.database_url,
            rasa_url=notifier.base_url,
            rasa_token=notifier.token,
            timezone=settings.timezone,
            secure_cookies=secure_cookies,
        )


# -- access control -----------------------------------------------------------------------


def requires(role: str | None) -> Callable[[Handler], Handler]:
    """Declare the least role a route needs; None marks a public route (sign-in, assets)."""
    if role is not None and role not in STAFF_ROLES:
        raise ValueError(f"unknown role {role!r}")

    def mark(handler: Handler) -> Handler:
        handler.min_role = role or "public"  # type: ignore[attr-defined]
        return handler

    return mark


def _wants_json(request: web.Request) -> bool:
    return request.path.endswith(".json") or "application/json" in request.headers.get("Accept", "")


async def _in_db(request: web.Request, work: Callable[[Session], T]) -> T:
    """Run ``work`` in its own session in a thread: blocking I/O stays off the event loop."""
    engine = request.app[ENGINE_KEY]

    def run() -> T:
        with session_scope(engine) as session:
            return work(session)

    return await asyncio.to_thread(run)


async def _csrf_value(request: web.Request) -> str:
    header = request.headers.get("X-CSRF-Token")
    if header:
        return header
    if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.post()
        value = form.get("csrf_token")
        return value if isinstance(value, str) else ""
    return ""


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Add the security headers to every answer, errors included."""
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        response = exc
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if isinstance(response, web.HTTPException) and response.status >= 400:
        raise response
    return response


#: What an agent is told when the database cannot be reached (their message is not lost:
#: the Retry button sends the same id, and the server delivers it exactly once).
DATABASE_DOWN = (
    "the database is unavailable just now, so this was not saved or sent; retry in a "
    "moment (a retry is delivered once)"
)


@web.middleware
async def database_unavailable(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Answer 503 with a clear message when the database cannot be reached, not a bare 500."""
    try:
        return await handler(request)
    except (OperationalError, InterfaceError) as exc:
        logger.error(
            "FAULT: console %s %s: database unavailable (%s)",
            request.method,
            request.path,
            type(exc.orig).__name__,
        )
        if _wants_json(request) or request.method == "POST":
            return web.json_response({"status": "failed", "error": DATABASE_DOWN}, status=503)
        return web.Response(text=f"Freight Desk console: {DATABASE_DOWN}.", status=503)


@web.middleware
async def access_control(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Sign in from the cookie, check the route's role and, on POST, the CSRF token."""
    route_handler = getattr(request.match_info, "handler", None)
    min_role = getattr(route_handler, "min_role", None)
    if min_role == "public" or isinstance(request.match_info.http_exception, web.HTTPException):
        return await handler(request)
    if min_role is None:
        raise web.HTTPForbidden(text="This page has no access rule.")
    cookie = request.cookies.get(SESSION_COOKIE)
    active = await _in_db(request, lambda s: session_for(s, cookie))
    if active is None:
        if request.method == "GET" and not _wants_json(request):
            raise web.HTTPSeeOther("/login")
        raise web.HTTPUnauthorized(text="Please sign in.")
    if not active.user.has_role(min_role):
        raise web.HTTPForbidden(text="Your role does not allow this page.")
    if request.method not in ("GET", "HEAD"):
        given = await _csrf_value(request)
        if not given or not hmac.compare_digest(given, active.csrf_token):
            raise web.HTTPForbidden(text="The form has expired. Please reload the page.")
    request["staff"] = active
    return await handler(request)


def _staff(request: web.Request) -> ActiveSession:
    active: ActiveSession = request["staff"]
    return active


def _render(request: web.Request, template: str, status: int = 200, **values: Any) -> web.Response:
    env = request.app[TEMPLATES_KEY]
    staff = request.get("staff")
    html = env.get_template(template).render(
        staff=staff.user if staff else None,
        csrf_token=staff.csrf_token if staff else "",
        **values,
    )
    return web.Response(text=html, content_type="text/html", status=status)


def _when(request: web.Request, moment: datetime | None) -> str:
    if moment is None:
        return ""
    tz: tzinfo = request.app[CONFIG_KEY].tz
    return format_promise(moment, tz)


# -- sign-in ------------------------------------------------------------------------------


def _cookie(response: web.StreamResponse, request: web.Request, name: str, value: str) -> None:
    response.set_cookie(
        name,
        value,
        httponly=True,
        samesite="Strict",
        secure=request.app[CONFIG_KEY].secure_cookies,
        path="/",
        max_age=None if name == LOGIN_COOKIE else 36_000,
    )


@requires(None)
async def login_page(request: web.Request) -> web.StreamResponse:
    """The sign-in form, with a fresh sign-in CSRF token (double-submit cookie)."""
    token = secrets.token_urlsafe(24)
    response = _render(request, "login.html", login_token=token, error=None)
    _cookie(response, request, LOGIN_COOKIE, token)
    return response


def _address(request: web.Request) -> str:
    # The console binds to loopback or sits behind the operator's proxy; the peer address
    # is what we can trust, never a client-supplied X-Forwarded-For.
    return request.remote or "unknown"


@requires(None)
async def login(request: web.Request) -> web.StreamResponse:
    """Check the name and password; rate limited per account and per address."""
    form = await request.post()
    expected = request.cookies.get(LOGIN_COOKIE, "")
    given = form.get("login_token")
    if not expected or not isinstance(given, str) or not hmac.compare_digest(given, expected):
        raise web.HTTPForbidden(text="The sign-in form has expired. Please reload the page.")
    name = str(form.get("name") or "").strip()
    password = str(form.get("password") or "")
    address = _address(request)

    def attempt(session: Session) -> tuple[bool, Any]:
        if is_rate_limited(session, name, address):
            return True, None
        return False, sign_in(session, name, password, address=address)

    limited, result = await _in_db(request, attempt)
    if result is None:
        error = (
            "Too many failed sign-ins. Please wait 15 minutes and try again."
            if limited
            else "That name and password do not match an account."
        )
        token = secrets.token_urlsafe(24)
        response = _render(
            request, "login.html", status=429 if limited else 401, login_token=token, error=error
        )
        _cookie(response, request, LOGIN_COOKIE, token)
        return response
    response = web.HTTPSeeOther("/queue")
    _cookie(response, request, SESSION_COOKIE, result.cookie)
    response.del_cookie(LOGIN_COOKIE, path="/")
    return response


@requires("agent")
async def logout(request: web.Request) -> web.StreamResponse:
    """End the session."""
    cookie = request.cookies.get(SESSION_COOKIE)
    await _in_db(request, lambda s: sign_out(s, cookie))
    response = web.HTTPSeeOther("/login")
    response.del_cookie(SESSION_COOKIE, path="/")
    return response


# -- queue and conversations --------------------------------------------------------------


@requires("agent")
async def index(_request: web.Request) -> web.StreamResponse:
    """The console starts at the queue."""
    raise web.HTTPSeeOther("/queue")


@requires("agent")
async def queue_page(request: web.Request) -> web.StreamResponse:
    """Waiting conversations (the agent's team first, then general) and the agent's own."""
    user = _staff(request).user
    team = None if user.role == "manager" else user.team

    def load(session: Session) -> tuple[list[handoffs.HandoffView], list[handoffs.HandoffView]]:
        return handoffs.list_queue(session, team=team), handoffs.agent_conversations(
            session, user.name
        )

    waiting, mine = await _in_db(request, load)
    return _render(
        request,
        "queue.html",
        waiting=waiting,
        mine=mine,
        when=lambda m: _when(request, m),
        teams=TEAMS,
        error=request.query.get("error"),
    )


def _handoff_id(request: web.Request) -> int:
    try:
        return int(request.match_info["handoff_id"])
    except ValueError:
        raise web.HTTPNotFound() from None


def _may_see(user: StaffView, view: handoffs.HandoffView) -> bool:
    return user.has_role("team_lead") or view.agent in (None, user.name)


async def _handoff_for(request: web.Request) -> handoffs.HandoffView:
    handoff_id = _handoff_id(request)
    try:
        view = await _in_db(request, lambda s: handoffs.get_handoff(s, handoff_id))
    except handoffs.HandoffError:
        raise web.HTTPNotFound(text="There is no such conversation.") from None
    if not _may_see(_staff(request).user, view):
        raise web.HTTPForbidden(text="This conversation is with another agent.")
    return view


@requires("agent")
async def take(request: web.Request) -> web.StreamResponse:
    """Take over a conversation: pause the bot and open it."""
    handoff_id = _handoff_id(request)
    try:
        await handoffs.take_over(
            request.app[ENGINE_KEY],
            request.app[RASA_KEY],
            handoff_id,
            agent=_staff(request).user.name,
        )
    except handoffs.HandoffError as exc:
        raise web.HTTPSeeOther(f"/queue?error={_quote(str(exc))}") from None
    raise web.HTTPSeeOther(f"/handoffs/{handoff_id}")


def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text[:200], safe="")


def _context_panel(session: Session, view: handoffs.HandoffView) -> dict[str, Any]:
    from bot.domain.complaints.service import customer_complaints
    from bot.domain.shipments import find_shipment
    from bot.domain.tracking import check_tracking_number

    number = view.context.get("tracking_number") or view.context.get("shipment")
    shipment = None
    if isinstance(number, str) and number:
        parsed = check_tracking_number(number)
        shipment = find_shipment(session, parsed.number if parsed else number)
    contact = view.context.get("contact")
    complaints = [
        c
        for c in customer_complaints(
            session, sender_id=view.sender_id, contact=contact if isinstance(contact, str) else None
        )
        if c.status != "resolved"
    ]
    return {"shipment": shipment, "complaints": complaints}


@requires("agent")
async def conversation_page(request: web.Request) -> web.StreamResponse:
    """The transcript, the reply box, and the shipment and complaints beside them."""
    view = await _handoff_for(request)
    panel = await _in_db(request, lambda s: _context_panel(s, view))
    return _render(
        request,
        "conversation.html",
        handoff=view,
        canned=handoffs.handoff_config().canned_replies,
        when=lambda m: _when(request, m),
        poll_seconds=POLL_SECONDS,
        error=request.query.get("error"),
        **panel,
    )


@requires("agent")
async def transcript_json(request: web.Request) -> web.StreamResponse:
    """The live transcript, read from Rasa's tracker here so the token stays on the server."""
    view = await _handoff_for(request)
    try:
        events = await request.app[RASA_KEY].tracker_events(view.sender_id)
        problem = None
    except handoffs.NotifyError as exc:
        events, problem = [], f"The conversation could not be loaded ({exc})."
    lines = [
        {
            "who": line.who,
            "text": line.text,
            "agent": line.agent,
            "at": line.at.isoformat() if line.at else None,
        }
        for line in handoffs.transcript(events)
    ]
    messages = [
        {"client_id": m.client_id, "status": m.status, "error": m.error, "text": m.text}
        for m in view.messages
    ]
    return web.json_response(
        {"status": view.status, "lines": lines, "messages": messages, "problem": problem}
    )


@requires("agent")
async def post_message(request: web.Request) -> web.StreamResponse:
    """Store and deliver an agent's message (JSON: ``client_id``, ``text``)."""
    handoff_id = _handoff_id(request)
    try:
        body = await request.json()
    except ValueError:
        raise web.HTTPBadRequest(text="Send JSON.") from None
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text="Send a JSON object.")
    try:
        message = await handoffs.send_message(
            request.app[ENGINE_KEY],
            request.app[RASA_KEY],
            handoff_id,
            agent=_staff(request).user.name,
            client_id=str(body.get("client_id") or ""),
            text=str(body.get("text") or ""),
        )
    except handoffs.HandoffError as exc:
        return web.json_response({"error": str(exc)}, status=409)
    return web.json_response(
        {"client_id": message.client_id, "status": message.status, "error": message.error}
    )


async def _finish(request: web.Request, outcome: str) -> web.StreamResponse:
    handoff_id = _handoff_id(request)
    engine, rasa, agent = request.app[ENGINE_KEY], request.app[RASA_KEY], _staff(request).user.name
    try:
        if outcome == "handed_back":
            await handoffs.hand_back(engine, rasa, handoff_id, agent=agent)
        else:
            await handoffs.close(
                engine, rasa, handoff_id, agent=agent, publish=request.app[PUBLISH_KEY]
            )
    except handoffs.HandoffError as exc:
        raise web.HTTPSeeOther(f"/handoffs/{handoff_id}?error={_quote(str(exc))}") from None
    raise web.HTTPSeeOther("/queue")


@requires("agent")
async def hand_back(request: web.Request) -> web.StreamResponse:
    """Give the conversation back to the assistant."""
    return await _finish(request, "handed_back")


@requires("agent")
async def close(request: web.Request) -> web.StreamResponse:
    """Close the conversation."""
    return await _finish(request, "closed")


# -- complaints -----------------------------------------------------------------------------


@requires("agent")
async def complaints_page(request: web.Request) -> web.StreamResponse:
    """Unresolved complaints by their next deadline, the overdue ones first."""
    from bot.domain.complaints.service import list_complaints

    rows = await _in_db(request, lambda s: list_complaints(s, status=("open", "in_progress")))
    return _render(
        request,
        "complaints.html",
        complaints=rows,
        when=lambda m: _when(request, m),
        error=request.query.get("error"),
        done=request.query.get("done"),
    )


async def _complaint_change(request: web.Request, action: str) -> web.StreamResponse:
    from bot.domain.complaints import service as complaints
    from bot.domain.complaints.followups import deliver_resolution
    from bot.engine.rasa_client import RasaNotifier

    reference = request.match_info["reference"]
    form = await request.post()
    text = str(form.get("text") or "")
    actor = _staff(request).user.name

    def change(session: Session) -> Any:
        if action == "note":
            return complaints.add_note(session, reference, text, actor=actor)
        if action == "assign":
            return complaints.assign(session, reference, text, actor=actor)
        return complaints.resolve(session, reference, text, actor=actor)

    try:
        view = await _in_db(request, change)
    except complaints.ComplaintError as exc:
        raise web.HTTPSeeOther(f"/complaints?error={_quote(str(exc))}") from None
    done = f"{view.reference}: {action} saved."
    if action == "resolve":
        config = request.app[CONFIG_KEY]
        notifier = RasaNotifier(config.rasa_url, config.rasa_token)
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
        done = f"{view.reference} resolved. {delivery.describe()}"
    raise web.HTTPSeeOther(f"/complaints?done={_quote(done)}")


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


# -- team management (managers) -------------------------------------------------------------


@requires("manager")
async def team_page(request: web.Request) -> web.StreamResponse:
    """Every account, and a form to move an agent to another team."""
    users = await _in_db(request, list_users)
    return _render(request, "team.html", users=users, teams=TEAMS, error=request.query.get("error"))


@requires("manager")
async def team_move(request: web.Request) -> web.StreamResponse:
    """Move an agent to another team."""
    form = await request.post()
    name, team = str(form.get("name") or ""), str(form.get("team") or "")
    try:
        await _in_db(request, lambda s: move_user(s, name, team))
    except UserError as exc:
        raise web.HTTPSeeOther(f"/team?error={_quote(str(exc))}") from None
    raise web.HTTPSeeOther("/team")


# -- the application ------------------------------------------------------------------------


@requires(None)
async def static(request: web.Request) -> web.StreamResponse:
    """The console's own CSS and JavaScript, and nothing else."""
    name = request.match_info["name"]
    if name not in ("console.css", "console.js"):
        raise web.HTTPNotFound()
    return web.FileResponse(HERE / "static" / name)


def create_app(
    config: ConsoleConfig, *, engine: Engine | None = None, publish: Publish | None = None
) -> web.Application:
    """Build the console application.

    Args:
        config: database, Rasa and display settings.
        engine: database engine; default the process's engine for ``config.database_url``.
        publish: where domain events go (a closed chat, a delivered complaint outcome);
            default the message bus of :mod:`bot.bootstrap`, which offers the survey.
    """
    app = web.Application(
        middlewares=[security_headers, database_unavailable, access_control],
        client_max_size=MAX_BODY_BYTES,
    )
    app[CONFIG_KEY] = config
    app[ENGINE_KEY] = engine or get_engine(config.database_url)
    app[RASA_KEY] = handoffs.RasaConversations(config.rasa_url, config.rasa_token)
    app[PUBLISH_KEY] = publish or bootstrap(app[ENGINE_KEY], app[RASA_KEY]).publish
    app[TEMPLATES_KEY] = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    routes = app.router
    routes.add_get("/login", login_page)
    routes.add_post("/login", login)
    routes.add_post("/logout", logout)
    routes.add_get("/", index)
    routes.add_get("/queue", queue_page)
    routes.add_post("/handoffs/{handoff_id}/take", take)
    routes.add_get("/handoffs/{handoff_id}", conversation_page)
    routes.add_get("/handoffs/{handoff_id}/transcript.json", transcript_json)
    routes.add_post("/handoffs/{handoff_id}/messages", post_message)
    routes.add_post("/handoffs/{handoff_id}/hand-back", hand_back)
    routes.add_post("/handoffs/{handoff_id}/close", close)
    routes.add_get("/complaints", complaints_page)
    routes.add_post("/complaints/{reference}/note", complaint_note)
    routes.add_post("/complaints/{reference}/assign", complaint_assign)
    routes.add_post("/complaints/{reference}/resolve", complaint_resolve)
    routes.add_get("/team", team_page)
    routes.add_post("/team/move", team_move)
    routes.add_get("/static/{name}", static)
    from bot.console.dashboard import add_routes as add_dashboard_routes

    add_dashboard_routes(app)
    return app


# -- command line -------------------------------------------------------------------------


def register(subparsers: Any) -> None:
    """Add ``console`` (serve the agent console)."""
    parser = subparsers.add_parser(
        "console",
        help="serve the agent console (web)",
        description="Serve the agent console on HOST:PORT (default 127.0.0.1:5080, or "
        "CONSOLE_HOST/CONSOLE_PORT). It reaches Rasa at RASA_URL with RASA_TOKEN (or "
        "var/rasa_token). Accounts: `python -m bot users add`. Stops on Ctrl-C or SIGTERM.",
    )
    parser.add_argument("--host", default=None, help="interface (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=None, help=f"port (default {DEFAULT_PORT})")
    parser.set_defaults(handler=_serve)


def _serve(args: argparse.Namespace) -> int:
    import os

    from bot.commands import common

    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    settings = Settings.from_env()
    engine = common.ready_engine(settings)
    if engine is None:
        return 2
    from bot.domain.kpi.hints import HintsError, hint_rules

    try:
        hint_rules()  # the dashboard's hints file: a wrong entry stops start-up, named
    except HintsError as exc:
        print(f"The console cannot start: {exc}", file=sys.stderr)
        return 2
    host = args.host or os.environ.get("CONSOLE_HOST", "127.0.0.1")
    port = args.port or int(os.environ.get("CONSOLE_PORT", str(DEFAULT_PORT)))
    secure = os.environ.get("CONSOLE_SECURE_COOKIES", "") == "1"
    config = ConsoleConfig.from_settings(settings, secure_cookies=secure)
    # Closing a handoff (and resolving a complaint) here offers the customer the survey.
    app = create_app(config, engine=engine)

    async def serve() -> None:
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, host, port).start()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        try:
            await stop.wait()
        finally:
            await runner.cleanup()

    asyncio.run(serve())
    return 0
