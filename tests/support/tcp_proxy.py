"""A TCP proxy in front of a real server that a test can cut and restore.

Outage tests put it between a process and the shared PostgreSQL or RabbitMQ: "cut"
closes every open connection and refuses new ones (the client sees a reset, as when the
server goes away); "restore" accepts and forwards again. The real server is never
touched, so other tests using it are not affected.
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import struct
import threading
from types import TracebackType


class CuttableProxy:
    """Forwards ``127.0.0.1:<port>`` to ``target_host:target_port`` until cut.

    Args:
        target_host: host of the real server.
        target_port: port of the real server.

    Attributes:
        port: the loopback port clients connect to (a free one, chosen at start).
    """

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = 0
        self._listener: socket.socket | None = None
        self._cut = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._pairs: list[tuple[socket.socket, socket.socket]] = []
        self._threads: list[threading.Thread] = []
        self.accepted = 0
        self.refused = 0

    def start(self) -> CuttableProxy:
        """Listen on a free loopback port and start forwarding."""
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        listener.settimeout(0.2)
        self._listener = listener
        self.port = int(listener.getsockname()[1])
        thread = threading.Thread(target=self._accept_loop, name="proxy-accept", daemon=True)
        thread.start()
        self._threads.append(thread)
        return self

    @property
    def is_cut(self) -> bool:
        """True while the proxy refuses connections."""
        return self._cut.is_set()

    def cut(self) -> None:
        """Close every forwarded connection and refuse new ones until :meth:`restore`."""
        self._cut.set()
        with self._lock:
            pairs, self._pairs = self._pairs, []
        for client, upstream in pairs:
            _abort(client)
            _abort(upstream)

    def restore(self) -> None:
        """Accept and forward connections again."""
        self._cut.clear()

    def stop(self) -> None:
        """Cut everything and stop listening."""
        self._stop.set()
        self.cut()
        if self._listener is not None:
            self._listener.close()
        for thread in self._threads:
            thread.join(timeout=2)

    def __enter__(self) -> CuttableProxy:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _accept_loop(self) -> None:
        assert self._listener is not None
        while not self._stop.is_set():
            try:
                client, _address = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if self._cut.is_set():
                # Refused: the client sees its connection reset straight away.
                self.refused += 1
                _abort(client)
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                _abort(client)
                continue
            upstream.settimeout(None)
            client.settimeout(None)
            self.accepted += 1
            with self._lock:
                self._pairs.append((client, upstream))
            thread = threading.Thread(
                target=self._pump, args=(client, upstream), name="proxy-pump", daemon=True
            )
            thread.start()

    def _pump(self, client: socket.socket, upstream: socket.socket) -> None:
        peer = {client: upstream, upstream: client}
        with selectors.DefaultSelector() as selector:
            try:
                selector.register(client, selectors.EVENT_READ)
                selector.register(upstream, selectors.EVENT_READ)
            except (ValueError, OSError):
                return
            while not self._stop.is_set():
                try:
                    ready = selector.select(timeout=0.2)
                except (ValueError, OSError):
                    break
                if self._cut.is_set():
                    break
                done = False
                for key, _mask in ready:
                    source: socket.socket = key.fileobj  # type: ignore[assignment]
                    try:
                        data = source.recv(65536)
                        if not data:
                            done = True
                            break
                        peer[source].sendall(data)
                    except OSError:
                        done = True
                        break
                if done:
                    break
        with self._lock, contextlib.suppress(ValueError):
            self._pairs.remove((client, upstream))
        _abort(client)
        _abort(upstream)


def _abort(sock: socket.socket) -> None:
    """Close ``sock`` with a reset (SO_LINGER 0), as a vanished server would."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with contextlib.suppress(OSError):
        sock.close()
