"""Conversation facts from Rasa's Pika event broker (RabbitMQ), applied idempotently.

Rasa's ``PikaEventBroker`` (``event_broker: type: pika`` in endpoints.yml) publishes every
tracker event as a persistent JSON message to its fanout exchange (``rasa-exchange``),
which delivers it to each queue listed under ``queues``. :func:`consume_rabbitmq` reads
one such queue (:data:`bot.core.settings.KPI_EVENTS_QUEUE` unless told otherwise):

- messages are taken in batches; a batch's events are folded into conversation facts in
  one transaction, and the messages are acknowledged only after it is committed. A
  consumer that dies before the acknowledgement gets the batch again from RabbitMQ, and
  :func:`bot.engine.eventstream.facts.apply_event` ignores every event it recorded already;
- a message that is not a Rasa event (not JSON, not an object, no sender, type or
  timestamp) or that the facts cannot take is *parked*: copied, with the reason in its
  headers, to the durable queue ``<queue>.poison`` (publisher-confirmed), then
  acknowledged, so it neither blocks the queue nor is lost. Queue arguments cannot be
  used for dead-lettering: Rasa declares the queue with none, and RabbitMQ refuses a
  second declaration with different arguments;
- when the database itself fails (down, locked) nothing is acknowledged and the batch is
  tried again after a pause.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import aio_pika
from aio_pika.abc import AbstractIncomingMessage
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from bot.core.settings import POISON_QUEUE_SUFFIX, RASA_EVENTS_EXCHANGE
from bot.domain.kpi.rollups import StaleRefresher
from bot.engine.eventstream.facts import TRANSIENT_ERRORS, apply_event, event_key
from bot.storage.db import session_scope

log = logging.getLogger(__name__)

#: Header of a parked message saying why it was parked.
REASON_HEADER = "x-freightdesk-reason"

#: Seconds between attempts while the database is unavailable.
RETRY_PAUSE_S = 2.0


class PoisonMessage(ValueError):
    """A message that is not a Rasa event; the reason is the message."""


def parse_event(body: bytes) -> dict[str, Any]:
    """Decode one message body into a Rasa event dict.

    Raises:
        PoisonMessage: the body is not UTF-8 JSON, not an object, or lacks the event's
            sender, type or timestamp.
    """
    try:
        event = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PoisonMessage(f"not JSON: {exc}") from None
    if not isinstance(event, dict):
        raise PoisonMessage(f"not a JSON object but {type(event).__name__}")
    try:
        event_key(event)
    except (ValueError, TypeError) as exc:
        raise PoisonMessage(f"not a Rasa event: {exc}") from None
    return event


@dataclass(frozen=True)
class BatchResult:
    """What applying one batch of events did."""

    applied: int
    failed: dict[int, str]


def apply_batch(engine: Engine, events: list[dict[str, Any]]) -> BatchResult:
    """Apply events in one transaction, each in its own savepoint.

    An event that raises is left out (its savepoint rolled back) and reported in
    ``failed``, the others are committed. A unique-key clash (another consumer wrote the
    same conversation first) is tried once more in a new transaction before it counts as
    failed. Errors of the database itself propagate, with nothing committed.

    Args:
        engine: this project's database.
        events: Rasa event dicts, in delivery order.

    Returns:
        How many events were new, and ``{index: reason}`` for those that failed.
    """
    pending = list(range(len(events)))
    failed: dict[int, str] = {}
    applied = 0
    for attempt in (1, 2):
        clashed: list[int] = []
        with session_scope(engine) as session:
            for index in pending:
                try:
                    with session.begin_nested():
                        applied += apply_event(session, events[index])
                except TRANSIENT_ERRORS:
                    raise
                except IntegrityError as exc:
                    if attempt == 1:
                        clashed.append(index)
                    else:
                        failed[index] = f"IntegrityError: {exc.orig}"
                except Exception as exc:  # one bad event must not stop the rest
                    failed[index] = f"{type(exc).__name__}: {exc}"
        if not clashed:
            break
        pending = clashed
    return BatchResult(applied, failed)


@dataclass
class RabbitStats:
    """What a run of the RabbitMQ consumer did."""

    received: int = 0
    applied: int = 0
    parked: int = 0

    @property
    def seen_before(self) -> int:
        """Events received that were already recorded (redeliveries, duplicates)."""
        return self.received - self.applied - self.parked


async def consume_rabbitmq(
    engine: Engine,
    url: str,
    queue_name: str,
    *,
    stop: asyncio.Event | None = None,
    idle_timeout: float | None = None,
    batch_size: int = 200,
    batch_wait: float = 0.2,
    exchange_name: str = RASA_EVENTS_EXCHANGE,
    after_commit: Callable[[int], None] | None = None,
    on_batch: Callable[[RabbitStats], None] | None = None,
    tz: ZoneInfo | None = None,
) -> RabbitStats:
    """Consume Rasa's events from a RabbitMQ queue into conversation facts.

    The queue (durable) and Rasa's fanout exchange are declared exactly as Rasa declares
    them and bound together, so events published before Rasa's first start or while the
    consumer is away wait in the queue.

    Args:
        engine: this project's database.
        url: AMQP URL (``amqp://user:password@host:5672/vhost``).
        queue_name: the queue Rasa's Pika broker publishes to.
        stop: set it to end the run after the batch in hand; unprocessed prefetched
            messages go back to the queue when the channel closes.
        idle_timeout: end the run after this many seconds without a message (None: run
            until ``stop``).
        batch_size: most messages per transaction (also the prefetch count).
        batch_wait: seconds a batch waits to fill after its first message.
        exchange_name: Rasa's exchange (``exchange_name`` of its broker settings).
        after_commit: called with the batch size after its facts are committed and
            before its messages are acknowledged.
        on_batch: called with the running totals after each batch.
        tz: the service centre's time zone; when given, the KPI rollups of stale days
            are refreshed after a batch, at most every
            :data:`~bot.domain.kpi.rollups.REFRESH_EVERY_S` seconds, in transactions of
            their own.

    Returns:
        Messages received, events that were new, and messages parked as poison.
    """
    stop = stop or asyncio.Event()
    stats = RabbitStats()
    refresh = StaleRefresher(engine, tz) if tz is not None else None
    connection = await aio_pika.connect_robust(url)
    async with connection:
        channel = await connection.channel()  # publisher confirms on: parking is confirmed
        await channel.set_qos(prefetch_count=batch_size)
        exchange = await channel.declare_exchange(exchange_name, aio_pika.ExchangeType.FANOUT)
        queue = await channel.declare_queue(queue_name, durable=True)
        await queue.bind(exchange, "")
        poison_name = queue_name + POISON_QUEUE_SUFFIX
        await channel.declare_queue(poison_name, durable=True)
        inbox: asyncio.Queue[AbstractIncomingMessage] = asyncio.Queue()
        consumer_tag = await queue.consume(inbox.put)
        try:
            while not stop.is_set():
                batch = await _next_batch(inbox, stop, idle_timeout, batch_size, batch_wait)
                if not batch:
                    break
                await _process(engine, channel, poison_name, batch, stats, stop, after_commit)
                if on_batch is not None:
                    on_batch(stats)
                if refresh is not None:
                    try:
                        await asyncio.to_thread(refresh)
                    except TRANSIENT_ERRORS as exc:  # the markers stay: tried next time
                        log.warning("rollup refresh failed, trying again later: %s", exc)
        finally:
            # Unacknowledged messages still in the inbox return to the queue on close.
            await queue.cancel(consumer_tag)
    return stats


async def _next_batch(
    inbox: asyncio.Queue[AbstractIncomingMessage],
    stop: asyncio.Event,
    idle_timeout: float | None,
    batch_size: int,
    batch_wait: float,
) -> list[AbstractIncomingMessage]:
    """The next messages in delivery order; empty when stopped or idle for too long."""
    getter = asyncio.ensure_future(inbox.get())
    stopper = asyncio.ensure_future(stop.wait())
    try:
        done, _pending = await asyncio.wait(
            {getter, stopper}, timeout=idle_timeout, return_when=asyncio.FIRST_COMPLETED
        )
    finally:
        stopper.cancel()
    if getter not in done:
        getter.cancel()
        return []
    batch = [getter.result()]
    loop = asyncio.get_running_loop()
    deadline = loop.time() + batch_wait
    while len(batch) < batch_size:
        if not inbox.empty():
            batch.append(inbox.get_nowait())
            continue
        remaining = deadline - loop.time()
        if remaining <= 0:
            break
        try:
            batch.append(await asyncio.wait_for(inbox.get(), remaining))
        except asyncio.TimeoutError:
            break
    return batch


async def _process(
    engine: Engine,
    channel: aio_pika.abc.AbstractChannel,
    poison_name: str,
    batch: list[AbstractIncomingMessage],
    stats: RabbitStats,
    stop: asyncio.Event,
    after_commit: Callable[[int], None] | None,
) -> None:
    """Apply a batch, park its poison, then acknowledge it; never raise for one message."""
    events: list[dict[str, Any]] = []
    positions: list[int] = []
    poison: list[tuple[AbstractIncomingMessage, str]] = []
    for position, message in enumerate(batch):
        try:
            events.append(parse_event(message.body))
            positions.append(position)
        except PoisonMessage as exc:
            poison.append((message, str(exc)))
    while True:
        try:
            result = await asyncio.to_thread(apply_batch, engine, events)
            break
        except TRANSIENT_ERRORS as exc:
            log.warning("database unavailable, batch kept unacknowledged: %s", exc)
            if stop.is_set():
                return  # the channel closes and RabbitMQ delivers the batch again
            await asyncio.sleep(RETRY_PAUSE_S)
    poison += [(batch[positions[index]], reason) for index, reason in result.failed.items()]
    if after_commit is not None:
        after_commit(len(batch))
    try:
        for message, reason in poison:
            log.warning("parked message %s in %s: %s", message.delivery_tag, poison_name, reason)
            await channel.default_exchange.publish(
                aio_pika.Message(
                    message.body,
                    headers={**(message.headers or {}), REASON_HEADER: reason[:500]},
                    content_type=message.content_type,
                    delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                ),
                routing_key=poison_name,
            )
        # Deliveries on one channel are numbered in order: one ack covers the batch.
        await batch[-1].ack(multiple=True)
    except Exception as exc:  # facts are committed: a redelivery is harmless
        log.warning("could not acknowledge a batch of %d (it will come again): %s", len(batch), exc)
        return
    stats.received += len(batch)
    stats.applied += result.applied
    stats.parked += len(poison)


def _mentions_customer(body: bytes, senders: set[str], contacts: set[str]) -> bool:
    text = body.decode("utf-8", "replace")
    try:
        decoded = json.loads(text)
    except (ValueError, RecursionError):
        decoded = None
    if isinstance(decoded, dict) and decoded.get("sender_id") in senders:
        return True
    lowered = text.lower()
    if any(contact in lowered for contact in contacts):
        return True
    # Not an event: any quoted sender id, or a long enough one anywhere.
    return any(f'"{s}"' in text or (len(s) >= 8 and s in text) for s in senders)


async def forget_in_poison_queue(
    url: str, queue: str, senders: set[str], contacts: Iterable[str] = ()
) -> int:
    """Delete parked messages of a forgotten customer from ``<queue>.poison``.

    A parked message is whatever the consumer could not take, often an event with the
    customer's text in it. Each message is read; those naming one of ``senders`` (its
    ``sender_id``) or containing one of ``contacts`` (lower-case) are deleted, the
    others go back to the queue.

    Returns:
        How many messages were deleted.
    """
    wanted = {contact.lower() for contact in contacts}
    connection = await aio_pika.connect(url, timeout=10)
    async with connection:
        channel = await connection.channel()
        declared = await channel.declare_queue(queue + POISON_QUEUE_SUFFIX, durable=True)
        removed = 0
        kept: list[AbstractIncomingMessage] = []
        while (message := await declared.get(no_ack=False, fail=False)) is not None:
            if _mentions_customer(message.body, senders, wanted):
                await message.ack()
                removed += 1
            else:
                kept.append(message)
        for message in kept:
            await message.nack(requeue=True)
    return removed
