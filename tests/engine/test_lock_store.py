"""The atomic Redis lock store, across separate processes, on the real Redis (6379).

Every test uses its own key prefix and deletes its keys afterwards.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import secrets
import time
from collections.abc import Iterator

import pytest
import redis
from rasa.core.lock_store import LockError, LockStore
from rasa.utils.endpoints import EndpointConfig

from bot.engine.lock_store import AtomicRedisLockStore

REDIS = {"host": "127.0.0.1", "port": 6379, "db": 1}
PROCESSES = 6
TURNS = 25


@pytest.fixture
def prefix() -> Iterator[str]:
    """A key prefix of this test alone; every key under it is deleted afterwards."""
    name = f"fdtest{secrets.token_hex(4)}"
    yield name
    client = redis.StrictRedis(**REDIS)
    keys = list(client.scan_iter(f"{name}:*"))
    if keys:
        client.delete(*keys)


def _worker(prefix: str, conversation: str, turns: int, start: float) -> None:
    """One replica: take the conversation's lock ``turns`` times, record what it saw."""
    store = AtomicRedisLockStore(key_prefix=prefix, **REDIS)
    client = redis.StrictRedis(**REDIS)
    inside, log = f"{prefix}:test:inside", f"{prefix}:test:served"

    async def run() -> None:
        while time.time() < start:  # all processes begin together
            await asyncio.sleep(0.001)
        for _ in range(turns):
            async with store.lock(conversation) as lock:
                holders = client.incr(inside)
                client.rpush(log, f"{lock.now_serving}:{holders}")
                await asyncio.sleep(0.002)  # a turn's work, long enough to overlap
                client.decr(inside)

    asyncio.run(run())


def test_one_holder_at_a_time_served_in_ticket_order(prefix: str) -> None:
    context = multiprocessing.get_context("spawn")
    start = time.time() + 3.0
    workers = [
        context.Process(target=_worker, args=(prefix, "busy-conversation", TURNS, start))
        for _ in range(PROCESSES)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
        assert worker.exitcode == 0
    client = redis.StrictRedis(**REDIS)
    served = [entry.decode().split(":") for entry in client.lrange(f"{prefix}:test:served", 0, -1)]
    assert len(served) == PROCESSES * TURNS
    assert {holders for _, holders in served} == {"1"}, "two turns held the lock at once"
    tickets = [int(ticket) for ticket, _ in served]
    assert tickets == sorted(tickets) and len(set(tickets)) == len(tickets)
    # Nothing is left waiting; only the ticket counter remains (with a time to live).
    assert client.exists(f"{prefix}:lock:busy-conversation:tickets") == 0
    assert client.pttl(f"{prefix}:lock:busy-conversation:next") > 0


def test_a_dead_holder_blocks_only_until_its_ticket_expires(prefix: str) -> None:
    store = AtomicRedisLockStore(key_prefix=prefix, **REDIS)
    store.issue_ticket("crashed-replica", lock_lifetime=0.5)  # never released

    async def next_turn() -> float:
        began = time.monotonic()
        async with store.lock("crashed-replica", lock_lifetime=5):
            return time.monotonic() - began

    waited = asyncio.run(next_turn())
    assert 0.3 < waited < 2.0


def test_a_waiting_ticket_that_expires_raises(prefix: str) -> None:
    store = AtomicRedisLockStore(key_prefix=prefix, **REDIS)
    store.issue_ticket("slow", lock_lifetime=10)

    async def impatient() -> None:
        async with store.lock("slow", lock_lifetime=0.3):
            pass

    with pytest.raises(LockError, match="expired"):
        asyncio.run(impatient())


def test_endpoints_config_creates_this_store(prefix: str) -> None:
    config = EndpointConfig(
        url="127.0.0.1",
        type="bot.engine.lock_store.AtomicRedisLockStore",
        port=6379,
        db=1,
        key_prefix=prefix,
    )
    store = LockStore.create(config)
    assert isinstance(store, AtomicRedisLockStore)
    assert store.key_prefix == f"{prefix}:lock:"


def test_unreachable_redis_fails_at_start() -> None:
    with pytest.raises(redis.ConnectionError):
        AtomicRedisLockStore(host="127.0.0.1", port=1, socket_timeout=1)
