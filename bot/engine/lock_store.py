"""An atomic Redis ticket lock for Rasa: one turn of a conversation at a time, in order.

Rasa 3.6's ``RedisLockStore`` reads the whole lock as JSON, changes it in Python and
writes it back (GET, change, SET). Two replicas taking a ticket for the same
conversation at the same moment can both read "no tickets", both get ticket 0 and both
run the turn at once, or one can overwrite the other's ticket. Routing every
conversation to one replica (sticky by sender) would avoid that only as long as the
router never re-balances; this store instead makes every step one Redis script, so any
replica may take any message.

Per conversation, under ``<prefix>lock:<conversation id>``:

- ``:next``    -- counter of issued ticket numbers (never reset while tickets may be out);
- ``:tickets`` -- sorted set of waiting/serving ticket numbers (score = number);
- ``:expiry``  -- hash ticket number -> expiry time (Redis server clock, ms).

The ticket with the lowest number that has not expired is being served; the rest wait
in ticket order (first come, first served). An expired ticket (a replica that died mid
turn) is dropped by the next script that looks, so a crash never blocks the
conversation longer than the ticket lifetime.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from typing import Any

import redis
from rasa.core.lock import Ticket, TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, LockStore

from bot.engine.rasa_fixes import apply_fixes

logger = logging.getLogger(__name__)

DEFAULT_KEY_PREFIX = "freightdesk"
#: How long the ticket counter outlives the conversation's last ticket.
COUNTER_TTL_MS = 24 * 3600 * 1000
#: First and longest pause between checks while another turn holds the lock.
POLL_START_S = 0.005
POLL_MAX_S = 0.1

# Every script first drops expired tickets, with the time taken from the Redis server
# so that replicas with different clocks agree.
_DROP_EXPIRED = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local expiry = redis.call('HGETALL', KEYS[3])
for i = 1, #expiry, 2 do
  if tonumber(expiry[i + 1]) <= now then
    redis.call('ZREM', KEYS[2], expiry[i])
    redis.call('HDEL', KEYS[3], expiry[i])
  end
end
"""

# KEYS: next, tickets, expiry; ARGV: lifetime ms, counter ttl ms -> ticket number
_ISSUE = (
    _DROP_EXPIRED
    + """
local number = redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('ZADD', KEYS[2], number, number)
redis.call('HSET', KEYS[3], number, now + tonumber(ARGV[1]))
local ttl = tonumber(ARGV[1]) + 1000
for i = 2, 3 do
  if redis.call('PTTL', KEYS[i]) < ttl then redis.call('PEXPIRE', KEYS[i], ttl) end
end
return number
"""
)

# KEYS: next, tickets, expiry; ARGV: ticket -> 1 serving, 0 waiting, -1 ticket gone
_TRY = (
    _DROP_EXPIRED
    + """
if not redis.call('ZSCORE', KEYS[2], ARGV[1]) then return -1 end
local first = redis.call('ZRANGE', KEYS[2], 0, 0)
if first[1] == ARGV[1] then return 1 end
return 0
"""
)

# KEYS: next, tickets, expiry; ARGV: ticket -> tickets left
_FINISH = (
    _DROP_EXPIRED
    + """
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
local left = redis.call('ZCARD', KEYS[2])
if left == 0 then redis.call('DEL', KEYS[2], KEYS[3]) end
return left
"""
)

# KEYS: next, tickets, expiry -> flat list number, expiry ms, ...
_READ = (
    _DROP_EXPIRED
    + """
local out = {}
for _, number in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
  table.insert(out, number)
  table.insert(out, redis.call('HGET', KEYS[3], number))
end
return out
"""
)


