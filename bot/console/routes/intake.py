"""The shipment-event intake: carriers and partners post their events here.

``POST /events/{sender}``: the body in the sender's format (DCSA JSON, Cargo-IMP FSU
text, our partner JSON), authenticated by the sender's bearer token or HMAC signature
(:mod:`bot.domain.carrier_events.senders`). Answers, all JSON:

- 200 with one outcome per event (applied, duplicate, unmatched) and the shipments
  created; posting the same events again answers 200 with every one a duplicate;
- 400 naming every problem of a malformed body (nothing stored), 401 for a wrong or
  missing token or signature, 404 for an unknown sender, 413 for a body over 1 MB,
  503 when the database cannot be reached (the sender retries; receipts make it safe).

It lives on the console's server because that is the process of ours that already
takes authenticated HTTP from outside Rasa, owns a database engine and runs once per
deployment (Rasa replicas and action servers are for conversations and scale with them).
"""

from __future__ import annotations

from datetime import datetime

from aiohttp import web
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from bot.console.web import CONFIG_KEY, ENGINE_KEY, requires
from bot.domain.carrier_events.formats import ADAPTERS
from bot.domain.carrier_events.ingest import IngestReport, ingest
from bot.domain.carrier_events.model import CarrierEvent, MalformedMessage
from bot.domain.carrier_events.senders import authenticate
from bot.domain.shipment_updates.outbox import record_notices
from bot.storage.db import run_in_session
from bot.storage.models import UTC

#: Tries of one batch against concurrent posts of the same events or shipments.
ATTEMPTS = 5

#: Largest body accepted: a day's events of a busy sender come in several posts.
MAX_EVENT_BODY = 1024 * 1024


def _error(status: int, error: str, problems: list[str] | None = None) -> web.Response:
    body: dict[str, object] = {"status": "rejected", "error": error}
    if problems:
        body["problems"] = problems
    return web.json_response(body, status=status)


async def _read_body(request: web.Request) -> bytes | None:
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = await request.content.read(64 * 1024)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > MAX_EVENT_BODY:
            return None
        chunks.append(chunk)


@requires(None)  # not staff: the sender's token or signature is checked below
async def receive_events(request: web.Request) -> web.StreamResponse:
    """Take a batch of shipment events from one sending system."""
    name = request.match_info["sender"]
    sender = request.app[CONFIG_KEY].event_senders.get(name)
    if sender is None:
        return _error(404, f"no sending system is called {name!r}")
    body = await _read_body(request)
    if body is None:
        return _error(413, f"the body is over {MAX_EVENT_BODY} bytes; send fewer events per post")
    problem = authenticate(sender, request.headers, body)
    if problem is not None:
        return _error(401, problem)
    try:
        events = ADAPTERS[sender.format](body, datetime.now(UTC))
    except MalformedMessage as exc:
        return _error(400, f"malformed {sender.format} message", exc.problems)

    config = request.app[CONFIG_KEY]

    def work(session: Session) -> IngestReport:
        # The notices the events owe are written in the same transaction (the outbox):
        # stored events always have their notices, and a rolled-back batch has none.
        report = ingest(session, events, sender=name)
        now = datetime.now(UTC)
        record_notices(session, report.changes, now=now, settings=config.updates, tz=config.tz)
        return report

    engine = request.app[ENGINE_KEY]
    for attempt in range(1, ATTEMPTS + 1):
        try:
            report = await run_in_session(engine, work)
            break
        except (IntegrityError, OperationalError) as exc:
            # A concurrent post stored some of the same events or shipments first (or
            # PostgreSQL broke a deadlock between two): ours rolled back whole, and the
            # next pass sees theirs.
            retry = isinstance(exc, IntegrityError) or _is_deadlock(exc)
            if not retry or attempt == ATTEMPTS:
                raise
    return web.json_response(_answer(events, report))


def _is_deadlock(exc: OperationalError) -> bool:
    return getattr(exc.orig, "pgcode", None) in ("40P01", "40001")


def _answer(events: list[CarrierEvent], report: IngestReport) -> dict[str, object]:
    return {
        "status": "ok",
        "received": len(events),
        "applied": report.count("applied"),
        "duplicates": report.count("duplicate"),
        "unmatched": report.count("unmatched"),
        "created": report.created,
        "events": [
            {"id": event_id, "outcome": outcome, "detail": detail}
            for event_id, outcome, detail in report.outcomes
        ],
    }


def add_routes(app: web.Application) -> None:
    """Add ``POST /events/{sender}``."""
    app.router.add_post("/events/{sender}", receive_events)
