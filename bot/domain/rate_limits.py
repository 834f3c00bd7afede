"""How often one conversation, or one client address, may file a complaint, queue for a
person, be offered the survey or open a new web chat session.

Without these a script opening fresh conversations could flood the agents' queue and
the KPIs. Each counted action is one :class:`bot.storage.models.RateLimitHit`, written in
the same transaction as the complaint, handoff or survey offer it counts: a refused
action stores nothing, and a failed one leaves no hit behind. Keys are keyed hashes
(:func:`keyed_hash`) of the conversation or the address, so the table names nobody.

New web chat sessions are counted in memory by the channel (:class:`WindowCounter`): a
session that was never used stores nothing to count in the database.

The customer's wording for a refusal is in the catalogue (``locales/<language>/limits.yml``,
:func:`limited_text`).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from bot.core.i18n import DEFAULT_LANGUAGE, t
from bot.core.settings import Settings
from bot.domain.clock import moment_of
from bot.storage.models import RateLimitHit

#: The environment variable holding the key of :func:`keyed_hash` (replicas share it).
HASH_KEY_ENV = "FREIGHTDESK_HASH_KEY"
HASH_KEY_FILE = "hash_key"
#: Metadata key of a user message holding the client's address, set by the channel (the
#: web chat) from the connection, never taken from what the client sends.
CLIENT_ADDRESS_KEY = "client_address"


@dataclass(frozen=True)
class Limit:
    """At most ``per_conversation`` actions per conversation and ``per_address`` per client
    address within ``window``."""

    per_conversation: int
    per_address: int
    window: timedelta


#: The limits by kind of action. A genuine customer files one or two complaints a day and
#: asks for a person a few times; an office behind one address gets room for many people.
LIMITS: dict[str, Limit] = {
    "complaint": Limit(per_conversation=3, per_address=10, window=timedelta(hours=24)),
    "handoff": Limit(per_conversation=5, per_address=20, window=timedelta(hours=24)),
    "survey": Limit(per_conversation=3, per_address=20, window=timedelta(hours=24)),
}

#: New web chat sessions one client address may open per window (in memory, per server).
NEW_WEB_SESSIONS_PER_ADDRESS = 30
NEW_WEB_SESSION_WINDOW = timedelta(hours=1)


def limited_text(kind: str, language: str | None) -> str:
    """What the customer is told when a ``kind`` limit stops them, in their language
    (``locales/<language>/limits.yml``; the survey is simply not offered)."""
    return t(f"limits.{kind}", language)


class _EnglishLimitTexts(Mapping[str, str]):
    """:data:`LIMITED_TEXT`: the refusals in English, read from the catalogue when asked."""

    _KINDS = ("complaint", "handoff", "web_session")

    def __getitem__(self, kind: str) -> str:
        if kind not in self._KINDS:
            raise KeyError(kind)
        return limited_text(kind, DEFAULT_LANGUAGE)

    def __iter__(self) -> Iterator[str]:
        return iter(self._KINDS)

    def __len__(self) -> int:
        return len(self._KINDS)


#: The refusals in English, for callers that have no conversation language (a web chat
#: session refused before its first message); prefer :func:`limited_text`.
LIMITED_TEXT: Mapping[str, str] = _EnglishLimitTexts()

_key_lock = threading.Lock()
_key: bytes | None = None


def hash_key(environ: dict[str, str] | None = None) -> bytes:
    """The key of :func:`keyed_hash`: ``FREIGHTDESK_HASH_KEY``, else one made once in var/.

    Replicas must share it (set the variable, or share the var folder); a new key only
    makes the counters start again.
    """
    global _key
    if environ is None and _key is not None:
        return _key
    env = dict(os.environ if environ is None else environ)
    configured = env.get(HASH_KEY_ENV, "").strip()
    if configured:
        key = configured.encode()
    else:
        var_dir = Settings.from_env(env).var_dir
        path = var_dir / HASH_KEY_FILE
        with _key_lock:
            if not path.exists():
                var_dir.mkdir(parents=True, exist_ok=True)
                try:
                    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                except FileExistsError:
                    pass  # another process made it first: use theirs
                else:
                    with os.fdopen(fd, "w") as handle:
                        handle.write(secrets.token_urlsafe(32))
        key = path.read_text().strip().encode()
    if environ is None:
        _key = key
    return key


def keyed_hash(purpose: str, value: str, key: bytes | None = None) -> str:
    """HMAC-SHA256 of ``value`` for ``purpose`` under :func:`hash_key`, as 64 hex digits.

    Without the key a stolen table cannot be matched against guessed names or addresses.
    """
    digest = hmac.new(key or hash_key(), f"{purpose}\x00{value}".encode(), hashlib.sha256)
    return digest.hexdigest()


def _keys(kind: str, sender_id: str, address: str | None) -> list[tuple[str, int]]:
    limit = LIMITS[kind]
    keys = [(keyed_hash("conversation", sender_id), limit.per_conversation)]
    if address:
        keys.append((keyed_hash("address", address), limit.per_address))
    return keys


def is_limited(
    session: Session,
    kind: str,
    *,
    sender_id: str,
    address: str | None = None,
    now: datetime | None = None,
) -> bool:
    """Tell whether the conversation (or its client address, when known) has used up its
    ``kind`` actions for the window.

    Raises:
        KeyError: ``kind`` is not one of :data:`LIMITS`.
    """
    since = moment_of(now) - LIMITS[kind].window
    for key, allowed in _keys(kind, sender_id, address):
        used = session.execute(
            select(func.count(RateLimitHit.id)).where(
                RateLimitHit.kind == kind, RateLimitHit.key == key, RateLimitHit.at > since
            )
        ).scalar_one()
        if int(used) >= allowed:
            return True
    return False


def record_hit(
    session: Session,
    kind: str,
    *,
    sender_id: str,
    address: str | None = None,
    now: datetime | None = None,
) -> None:
    """Count one ``kind`` action, in the caller's transaction, and purge expired hits."""
    moment = moment_of(now)
    longest = max(limit.window for limit in LIMITS.values())
    session.execute(delete(RateLimitHit).where(RateLimitHit.at < moment - longest))
    for key, _allowed in _keys(kind, sender_id, address):
        session.add(RateLimitHit(kind=kind, key=key, at=moment))
    session.flush()


