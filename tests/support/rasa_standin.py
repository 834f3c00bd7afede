"""A local stand-in for the Rasa server's HTTP API, recording what it is sent.

A real aiohttp web server on a free loopback port, run on its own event loop in a
background thread, so code under test makes real HTTP requests. It answers the
endpoints ``bot.engine.rasa_client`` uses (append events, read the tracker, trigger an
intent), checks the token like Rasa does, keeps appended bot events per conversation (as
Rasa's tracker store would) and can be told to fail or to be slow.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.support.threaded_app import ThreadedApp


@dataclass
class Recorded:
    """One request as the stand-in received it."""

    method: str
    sender_id: str
    path: str
    query: dict[str, str]
    body: Any


@dataclass
class RasaStandIn:
    """The stand-in server; use as a context manager or call start()/stop().

    Attributes:
        token: the token requests must carry (``?token=``).
        fail_status: when set, every request is answered with this status.
        delay: seconds to wait before answering (to provoke timeouts).
        requests: every request received, in order.
        events: bot events stored per conversation (only those answered with 200).
        states: extra tracker fields per conversation (``paused``, ``active_loop``).
    """

    token: str = "standin-token"
    fail_status: int | None = None
    delay: float = 0.0
    requests: list[Recorded] = field(default_factory=list)
    events: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    states: dict[str, dict[str, Any]] = field(default_factory=dict)
    port: int = 0
    _server: ThreadedApp | None = None

    @property
    def url(self) -> str:
        """Base URL, like ``http://127.0.0.1:5005``."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def sent(self) -> list[Recorded]:
        """The POSTs of bot events (the messages customers would have received)."""
        return [r for r in self.requests if r.method == "POST" and r.path.endswith("/events")]

    @property
    def triggered(self) -> list[Recorded]:
        """The intents triggered (``trigger_intent``), in order."""
        return [r for r in self.requests if r.path.endswith("/trigger_intent")]

    async def _answer(self, request: web.Request) -> web.Response:
        sender = request.match_info["sender"]
        body = await request.json() if request.can_read_body else None
        self.requests.append(
            Recorded(request.method, sender, request.path, dict(request.query), body)
        )
        if self.delay:
            await asyncio.sleep(self.delay)
        if request.query.get("token") != self.token:
            return web.json_response({"message": "User is not authenticated."}, status=401)
        if self.fail_status is not None:
            return web.json_response({"message": "stand-in failure"}, status=self.fail_status)
        conversation = self.events.setdefault(sender, [])
        if request.path.endswith("/tracker/events"):
            conversation.append(body)
        state = {"paused": False, "active_loop": {}, **self.states.get(sender, {})}
        return web.json_response({"sender_id": sender, "events": list(conversation), **state})

    def start(self) -> RasaStandIn:
        """Start serving; returns self once the port accepts connections."""

        def make_app() -> web.Application:
            app = web.Application()
            app.router.add_post("/conversations/{sender}/tracker/events", self._answer)
            app.router.add_get("/conversations/{sender}/tracker", self._answer)
            app.router.add_post("/conversations/{sender}/trigger_intent", self._answer)
            return app

        self._server = ThreadedApp(make_app, "rasa-standin")
        self._server.start()
        self.port = self._server.port
        return self

    def stop(self) -> None:
        """Stop serving and end the thread."""
        if self._server is not None:
            self._server.stop()
            self._server = None

    def __enter__(self) -> RasaStandIn:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()