class AtomicRedisLockStore(LockStore):
    """Rasa ``LockStore`` whose ticket operations are single Redis scripts.

    Configured in endpoints.yml as::

        lock_store:
          type: bot.engine.lock_store.AtomicRedisLockStore
          url: 127.0.0.1
          port: 6379
          db: 1
          key_prefix: freightdesk
    """

    def __init__(
        self,
        endpoint_config: Any = None,
        *,
        host: str = "127.0.0.1",
        port: int = 6379,
        db: int = 1,
        password: str | None = None,
        key_prefix: str = DEFAULT_KEY_PREFIX,
        socket_timeout: float = 10.0,
    ) -> None:
        # Rasa builds the lock store before the Agent and any message (bot.engine.rasa_fixes).
        apply_fixes()
        if endpoint_config is not None:
            kwargs = dict(endpoint_config.kwargs or {})
            host = endpoint_config.url or kwargs.get("host", host)
            port = int(kwargs.get("port", port))
            db = int(kwargs.get("db", db))
            password = kwargs.get("password", password)
            key_prefix = str(kwargs.get("key_prefix", key_prefix))
            socket_timeout = float(kwargs.get("socket_timeout", socket_timeout))
        self.red = redis.StrictRedis(
            host=host,
            port=int(port),
            db=int(db),
            password=password or None,
            socket_timeout=socket_timeout,
        )
        self.key_prefix = f"{key_prefix}:lock:"
        self._issue = self.red.register_script(_ISSUE)
        self._try = self.red.register_script(_TRY)
        self._finish = self.red.register_script(_FINISH)
        self._read = self.red.register_script(_READ)
        # Fail at start-up, not at the first customer message.
        self.red.ping()
        super().__init__()

    def _keys(self, conversation_id: str) -> list[str]:
        base = self.key_prefix + conversation_id
        return [f"{base}:next", f"{base}:tickets", f"{base}:expiry"]

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        """Take the next ticket for ``conversation_id``, valid for ``lock_lifetime`` s."""
        try:
            return int(
                self._issue(
                    keys=self._keys(conversation_id),
                    args=[int(lock_lifetime * 1000), COUNTER_TTL_MS],
                )
            )
        except redis.RedisError as exc:
            raise LockError(f"Error while acquiring lock. Error:\n{exc}") from exc

    def is_serving(self, conversation_id: str, ticket: int) -> bool:
        """True if ``ticket`` is the one served now; LockError if it expired."""
        state = int(self._try(keys=self._keys(conversation_id), args=[ticket]))
        if state < 0:
            raise LockError(
                f"Could not acquire lock for conversation_id '{conversation_id}': "
                f"ticket {ticket} expired while waiting."
            )
        return state == 1

    @asynccontextmanager
    async def lock(
        self,
        conversation_id: str,
        lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: float = POLL_MAX_S,
    ) -> AsyncGenerator[TicketLock, None]:
        """Hold the conversation's lock for the body; tickets are served in order."""
        ticket = self.issue_ticket(conversation_id, lock_lifetime)
        try:
            yield await self._acquire_lock(conversation_id, ticket, wait_time_in_seconds)
        finally:
            self.cleanup(conversation_id, ticket)

    async def _acquire_lock(
        self, conversation_id: str, ticket: int, wait_time_in_seconds: float
    ) -> TicketLock:
        # Rasa polls once a second; a turn takes tens of milliseconds, so start short.
        pause = min(POLL_START_S, wait_time_in_seconds)
        while not self.is_serving(conversation_id, ticket):
            await asyncio.sleep(pause)
            pause = min(pause * 2, wait_time_in_seconds)
        lock = self.get_lock(conversation_id)
        return lock if lock is not None else TicketLock(conversation_id)

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        """Give the lock to the next ticket (and forget the lock if none waits)."""
        self._finish(keys=self._keys(conversation_id), args=[ticket_number])

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        """Finish serving ``ticket_number``; one script, so nothing can slip between."""
        try:
            self.finish_serving(conversation_id, ticket_number)
        except redis.RedisError:
            # The ticket expires on its own; the next turn waits at most its lifetime.
            logger.exception("Could not release the lock of %r", conversation_id)

    def update_lock(self, conversation_id: str) -> None:
        """Expired tickets are dropped by every script; nothing else to update."""
        self._read(keys=self._keys(conversation_id))

    def get_lock(self, conversation_id: str) -> TicketLock | None:
        """The conversation's current tickets as Rasa's ``TicketLock`` (read only)."""
        flat = self._read(keys=self._keys(conversation_id))
        if not flat:
            return None
        tickets = deque(
            Ticket(int(flat[i]), int(flat[i + 1]) / 1000.0) for i in range(0, len(flat), 2)
        )
        return TicketLock(conversation_id, tickets)

    def is_someone_waiting(self, conversation_id: str) -> bool:
        """True if any unexpired ticket is out for the conversation."""
        return bool(self.red.zcard(self._keys(conversation_id)[1]))

    def delete_lock(self, conversation_id: str) -> None:
        """Drop every ticket of the conversation (the counter stays, see module doc)."""
        keys = self._keys(conversation_id)
        deleted = self.red.delete(keys[1], keys[2])
        self._log_deletion(conversation_id, bool(deleted))

    def save_lock(self, lock: TicketLock) -> None:
        """Not supported: writing a whole lock back is the race this store removes."""
        raise NotImplementedError("AtomicRedisLockStore changes tickets only by script")