class RateLimited(Exception):
    """A counted action was refused; raised inside the unit of work so it rolls back."""

    def __init__(self, kind: str) -> None:
        """Refuse a ``kind`` action."""
        super().__init__(kind)
        self.kind = kind

    @property
    def text(self) -> str:
        """What the customer is told, in English; see :meth:`text_in`."""
        return limited_text(self.kind, DEFAULT_LANGUAGE)

    def text_in(self, language: str | None) -> str:
        """What the customer is told, in the conversation's language."""
        return limited_text(self.kind, language)


def charge(
    session: Session,
    kind: str,
    *,
    sender_id: str,
    address: str | None = None,
    now: datetime | None = None,
) -> None:
    """Count a ``kind`` action just written in ``session``, or refuse it.

    Call it after writing the complaint, handoff or offer, in the same unit of work: the
    raised error rolls the whole unit back, so a refused action leaves nothing stored.

    Raises:
        RateLimited: the conversation or its address has used up its ``kind`` actions.
    """
    if is_limited(session, kind, sender_id=sender_id, address=address, now=now):
        raise RateLimited(kind)
    record_hit(session, kind, sender_id=sender_id, address=address, now=now)


class WindowCounter:
    """At most ``allowed`` events per key within ``window``, counted in memory.

    For the web chat's new sessions: thread-safe, and keys that fall quiet are dropped so
    the memory it uses is bounded by the addresses seen in one window.
    """

    def __init__(
        self, allowed: int, window: timedelta, clock: Callable[[], float] = time.monotonic
    ) -> None:
        """Allow ``allowed`` events per key in ``window``; ``clock`` returns seconds."""
        self.allowed = allowed
        self.window = window.total_seconds()
        self._clock = clock
        self._events: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: str) -> bool:
        """Count an event for ``key`` and tell whether it is within the limit."""
        now = self._clock()
        with self._lock:
            for stale in [k for k, q in self._events.items() if q and q[-1] <= now - self.window]:
                del self._events[stale]
            times = self._events.setdefault(key, deque())
            while times and times[0] <= now - self.window:
                times.popleft()
            if len(times) >= self.allowed:
                return False
            times.append(now)
            return True
