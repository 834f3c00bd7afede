"""The agent console: an aiohttp web app with server-rendered pages and a little JavaScript.

Every route names the least role that may use it (:func:`bot.console.web.requires`); a
route without one is refused, so a forgotten check fails closed. The middleware signs the
staff member in from the session cookie (redirect to the sign-in page, or 401 for JSON and
POST), checks the role (403) and, for every POST, the CSRF token (403). Rasa's API token
stays in this process: the browser only ever talks to the console.

The routes live in :mod:`bot.console.routes`, one module per area.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import signal
from pathlib import Path

import jinja2
from aiohttp import web
from sqlalchemy.engine import Engine
from sqlalchemy.exc import InterfaceError, OperationalError

from bot.bootstrap import bootstrap
from bot.console.config import ConsoleConfig
from bot.console.live import add_live
from bot.console.routes import (
    complaints,
    dashboard,
    handoffs,
    intake,
    leads,
    notices,
    reports,
    requests,
    search,
    sign_in,
    team,
)
from bot.console.web import (
    CONFIG_KEY,
    ENGINE_KEY,
    PUBLISH_KEY,
    RASA_KEY,
    SECURITY_HEADERS,
    SESSION_COOKIE,
    TEMPLATES_KEY,
    Handler,
    requires,
)
from bot.core.i18n import language_name
from bot.core.settings import REPO_ROOT
from bot.domain.events import Publish
from bot.domain.users import session_for
from bot.engine.rasa_client import RasaClient
from bot.storage.db import get_engine, run_in_session

logger = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
#: Largest request body accepted; an agent's message is at most 2,000 characters.
MAX_BODY_BYTES = 32 * 1024

#: What an agent is told when the database cannot be reached (their message is not lost:
#: the Retry button sends the same id, and the server delivers it exactly once).
DATABASE_DOWN = (
    "the database is unavailable just now, so this was not saved or sent; retry in a "
    "moment (a retry is delivered once)"
)


def _wants_json(request: web.Request) -> bool:
    return request.path.endswith(".json") or "application/json" in request.headers.get("Accept", "")


async def _csrf_value(request: web.Request) -> str:
    header = request.headers.get("X-CSRF-Token")
    if header:
        return header
    if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.post()
        value = form.get("csrf_token")
        return value if isinstance(value, str) else ""
    return ""


# -- middlewares --------------------------------------------------------------------------


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
    active = await run_in_session(
        request.app[ENGINE_KEY], lambda s: session_for(s, cookie), read_only=True
    )
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


# -- the application ----------------------------------------------------------------------


#: The console's stylesheet as the web build bundles it (Pico CSS and ``static/console.css``).
BUNDLED_CSS = REPO_ROOT / "web" / "dist" / "console" / "console.css"


@requires(None)
async def static(request: web.Request) -> web.StreamResponse:
    """The console's own CSS and JavaScript, and nothing else."""
    name = request.match_info["name"]
    if name not in ("console.css", "console.js"):
        raise web.HTTPNotFound()
    if name == "console.css":
        if BUNDLED_CSS.is_file():
            return web.FileResponse(BUNDLED_CSS)
        # Without the web build (`make web`) the pages keep the console's own rules.
        logger.warning("console: %s is missing; run `make web`", BUNDLED_CSS)
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

    Returns:
        The application, every route added.
    """
    app = web.Application(
        middlewares=[security_headers, database_unavailable, access_control],
        client_max_size=MAX_BODY_BYTES,
    )
    app[CONFIG_KEY] = config
    app[ENGINE_KEY] = engine or get_engine(config.database_url)
    app[RASA_KEY] = RasaClient(config.rasa_url, config.rasa_token)
    app[PUBLISH_KEY] = publish or bootstrap(app[ENGINE_KEY], app[RASA_KEY]).publish
    app[TEMPLATES_KEY] = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    # A conversation's language as staff read it: "English", "中文".
    app[TEMPLATES_KEY].globals["language_name"] = language_name
    sign_in.add_routes(app)
    handoffs.add_routes(app)
    complaints.add_routes(app)
    leads.add_routes(app)
    requests.add_routes(app)
    team.add_routes(app)
    app.router.add_get("/static/{name}", static)
    dashboard.add_routes(app)
    reports.add_routes(app)
    search.add_routes(app)
    notices.add_routes(app)
    add_live(app)
    intake.add_routes(app)
    return app


def serve(app: web.Application, host: str, port: int) -> None:
    """Serve ``app`` on ``host``:``port`` until SIGINT or SIGTERM, then clean up."""

    async def run() -> None:
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

    asyncio.run(run())
