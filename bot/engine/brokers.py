"""Rasa's RabbitMQ event broker, made loud about events it could not publish.

Rasa 3.6's ``PikaEventBroker`` keeps events it could not publish in an in-memory queue
and logs one structured line per event; it republishes them only from aio-pika's
reconnect callback, in a burst that can fail again before the channel is back, and a
publish that hangs on a dead connection is never noticed at all. Nobody is told that
events are piling up, or that they got through.

:class:`LoudPikaEventBroker` (``event_broker: type: bot.engine.brokers.LoudPikaEventBroker``)
keeps Rasa's broker and its settings and changes what happens around a failure:

- every publish has a time limit (``publish_timeout``, default 10 s); a publish that
  fails or times out puts the event in the unsent buffer;
- the first unsent event logs an ERROR naming the broker and what is buffered; further
  failures log an ERROR at most every ``report_interval`` seconds with the count;
- while events are buffered, new events queue behind them, so the consumer still gets
  each conversation's events in order;
- a background task retries the buffer every ``retry_interval`` seconds (not only on
  aio-pika's reconnect callback) and, once it is empty, logs a WARNING saying how many
  events were published late and how long RabbitMQ was unreachable;
- the buffer is bounded (``max_unsent``, default 100,000): beyond it the oldest event is
  dropped with an ERROR that says so, instead of growing until the process dies; while
  events are buffered a new one is appended without a task of its own, and at most
  ``max_in_flight`` (default 256) publishes wait on RabbitMQ at once, so memory stays
  bounded however long the outage lasts.

Delivery is at least once: an event whose confirmation was lost with the connection is
published again, and the consumer records each event once (see docs/faults.md).
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any
from urllib.parse import urlsplit

from rasa.core.brokers.pika import PikaEventBroker

from bot.engine.rasa_fixes import apply_fixes

logger = logging.getLogger("freightdesk.faults")


class LoudPikaEventBroker(PikaEventBroker):
    """``PikaEventBroker`` that reports buffered events and publishes them in order.

    Args:
        host: as for ``PikaEventBroker``; every other argument of Rasa's broker is
            accepted too.
        publish_timeout: seconds one publish may take before the event is buffered.
        retry_interval: seconds between attempts to publish the buffer.
        report_interval: at most one "still buffering" ERROR this often.
        max_unsent: the most events kept in memory while RabbitMQ is unreachable.
        max_in_flight: the most publishes awaiting RabbitMQ at once (each a task).
    """

    def __init__(
        self,
        host: str,
        *args: Any,
        publish_timeout: float = 10.0,
        retry_interval: float = 2.0,
        report_interval: float = 30.0,
        max_unsent: int = 100_000,
        max_in_flight: int = 256,
        **kwargs: Any,
    ) -> None:
        # Rasa builds the broker first, before the tracker store, the Agent and any
        # message (bot.engine.rasa_fixes).
        apply_fixes()
        super().__init__(host, *args, **kwargs)
        self.publish_timeout = float(publish_timeout)
        self.retry_interval = float(retry_interval)
        self.report_interval = float(report_interval)
        self.max_unsent = int(max_unsent)
        self.max_in_flight = max(1, int(max_in_flight))
        self._flush_task: asyncio.Task[None] | None = None
        self.dropped = 0
        self.published = 0
        self._outage_started: float | None = None
        self._outage_failures = 0
        self._last_report = 0.0
        self._flush_lock = asyncio.Lock()
        self._retry_task: asyncio.Task[None] | None = None

    @property
    def where(self) -> str:
        """The broker's address for logs: host and port, never the URL's credentials."""
        parsed = urlsplit(self.host if "://" in self.host else f"amqp://{self.host}")
        vhost = parsed.path if parsed.path not in ("", "/") else ""
        return f"{parsed.hostname}:{parsed.port or self.port}{vhost}"

    @property
    def unsent(self) -> int:
        """Events waiting in memory to be published."""
        return len(self._unpublished_events)

    async def connect(self) -> None:
        """Connect as Rasa does, then start retrying the buffer in the background."""
        await super().connect()
        if self._retry_task is None:
            self._retry_task = self._loop.create_task(self._retry_forever())

    async def close(self) -> None:
        """Stop retrying, say if events are left unsent, and close the connection."""
        if self._retry_task is not None:
            self._retry_task.cancel()
            self._retry_task = None
        if self._unpublished_events:
            logger.error(
                "FAULT: RabbitMQ broker %s closing with %d events never published "
                "(they are in the tracker store, not in the event queue)",
                self.where,
                self.unsent,
            )
        await super().close()

    def publish(self, event: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        """Publish ``event``, or queue it behind the events still waiting.

        While events wait (RabbitMQ is away), a new one goes straight into the bounded
        buffer, with no task of its own: one flush at a time publishes the buffer. At
        most ``max_in_flight`` publishes run at once; beyond that events wait in the
        buffer too. So an outage costs at most ``max_unsent`` events and
        ``max_in_flight`` tasks of memory, however long it lasts.
        """
        if (
            self._unpublished_events
            or self._flush_lock.locked()
            or len(self._background_tasks) >= self.max_in_flight
        ):
            self._buffer({"event": event, "headers": headers})
            self._schedule_flush()
            return
        self._track(self._loop.create_task(self._publish_in_order(event, headers)))

    def _track(self, task: asyncio.Task[None]) -> None:
        self._background_tasks.add(task)
        task.add_done_callback(self._background_tasks.discard)

    def _schedule_flush(self) -> None:
        """Start a flush of the buffer unless one is running or about to."""
        if self._flush_task is None or self._flush_task.done():
            self._flush_task = self._loop.create_task(self._flush())
            self._track(self._flush_task)

    def _publish_unpublished_messages(self, *_: Any, **__: Any) -> None:
        # aio-pika's reconnect callback: flush in order instead of Rasa's burst.
        if self._unpublished_events:
            self._schedule_flush()

    async def _publish_in_order(
        self, event: dict[str, Any], headers: dict[str, str] | None
    ) -> None:
        if self._unpublished_events or self._flush_lock.locked():
            self._buffer({"event": event, "headers": headers})
            self._schedule_flush()
            return
        if not await self._try_publish(event, headers):
            self._buffer({"event": event, "headers": headers})

    async def _try_publish(self, event: dict[str, Any], headers: dict[str, str] | None) -> bool:
        if self._exchange is None:
            return False
        try:
            await asyncio.wait_for(
                self._exchange.publish(self._message(event, headers), ""),
                timeout=self.publish_timeout,
            )
        except Exception as exc:  # aio-pika raises many kinds while RabbitMQ is away
            self._failed(exc)
            return False
        self.published += 1
        return True

    def _buffer(self, item: dict[str, Any]) -> None:
        if len(self._unpublished_events) >= self.max_unsent:
            self._unpublished_events.popleft()
            self.dropped += 1
            logger.error(
                "FAULT: RabbitMQ broker %s: more than %d unsent events; the oldest was "
                "dropped from the event queue (%d so far; still in the tracker store)",
                self.where,
                self.max_unsent,
                self.dropped,
            )
        self._unpublished_events.append(item)

    def _failed(self, exc: BaseException) -> None:
        now = time.monotonic()
        self._outage_failures += 1
        if self._outage_started is None:
            self._outage_started = now
            self._last_report = now
            logger.error(
                "FAULT: RabbitMQ broker %s: could not publish an event (%s: %s); events "
                "are kept in memory and retried every %.0f s",
                self.where,
                type(exc).__name__,
                exc or "no answer",
                self.retry_interval,
            )
        elif now - self._last_report >= self.report_interval:
            self._last_report = now
            logger.error(
                "FAULT: RabbitMQ broker %s still unreachable after %.0f s: %d events "
                "unsent in memory",
                self.where,
                now - self._outage_started,
                self.unsent + 1,
            )

    async def _flush(self) -> None:
        """Publish buffered events oldest first; stop at the first failure."""
        async with self._flush_lock:
            late = 0
            while self._unpublished_events:
                item = self._unpublished_events[0]
                event, headers = _unpack(item)
                if not await self._try_publish(event, headers):
                    return
                self._unpublished_events.popleft()
                late += 1
            if self._outage_started is not None:
                logger.warning(
                    "RabbitMQ broker %s recovered: %d buffered events published after "
                    "%.1f s without RabbitMQ (%d failed attempts)",
                    self.where,
                    late,
                    time.monotonic() - self._outage_started,
                    self._outage_failures,
                )
                self._outage_started = None
                self._outage_failures = 0

    async def _retry_forever(self) -> None:
        while True:
            await asyncio.sleep(self.retry_interval)
            if self._unpublished_events and not self._flush_lock.locked():
                try:
                    await self._flush()
                except Exception:  # the retry loop must outlive any one failure
                    logger.exception("RabbitMQ broker %s: retrying the buffer failed", self.where)


def _unpack(item: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str] | None]:
    # Rasa's own buffer holds bare events; ours holds the event with its headers.
    if set(item) == {"event", "headers"}:
        return item["event"], item["headers"]
    return item, None
