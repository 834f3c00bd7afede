"""Server push for the console: what changed in the queue and in open conversations,
sent to every open console page as server-sent events (``GET /live``).

One watcher per console process reads a small signature of the open handoffs (status,
agent, messages left while waiting, the agents' messages and their delivery, the newest
transcript line the event-stream consumer wrote) every :data:`WATCH_SECONDS`, whatever the
number of open pages, and tells each page what changed: ``queue`` (with the number
waiting and which customers just joined) and ``handoff`` (one conversation's transcript or
state). The page then reads what it may see through the ordinary, role-checked routes.

Staff notices (a complaint one owns is due soon or overdue) go by the same stream, to
their owner's pages only: ``notices`` with the number unread, sent when a page connects
and whenever a notice is left for them or they read theirs.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from sqlalchemy import case, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session

from bot.console.web import ENGINE_KEY, requires, staff
from bot.domain.complaints.staff_alerts import unread_count
from bot.domain.handoff.rules import OPEN
from bot.domain.transcripts import latest_lines
from bot.storage.db import run_in_session
from bot.storage.models import Handoff, HandoffMessage, StaffNotice

logger = logging.getLogger(__name__)

#: How often the watcher reads the signature; a change reaches pages within about this.
WATCH_SECONDS = 0.3
#: A comment line this often keeps proxies from closing an idle stream.
KEEPALIVE_SECONDS = 15.0

Signature = dict[int, tuple[Any, ...]]
#: Per staff member with notices: (unread, newest notice id).
NoticeSignature = dict[str, tuple[int, int]]


def signature(session: Session) -> Signature:
    """Per open handoff: what a page shows of it, reduced to something cheap to compare."""
    rows = session.execute(
        select(
            Handoff.id,
            Handoff.sender_id,
            Handoff.status,
            Handoff.agent,
            Handoff.team,
            func.length(Handoff.context),
        ).where(Handoff.status.in_(OPEN))
    ).all()
    ids = [row[0] for row in rows]
    messages: dict[int, tuple[int, int, int]] = {}
    if ids:
        for handoff_id, count, sent, attempts in session.execute(
            select(
                HandoffMessage.handoff_id,
                func.count(HandoffMessage.id),
                func.sum(case((HandoffMessage.status == "sent", 1), else_=0)),
                func.sum(HandoffMessage.attempts),
            )
            .where(HandoffMessage.handoff_id.in_(ids))
            .group_by(HandoffMessage.handoff_id)
        ):
            messages[handoff_id] = (int(count), int(sent or 0), int(attempts or 0))
    lines = latest_lines(session, (row[1] for row in rows))
    return {
        row[0]: (row[2], row[3], row[4], row[5], messages.get(row[0]), lines.get(row[1]))
        for row in rows
    }


def notice_signature(session: Session) -> NoticeSignature:
    """Per staff member: how many notices are unread and the newest one's id."""
    rows = session.execute(
        select(
            StaffNotice.staff_name,
            func.sum(case((StaffNotice.read_at.is_(None), 1), else_=0)),
            func.max(StaffNotice.id),
        ).group_by(StaffNotice.staff_name)
    ).all()
    return {str(name): (int(unread or 0), int(newest)) for name, unread, newest in rows}


def snapshot(session: Session) -> tuple[Signature, NoticeSignature]:
    """Both signatures, read in one session."""
    return signature(session), notice_signature(session)


def notice_changes(before: NoticeSignature, after: NoticeSignature) -> list[dict[str, Any]]:
    """A ``notices`` event, addressed to its owner, for each staff member whose notices
    changed (a new one, or read)."""
    return [
        {"type": "notices", "for": name, "unread": (after.get(name) or (0, 0))[0]}
        for name in sorted(before.keys() | after.keys())
        if before.get(name) != after.get(name)
    ]


