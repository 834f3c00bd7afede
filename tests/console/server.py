"""The agent console served on a free loopback port in a background thread, and a
signed-in HTTP client for it; used by the console tests and the end-to-end tests."""

from __future__ import annotations

import asyncio
import re
import threading
from dataclasses import dataclass, field

import requests
from aiohttp import web

from bot.console.app import ConsoleConfig, create_app
from bot.runner import free_port


@dataclass
class ConsoleServer:
    """The console app running in its own event loop thread."""

    config: ConsoleConfig
    port: int = 0
    _loop: asyncio.AbstractEventLoop | None = None
    _thread: threading.Thread | None = None
    _runner: web.AppRunner | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ConsoleServer:
        self.port = free_port()
        self._loop = asyncio.new_event_loop()
        ready = threading.Event()

        async def serve() -> None:
            self._runner = web.AppRunner(create_app(self.config), access_log=None)
            await self._runner.setup()
            await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
            ready.set()

        def run() -> None:
            assert self._loop is not None
            asyncio.set_event_loop(self._loop)
            self._loop.run_until_complete(serve())
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, name="console", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("the console did not start")
        return self

    def stop(self) -> None:
        if self._loop is None or self._thread is None:
            return
        loop = self._loop

        async def shutdown() -> None:
            if self._runner is not None:
                await self._runner.cleanup()

        asyncio.run_coroutine_threadsafe(shutdown(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        self._thread.join(10)
        loop.close()
        self._loop = self._thread = None


def login_token(html: str) -> str:
    match = re.search(r'name="login_token" value="([^"]+)"', html)
    assert match, "the sign-in page has no login token"
    return match.group(1)


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf-token" content="([^"]+)"', html)
    assert match and match.group(1), "the page has no CSRF token"
    return match.group(1)


def sign_in(base_url: str, name: str, password: str) -> requests.Session:
    """A requests session signed in to the console (asserts it worked)."""
    http = requests.Session()
    page = http.get(f"{base_url}/login", timeout=10)
    response = http.post(
        f"{base_url}/login",
        data={"login_token": login_token(page.text), "name": name, "password": password},
        timeout=10,
        allow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return http


def page_csrf(http: requests.Session, url: str) -> str:
    response = http.get(url, timeout=10)
    assert response.status_code == 200, response.text
    return csrf_token(response.text)
