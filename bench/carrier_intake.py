"""Shipment-event intake on PostgreSQL: figures printed, never asserted.

``python -m bench.carrier_intake [--events N] [--batch N]`` (also ``python -m bench
--events-only``):

- events ingested per second, batched, through the domain (ingest and outbox in one
  transaction per batch) and through the HTTP intake (partner JSON posted to the console
  app on a loopback port, token auth), with the intake's p50/p95 per post;
- fan-out: one delivery event for a shipment with 10,000 subscribers, the notices written
  to the outbox in the event's transaction.
Target: >= 2,000 events/s batched on PostgreSQL on the project's 2 cores.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import statistics
import threading
import time
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import requests
from aiohttp import web
from psycopg2 import sql
from sqlalchemy import func, insert, select
from sqlalchemy.engine import make_url

from bench.kpi import PG_ADMIN_URL, _pg_admin
from bot.console.app import create_app
from bot.console.config import ConsoleConfig
from bot.domain.carrier_events.ingest import ingest
from bot.domain.carrier_events.model import CarrierEvent
from bot.domain.carrier_events.senders import Sender
from bot.domain.shipment_updates.outbox import record_notices
from bot.domain.shipment_updates.settings import UpdateSettings
from bot.domain.tracking import express_check_digit
from bot.ops.stack import free_port
from bot.storage import db
from bot.storage.models import Shipment, ShipmentNotice, ShipmentSubscription

HK = ZoneInfo("Asia/Hong_Kong")
SETTINGS = UpdateSettings(quiet_start=datetime.min.time(), quiet_end=datetime.min.time())
STATUSES = ("booked", "picked_up", "at_hub", "in_transit", "at_hub", "out_for_delivery")
T0 = datetime(2026, 3, 1, tzinfo=timezone.utc)
SECRET = "bench-secret-0123456789abcdef"


def _number(n: int) -> str:
    first9 = f"{700000000 + n:09d}"
    return f"{first9}{express_check_digit(first9)}"


def _event(n: int, prefix: str) -> dict[str, Any]:
    shipment, step = divmod(n, len(STATUSES))
    return {
        "event_id": f"{prefix}-{n}",
        "tracking_number": _number(shipment),
        "status": STATUSES[step],
        "occurred_at": (T0 + timedelta(hours=step, seconds=shipment)).isoformat(),
        "location": "Kwun Tong",
        "mode": "express",
    }


def _carrier_event(item: dict[str, Any]) -> CarrierEvent:
    return CarrierEvent(
        source="partner",
        external_id=item["event_id"],
        occurred_at=datetime.fromisoformat(item["occurred_at"]),
        status=item["status"],
        raw_code=item["status"],
        tracking_number=item["tracking_number"],
        location=item["location"],
        mode="express",
    )


def domain_rate(url: str, count: int, batch: int) -> None:
    engine = db.get_engine(url)
    events = [_carrier_event(_event(n, "d")) for n in range(count)]
    started = time.perf_counter()
    for start in range(0, count, batch):
        with db.session_scope(engine) as session:
            report = ingest(session, events[start : start + batch], sender="bench")
            now = datetime.now(timezone.utc)
            record_notices(session, report.changes, now=now, settings=SETTINGS, tz=HK)
    elapsed = time.perf_counter() - started
    print(
        f"  domain, batches of {batch}: {count:,} events in {elapsed:.1f} s = "
        f"{count / elapsed:,.0f} events/s"
    )


class _Server:
    def __init__(self, url: str) -> None:
        self.port = free_port()
        self.config = ConsoleConfig(
            url,
            "http://127.0.0.1:9",
            "unused",
            event_senders={"bench": Sender("bench", "partner", SECRET)},
            updates=SETTINGS,
        )
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        runner = web.AppRunner(create_app(self.config), access_log=None)
        self._loop.run_until_complete(runner.setup())
        self._loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", self.port).start())
        self._runner = runner
        self._ready.set()
        self._loop.run_forever()

    def __enter__(self) -> _Server:
        self._thread.start()
        self._ready.wait(30)
        return self

    def __exit__(self, *_exc: object) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)


def http_rate(url: str, count: int, batch: int) -> None:
    bodies = [
        json.dumps({"events": [_event(n, "h") for n in range(start, min(count, start + batch))]})
        for start in range(0, count, batch)
    ]
    timings: list[float] = []
    with _Server(url) as server, requests.Session() as http:
        headers = {"Authorization": f"Bearer {SECRET}", "Content-Type": "application/json"}
        started = time.perf_counter()
        for body in bodies:
            t0 = time.perf_counter()
            response = http.post(
                f"http://127.0.0.1:{server.port}/events/bench", data=body, headers=headers
            )
            timings.append(time.perf_counter() - t0)
            assert response.status_code == 200, response.text[:300]
        elapsed = time.perf_counter() - started
    ordered = sorted(timings)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    print(
        f"  HTTP intake, posts of {batch}: {count:,} events in {elapsed:.1f} s = "
        f"{count / elapsed:,.0f} events/s; per post p50 {statistics.median(timings) * 1000:.0f} "
        f"ms, p95 {p95 * 1000:.0f} ms"
    )
    # One event per post, as a carrier's webhook sends them.
    singles = [json.dumps(_event(n, "s")) for n in range(500)]
    timings = []
    with _Server(url) as server, requests.Session() as http:
        for body in singles:
            t0 = time.perf_counter()
            http.post(f"http://127.0.0.1:{server.port}/events/bench", data=body, headers=headers)
            timings.append(time.perf_counter() - t0)
    ordered = sorted(timings)
    p95 = ordered[round(0.95 * (len(ordered) - 1))]
    print(
        f"  HTTP intake, one event per post: p50 {statistics.median(timings) * 1000:.1f} ms, "
        f"p95 {p95 * 1000:.1f} ms"
    )


def fan_out(url: str, subscribers: int) -> None:
    engine = db.get_engine(url)
    number = _number(900000)
    with db.session_scope(engine) as session:
        ingest(session, [_carrier_event({**_event(0, "f"), "tracking_number": number})], sender="f")
    with db.session_scope(engine) as session:
        shipment_id = session.execute(
            select(Shipment.id).where(Shipment.tracking_number == number)
        ).scalar_one()
        session.execute(
            insert(ShipmentSubscription),
            [
                {
                    "shipment_id": shipment_id,
                    "sender_id": f"customer-{n}",
                    "channel": "rest",
                    "scope": "arrival",
                    "created_at": T0,
                }
                for n in range(subscribers)
            ],
        )
    delivered = CarrierEvent(
        source="partner",
        external_id="f-delivered",
        occurred_at=T0 + timedelta(days=2),
        status="delivered",
        raw_code="delivered",
        tracking_number=number,
    )
    started = time.perf_counter()
    with db.session_scope(engine) as session:
        report = ingest(session, [delivered], sender="f")
        written = record_notices(
            session, report.changes, now=datetime.now(timezone.utc), settings=SETTINGS, tz=HK
        )
    elapsed = time.perf_counter() - started
    with db.session_scope(engine) as session:
        stored = session.execute(select(func.count()).select_from(ShipmentNotice)).scalar_one()
    print(
        f"  fan-out: one delivery to {subscribers:,} subscribers: {written:,} notices "
        f"({stored:,} stored) in the event's transaction in {elapsed * 1000:.0f} ms"
    )


def main(count: int = 20_000, batch: int = 500) -> None:
    """Run the intake figures on a fresh PostgreSQL database."""
    print("Shipment-event intake on PostgreSQL (target >= 2,000 events/s batched)")
    name = f"freightdesk_events_bench_{secrets.token_hex(4)}"
    admin = _pg_admin()
    try:
        with admin.cursor() as cursor:
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
        db.upgrade(url)
        domain_rate(url, count, batch)
        http_rate(url, count, batch)
        fan_out(url, 10_000)
    finally:
        db.dispose_engines()
        with admin.cursor() as cursor:
            cursor.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
        admin.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=500)
    arguments = parser.parse_args()
    main(arguments.events, arguments.batch)
