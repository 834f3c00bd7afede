"""A TCP connection balancer in front of the Rasa replicas (production profile).

Customers, Telegram and the workers keep one address (127.0.0.1:5005); each new
connection goes to the next replica that accepts it (round robin, skipping one that
refuses). It works on bytes, so HTTP keep-alive, the REST webhook and web chat's
websocket pass through unchanged. Any replica may serve any message: the conversations
live in PostgreSQL and the atomic Redis lock keeps one turn of a conversation at a time.

`python -m bot balancer --listen 127.0.0.1:5005 --to 127.0.0.1:5010 127.0.0.1:5011`
(:mod:`bot.commands.balancer`; the production runner, bot/ops/replicas.py, starts it).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import signal

logger = logging.getLogger(__name__)
CONNECT_TIMEOUT_S = 5.0
CHUNK = 64 * 1024


def parse_address(text: str) -> tuple[str, int]:
    """``HOST:PORT`` as a (host, port) pair; no host means 127.0.0.1.

    Raises:
        ValueError: the port is not a number.
    """
    host, _, port = text.rpartition(":")
    return host or "127.0.0.1", int(port)


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(CHUNK):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        with contextlib.suppress(Exception):
            if writer.can_write_eof():
                writer.write_eof()


class Balancer:
    """Round-robin TCP forwarding from one listening address to several backends."""

    def __init__(self, backends: list[tuple[str, int]]) -> None:
        if not backends:
            raise ValueError("the balancer needs at least one backend")
        self.backends = backends
        self._next = itertools.cycle(range(len(backends)))

    async def _open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        last: Exception | None = None
        for _ in self.backends:
            host, port = self.backends[next(self._next)]
            try:
                return await asyncio.wait_for(
                    asyncio.open_connection(host, port), CONNECT_TIMEOUT_S
                )
            except (OSError, asyncio.TimeoutError) as exc:
                logger.warning("Rasa replica %s:%s refused a connection: %s", host, port, exc)
                last = exc
        raise ConnectionError(f"no Rasa replica accepts connections: {last}")

    async def handle(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        """Forward one client connection to the next replica until either side closes."""
        try:
            backend_r, backend_w = await self._open()
        except ConnectionError:
            logger.error("No Rasa replica is up; closing a client connection")
            client_w.close()
            return
        try:
            await asyncio.gather(_pipe(client_r, backend_w), _pipe(backend_r, client_w))
        finally:
            for writer in (backend_w, client_w):
                writer.close()
                with contextlib.suppress(Exception):
                    await writer.wait_closed()


async def serve(listen: tuple[str, int], backends: list[tuple[str, int]]) -> None:
    """Run until SIGTERM or SIGINT."""
    balancer = Balancer(backends)
    server = await asyncio.start_server(balancer.handle, listen[0], listen[1], reuse_address=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    async with server:
        await stop.wait()
