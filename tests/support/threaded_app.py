"""An aiohttp application served on a free loopback port from a background thread.

Code under test then makes real HTTP requests to it. Used by the Rasa stand-in and the
console test server.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

from aiohttp import web

from bot.ops.stack import free_port


class ThreadedApp:
    """Serve ``make_app()`` on 127.0.0.1 in its own event loop thread.

    Args:
        make_app: builds the application (called on the server's thread).
        name: thread name, shown in failures.
        access_log: whether aiohttp logs each request.
    """

    def __init__(
        self, make_app: Callable[[], web.Application], name: str, *, access_log: bool = True
    ) -> None:
        self._make_app = make_app
        self._name = name
        self._access_log = access_log
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        """Base URL, like ``http://127.0.0.1:5005``."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Start serving; return once the port accepts connections."""
        self.port = free_port()
        self._loop = asyncio.new_event_loop()
        ready = threading.Event()

        async def serve() -> None:
            kwargs = {} if self._access_log else {"access_log": None}
            self._runner = web.AppRunner(self._make_app(), **kwargs)
            await self._runner.setup()
            await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
            ready.set()

        def run() -> None:
            assert self._loop is not None
            asyncio.set_event_loop(self._loop)
            self._loop.run_until_complete(serve())
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, name=self._name, daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError(f"{self._name} did not start")

    def stop(self) -> None:
        """Stop serving, cancel handlers still running, and end the thread."""
        if self._loop is None or self._thread is None:
            return
        loop = self._loop

        async def shutdown() -> None:
            if self._runner is not None:
                await self._runner.cleanup()
            # A handler still sleeping (a slow-server test) is cancelled, not abandoned.
            others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in others:
                task.cancel()
            await asyncio.gather(*others, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(shutdown(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        self._thread.join(10)
        loop.close()
        self._loop = self._thread = None