def changes(before: Signature, after: Signature) -> list[dict[str, Any]]:
    """The events that tell pages how ``before`` became ``after``."""
    events: list[dict[str, Any]] = []
    changed = sorted(i for i in before.keys() | after.keys() if before.get(i) != after.get(i))
    if not changed:
        return events
    queue_moved = any((before.get(i) or ())[:4] != (after.get(i) or ())[:4] for i in changed)
    if queue_moved:
        waiting = [i for i, sig in after.items() if sig[0] == "waiting"]
        joined = [i for i in waiting if (before.get(i) or ("",))[0] != "waiting"]
        events.append({"type": "queue", "waiting": len(waiting), "joined": sorted(joined)})
    events.extend({"type": "handoff", "id": i} for i in changed)
    return events


@dataclass
class LiveFeed:
    """The watcher and the pages listening to it."""

    engine: Engine
    interval: float = WATCH_SECONDS
    #: Each open page's queue, with the staff member it belongs to.
    listeners: dict[asyncio.Queue[dict[str, Any] | None], str] = field(default_factory=dict)
    last: Signature | None = None
    last_notices: NoticeSignature | None = None

    async def watch(self) -> None:
        """Read the signature every ``interval`` and send what changed, until cancelled."""
        while True:
            try:
                now, notices = await run_in_session(self.engine, snapshot, read_only=True)
            except (OperationalError, InterfaceError) as exc:
                logger.warning("live feed: database unavailable (%s)", type(exc.orig).__name__)
            else:
                if self.last is not None:
                    self.send(changes(self.last, now))
                if self.last_notices is not None:
                    self.send(notice_changes(self.last_notices, notices))
                self.last, self.last_notices = now, notices
            await asyncio.sleep(self.interval)

    def send(self, events: Iterable[dict[str, Any]]) -> None:
        """Queue ``events`` for every listening page (one addressed ``for`` a staff
        member only for that member's pages)."""
        for event in events:
            for listener, name in self.listeners.items():
                if event.get("for", name) == name:
                    listener.put_nowait(event)

    def close(self) -> None:
        """End every listening page's stream (the console is stopping)."""
        for listener in self.listeners:
            listener.put_nowait(None)


LIVE_KEY = web.AppKey("live", LiveFeed)


def _frame(event: dict[str, Any]) -> bytes:
    return f"event: {event['type']}\ndata: {json.dumps(event)}\n\n".encode()


@requires("agent")
async def live(request: web.Request) -> web.StreamResponse:
    """The stream of changes for one open console page (``text/event-stream``)."""
    feed = request.app[LIVE_KEY]
    name = staff(request).user.name
    unread = await run_in_session(
        request.app[ENGINE_KEY], lambda s: unread_count(s, name), read_only=True
    )
    response = web.StreamResponse(
        headers={"Content-Type": "text/event-stream", "X-Accel-Buffering": "no"}
    )
    await response.prepare(request)
    listener: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue(maxsize=1000)
    feed.listeners[listener] = name
    try:
        await response.write(b"retry: 1000\n\n")
        await response.write(_frame({"type": "notices", "for": name, "unread": unread}))
        while True:
            try:
                event = await asyncio.wait_for(listener.get(), KEEPALIVE_SECONDS)
            except asyncio.TimeoutError:
                await response.write(b": still here\n\n")
                continue
            if event is None:
                break
            await response.write(_frame(event))
    except (ConnectionResetError, asyncio.CancelledError):
        pass
    finally:
        feed.listeners.pop(listener, None)
    return response


async def _running(app: web.Application) -> AsyncIterator[None]:
    """The watcher runs while the application does."""
    task = asyncio.create_task(app[LIVE_KEY].watch())
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def _shutdown(app: web.Application) -> None:
    app[LIVE_KEY].close()


def add_live(app: web.Application) -> None:
    """Add ``GET /live`` and the watcher, started and stopped with the application."""
    app[LIVE_KEY] = LiveFeed(app[ENGINE_KEY])
    app.router.add_get("/live", live)
    app.cleanup_ctx.append(_running)
    # (aiohttp types on_shutdown as if it held cleanup contexts; it holds callbacks.)
    app.on_shutdown.append(_shutdown)  # type: ignore[arg-type]
