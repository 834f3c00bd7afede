"""Signing in and out: the sign-in form (rate limited per account and per address)."""

from __future__ import annotations

import hmac
import secrets
from typing import Any

from aiohttp import web
from sqlalchemy.orm import Session

from bot.console.web import CONFIG_KEY, ENGINE_KEY, SESSION_COOKIE, render, requires
from bot.core.forwarding import FORWARDED_FOR_HEADER, client_address
from bot.domain.users import is_rate_limited, sign_in, sign_out
from bot.storage.db import run_in_session

#: The sign-in form's own CSRF token (double-submit cookie), until the staff member signs in.
LOGIN_COOKIE = "fd_login"


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
    response = render(request, "login.html", login_token=token, error=None)
    _cookie(response, request, LOGIN_COOKIE, token)
    return response


def _address(request: web.Request) -> str:
    # The peer address, or the client a trusted proxy (HAProxy in production) forwarded;
    # an X-Forwarded-For from anyone else is ignored (bot/core/forwarding.py).
    peer = request.remote or "unknown"
    forwarded = request.headers.getall(FORWARDED_FOR_HEADER, [])
    return client_address(peer, forwarded, request.app[CONFIG_KEY].proxies)


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

    limited, result = await run_in_session(request.app[ENGINE_KEY], attempt)
    if result is None:
        error = (
            "Too many failed sign-ins. Please wait 15 minutes and try again."
            if limited
            else "That name and password do not match an account."
        )
        token = secrets.token_urlsafe(24)
        response = render(
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
    await run_in_session(request.app[ENGINE_KEY], lambda s: sign_out(s, cookie))
    response = web.HTTPSeeOther("/login")
    response.del_cookie(SESSION_COOKIE, path="/")
    return response


def add_routes(app: web.Application) -> None:
    """Add ``/login`` (form and post) and ``/logout``."""
    app.router.add_get("/login", login_page)
    app.router.add_post("/login", login)
    app.router.add_post("/logout", logout)
