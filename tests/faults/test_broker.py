"""The RabbitMQ event broker through a cuttable proxy to the real RabbitMQ (127.0.0.1:5672).

Each test uses its own exchange and queue on the default vhost and deletes them after;
the shared RabbitMQ is never stopped, only this test's path to it is cut.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
from collections.abc import AsyncIterator, Callable, Iterator

import aio_pika
import pytest
from rasa.core.brokers.broker import EventBroker
from rasa.utils.endpoints import EndpointConfig

from bot.engine.brokers import LoudPikaEventBroker
from tests.support.tcp_proxy import CuttableProxy

RABBITMQ = ("127.0.0.1", 5672)
RABBITMQ_URL = "amqp://guest:guest@127.0.0.1:5672/"


@pytest.fixture
def proxy() -> Iterator[CuttableProxy]:
    with CuttableProxy(*RABBITMQ) as running:
        yield running


@pytest.fixture
def names() -> Iterator[tuple[str, str]]:
    """A unique exchange and queue; both deleted on the real RabbitMQ afterwards."""
    suffix = secrets.token_hex(4)
    exchange, queue = f"freightdesk-test-{suffix}", f"freightdesk_test_{suffix}"
    yield exchange, queue

    async def cleanup() -> None:
        connection = await aio_pika.connect(RABBITMQ_URL)
        async with connection:
            channel = await connection.channel()
            await channel.queue_delete(queue)
            await channel.exchange_delete(exchange)

    asyncio.run(cleanup())


async def _drain(queue: str, expected: int, timeout: float = 20.0) -> list[dict]:
    """Read the queue directly from RabbitMQ (not through the proxy) until ``expected``."""
    received: list[dict] = []
    connection = await aio_pika.connect(RABBITMQ_URL)
    async with connection:
        channel = await connection.channel()
        declared = await channel.declare_queue(queue, durable=True, passive=True)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while len(received) < expected and loop.time() < deadline:
            message = await declared.get(no_ack=True, fail=False)
            if message is None:
                await asyncio.sleep(0.1)
                continue
            received.append(json.loads(message.body))
        # Anything beyond what was expected is a duplicate the test must see.
        await asyncio.sleep(0.5)
        while (message := await declared.get(no_ack=True, fail=False)) is not None:
            received.append(json.loads(message.body))
    return received


def _event(n: int) -> dict:
    return {"event": "user", "sender_id": "fault-test", "text": f"message {n}", "timestamp": n}


@contextlib.asynccontextmanager
async def _broker(
    proxy: CuttableProxy, exchange: str, queue: str
) -> AsyncIterator[LoudPikaEventBroker]:
    config = EndpointConfig(
        url="127.0.0.1",
        type="bot.engine.brokers.LoudPikaEventBroker",
        port=proxy.port,
        username="guest",
        password="guest",
        queues=[queue],
        exchange_name=exchange,
        retry_interval=0.5,
        publish_timeout=2,
        report_interval=0.5,
    )
    # Loaded the way Rasa loads `event_broker: type: bot.engine.brokers.LoudPikaEventBroker`.
    broker = await EventBroker.create(config)
    assert isinstance(broker, LoudPikaEventBroker)
    try:
        yield broker
    finally:
        await broker.close()


async def _wait_until(predicate: Callable[[], bool], timeout: float = 30.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        assert loop.time() < deadline, "condition not met in time"
        await asyncio.sleep(0.1)


def test_events_published_during_an_outage_are_logged_kept_and_published_once_in_order(
    proxy: CuttableProxy, names: tuple[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    exchange, queue = names

    async def scenario() -> list[dict]:
        async with _broker(proxy, exchange, queue) as broker:
            for n in range(3):
                broker.publish(_event(n))
            await _wait_until(lambda: broker.published == 3)

            proxy.cut()
            with caplog.at_level(logging.WARNING, logger="freightdesk.faults"):
                for n in range(3, 8):
                    broker.publish(_event(n))
                    await asyncio.sleep(0.05)
                await _wait_until(lambda: broker.unsent == 5)
                assert "FAULT: RabbitMQ broker" in caplog.text
                assert "could not publish an event" in caplog.text
                # Still down a while later: reported again, with the count.
                await asyncio.sleep(1.5)
                assert broker.unsent == 5
                assert "still unreachable" in caplog.text

                proxy.restore()
                broker.publish(_event(8))
                await _wait_until(lambda: broker.unsent == 0)
            assert "recovered: " in caplog.text
            return await _drain(queue, expected=9)

    received = asyncio.run(scenario())
    texts = [event["text"] for event in received]
    assert texts == [f"message {n}" for n in range(9)]


def test_buffered_events_are_published_without_a_new_event_to_push_them(
    proxy: CuttableProxy, names: tuple[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    exchange, queue = names

    async def scenario() -> list[dict]:
        async with _broker(proxy, exchange, queue) as broker:
            proxy.cut()
            for n in range(4):
                broker.publish(_event(n))
            await _wait_until(lambda: broker.unsent == 4)
            proxy.restore()
            with caplog.at_level(logging.WARNING, logger="freightdesk.faults"):
                await _wait_until(lambda: broker.unsent == 0)
            assert "4 buffered events published" in caplog.text
            return await _drain(queue, expected=4)

    assert [e["text"] for e in asyncio.run(scenario())] == [f"message {n}" for n in range(4)]


def test_the_buffer_is_bounded_and_says_what_it_dropped(
    proxy: CuttableProxy, names: tuple[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    exchange, queue = names

    async def scenario() -> None:
        async with _broker(proxy, exchange, queue) as broker:
            assert isinstance(broker, LoudPikaEventBroker)
            broker.max_unsent = 3
            proxy.cut()
            with caplog.at_level(logging.ERROR, logger="freightdesk.faults"):
                for n in range(5):
                    broker.publish(_event(n))
                await _wait_until(lambda: broker.dropped == 2)
            assert broker.unsent == 3
            assert "the oldest was dropped" in caplog.text
            proxy.restore()
            await _wait_until(lambda: broker.unsent == 0)

    asyncio.run(scenario())


def test_a_long_outage_keeps_memory_bounded_in_events_and_tasks(
    proxy: CuttableProxy, names: tuple[str, str]
) -> None:
    """Every event of a busy outage used to park a task of its own: bounded now."""
    exchange, queue = names
    events = 2000

    async def scenario() -> None:
        async with _broker(proxy, exchange, queue) as broker:
            broker.max_unsent = 100
            broker.max_in_flight = 8
            proxy.cut()
            most_tasks = 0
            for n in range(events):
                broker.publish(_event(n))
                if n % 50 == 0:
                    await asyncio.sleep(0.01)  # let the publishes run and fail
                most_tasks = max(most_tasks, len(broker._background_tasks))
            await asyncio.sleep(1)
            most_tasks = max(most_tasks, len(broker._background_tasks))
            # The event buffer and the tasks waiting on RabbitMQ stay within their bounds.
            assert broker.unsent <= 100
            assert broker.dropped >= events - 100 - 8
            assert most_tasks <= 8 + 1, most_tasks
            proxy.restore()
            await _wait_until(lambda: broker.unsent == 0)
        received = await _drain(queue, expected=100)
        # The newest events survived and were published once RabbitMQ was back.
        assert received[-1]["text"] == f"message {events - 1}"

    asyncio.run(scenario())


@pytest.mark.parametrize(
    ("host", "where"),
    [
        ("127.0.0.1", "127.0.0.1:5672"),
        ("amqp://fd:s3cret@mq.internal:5673/freightdesk", "mq.internal:5673/freightdesk"),
        ("amqps://fd:s3cret@mq.internal/", "mq.internal:5672"),
    ],
)
def test_logs_name_the_broker_without_its_password(host: str, where: str) -> None:
    async def build() -> LoudPikaEventBroker:
        return LoudPikaEventBroker(host, username="fd", password="s3cret", queues=["q"])

    broker = asyncio.run(build())
    assert broker.where == where
    assert "s3cret" not in broker.where
