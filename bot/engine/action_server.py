"""`python -m bot.engine.action_server ...`: rasa-sdk's action server, reachable only by Rasa.

rasa-sdk's own launcher (`python -m rasa_sdk`) binds to ``SANIC_HOST`` (default every
interface), allows any CORS origin and runs whatever action a POSTed tracker names, as
whatever sender it names: a forged tracker would bypass every ownership check the actions
make. This launcher builds the same application and

- binds to :data:`ACTION_HOST_ENV` (default loopback: Rasa reaches it there);
- refuses every request but ``/health`` that does not carry the shared secret of
  :data:`ACTION_SECRET_ENV` in the :data:`SECRET_HEADER` header (Rasa sends it from
  ``action_endpoint.headers``, written by :func:`bot.ops.stack.write_endpoints`),
  compared in constant time; a missing or wrong secret is a 401 and runs nothing;
- sends no CORS headers (no browser has any business calling it);
- answers Rasa's NLG calls on ``POST /nlg`` (``endpoints.yml`` ``nlg:``, same secret):
  every response in the conversation's language (:mod:`bot.engine.nlg`).

Without a secret it still starts when bound to loopback (a developer's `rasa shell`),
saying so loudly; bound anywhere else it refuses to start. The stack runner always gives
it one (a fresh random one per run unless the production profile names it).

Arguments are rasa-sdk's (``--actions``, ``--port``, ...).
"""

from __future__ import annotations

import hmac
import logging
import os
import sys
from collections.abc import Mapping

from rasa_sdk import utils
from rasa_sdk.constants import APPLICATION_ROOT_LOGGER_NAME
from rasa_sdk.endpoint import create_app, create_argument_parser
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.core.i18n import CatalogueError
from bot.core.settings import ACTION_HOST_ENV, ACTION_SECRET_ENV, ACTION_SECRET_HEADER
from bot.domain import logmask
from bot.engine import nlg

logger = logging.getLogger(__name__)

SECRET_HEADER = ACTION_SECRET_HEADER
#: Paths anyone on the host may call: the liveness check the stack runner waits for.
OPEN_PATHS = frozenset({"/health"})
#: Where Rasa asks for its responses (endpoints.yml ``nlg``).
NLG_PATH = "/nlg"
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})


class ActionServerError(RuntimeError):
    """The action server cannot start as configured."""


def guard(app: Sanic, secret: str) -> None:
    """Refuse every request to ``app`` without ``secret`` in :data:`SECRET_HEADER`.

    Args:
        app: rasa-sdk's application.
        secret: the shared secret; '' leaves the application open (loopback only).
    """
    if not secret:
        return
    expected = secret.encode("utf-8")

    @app.on_request
    async def require_secret(request: Request) -> HTTPResponse | None:
        if request.path in OPEN_PATHS:
            return None
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8")
        if hmac.compare_digest(given, expected):
            return None
        logger.warning(
            "refused a %s %s without the action server's secret (from %s)",
            request.method,
            request.path,
            request.ip,
        )
        return response.json({"error": "not authorised"}, status=401)


def add_nlg_route(app: Sanic) -> None:
    """Serve Rasa's NLG endpoint on ``POST /nlg`` (:func:`bot.engine.nlg.render`)."""

    @app.post(NLG_PATH)
    async def render_response(request: Request) -> HTTPResponse:
        body = request.json
        if not isinstance(body, dict) or not isinstance(body.get("response"), str):
            return response.json({"error": "expected Rasa's NLG request"}, status=400)
        try:
            return response.json(nlg.render(body))
        except CatalogueError as exc:
            # A broken translation must not silence the bot: Rasa logs the 500 and the
            # turn's other messages still go out.
            logger.error("FAULT: response %s could not be rendered: %s", body["response"], exc)
            return response.json({"error": "response could not be rendered"}, status=500)


def listen_host(env: Mapping[str, str]) -> str:
    """The interface to listen on: :data:`ACTION_HOST_ENV`, default loopback."""
    return env.get(ACTION_HOST_ENV, "").strip() or "127.0.0.1"


def build_app(actions: str, env: Mapping[str, str]) -> Sanic:
    """rasa-sdk's application for the ``actions`` package, guarded by the secret in ``env``.

    Raises:
        ActionServerError: no secret and a host other than loopback.
    """
    secret = env.get(ACTION_SECRET_ENV, "")
    host = listen_host(env)
    if not secret:
        if host not in LOOPBACK_HOSTS:
            raise ActionServerError(
                f"{ACTION_SECRET_ENV} is not set: the action server will not listen on "
                f"{host} without the secret Rasa must send"
            )
        logger.warning(
            "%s is not set: the action server accepts any caller on this machine",
            ACTION_SECRET_ENV,
        )
    app = create_app(actions, cors_origins=None)
    add_nlg_route(app)
    guard(app, secret)
    return app


def main() -> None:
    """Start the action server; arguments as for `python -m rasa_sdk`."""
    logmask.install()
    args = create_argument_parser().parse_args(sys.argv[1:])
    utils.configure_colored_logging(args.loglevel)
    utils.configure_file_logging(
        logging.getLogger(APPLICATION_ROOT_LOGGER_NAME),
        args.log_file,
        args.loglevel,
        args.logging_config_file,
    )
    utils.update_sanic_log_level()
    try:
        app = build_app(args.actions, os.environ)
    except ActionServerError as exc:
        print(f"The action server will not start: {exc}", file=sys.stderr)
        raise SystemExit(2) from exc
    host = listen_host(os.environ)
    logger.info("Action server listening on http://%s:%s", host, args.port)
    app.run(host, args.port, workers=utils.number_of_sanic_workers())


if __name__ == "__main__":
    main()
