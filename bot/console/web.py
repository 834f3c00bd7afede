"""What every console route shares: the application's keys, the access rule a route
declares (:func:`requires`), the signed-in staff member, and page rendering.

Route modules (:mod:`bot.console.routes`) import this; it imports no route module.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, tzinfo
from typing import Any

import jinja2
from aiohttp import web
from sqlalchemy.engine import Engine

from bot.console.config import ConsoleConfig
from bot.core.settings import REPO_ROOT
from bot.domain.business_hours import format_promise
from bot.domain.events import Publish
from bot.domain.rate_card import local_today, staff_warning_for
from bot.domain.users import ActiveSession
from bot.engine.rasa_client import RasaClient
from bot.storage.models import STAFF_ROLES

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

CONFIG_KEY: web.AppKey[ConsoleConfig] = web.AppKey("config")
ENGINE_KEY = web.AppKey("engine", Engine)
RASA_KEY = web.AppKey("rasa", RasaClient)
TEMPLATES_KEY = web.AppKey("templates", jinja2.Environment)
PUBLISH_KEY: web.AppKey[Publish] = web.AppKey("publish")

#: The cookie that holds a signed-in staff member's session.
SESSION_COOKIE = "fd_console"

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


def requires(role: str | None) -> Callable[[Handler], Handler]:
    """Declare the least role a route needs; None marks a public route (sign-in, assets).

    Args:
        role: one of the staff roles, or None for a public route.

    Returns:
        A decorator that marks the handler for the access-control middleware.

    Raises:
        ValueError: ``role`` is not a staff role.
    """
    if role is not None and role not in STAFF_ROLES:
        raise ValueError(f"unknown role {role!r}")

    def mark(handler: Handler) -> Handler:
        handler.min_role = role or "public"  # type: ignore[attr-defined]
        return handler

    return mark


def staff(request: web.Request) -> ActiveSession:
    """The signed-in staff member's session (set by the access-control middleware)."""
    active: ActiveSession = request["staff"]
    return active


def render(request: web.Request, template: str, status: int = 200, **values: Any) -> web.Response:
    """Render ``template`` with ``values``, the signed-in staff member and the CSRF token.

    Args:
        request: the request being answered.
        template: the template's file name under ``templates/``.
        status: the HTTP status of the answer.
        **values: the template's own values.

    Returns:
        The HTML response.
    """
    env = request.app[TEMPLATES_KEY]
    active = request.get("staff")
    html = env.get_template(template).render(
        staff=active.user if active else None,
        csrf_token=active.csrf_token if active else "",
        rate_card_warning=_rate_card_warning(request) if active else None,
        **values,
    )
    return web.Response(text=html, content_type="text/html", status=status)


def _rate_card_warning(request: web.Request) -> str | None:
    """The banner staff see while the rate card runs out soon, has run out or is not in force."""
    config: ConsoleConfig = request.app[CONFIG_KEY]
    kb_dir = config.kb_dir or REPO_ROOT / "knowledge_base"
    return staff_warning_for(kb_dir, local_today(tz=config.tz))


def when(request: web.Request, moment: datetime | None) -> str:
    """``moment`` as a promise in the service centre's zone ("today 15:00"), or ""."""
    if moment is None:
        return ""
    tz: tzinfo = request.app[CONFIG_KEY].tz
    return format_promise(moment, tz)


async def read_json_object(request: web.Request) -> dict[str, Any]:
    """The request's body as a JSON object.

    Raises:
        web.HTTPBadRequest: the body is not JSON, not an object, or nested so deeply
            that the parser gives up (a ``RecursionError``, which would otherwise be a 500).
    """
    try:
        body = await request.json()
    except (ValueError, RecursionError):
        raise web.HTTPBadRequest(text="Send a JSON object.") from None
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text="Send a JSON object.")
    return body
