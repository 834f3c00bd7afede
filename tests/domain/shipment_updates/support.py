"""What the shipment-update tests share: one air waybill's Cargo-IMP FSU messages,
ingested and turned into notices as the intake does."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine

from bot.domain.carrier_events import cargo_imp
from bot.domain.carrier_events.ingest import ingest
from bot.domain.shipment_updates.outbox import record_notices
from bot.domain.shipment_updates.settings import UpdateSettings
from bot.storage.db import session_scope
from bot.storage.models import UTC

HK = ZoneInfo("Asia/Hong_Kong")
SETTINGS = UpdateSettings()
DAY = datetime(2026, 3, 3, 2, 0, tzinfo=UTC)


def fsu(*lines: str) -> bytes:
    """An FSU message for air waybill 160-48219371 with these status lines."""
    return ("FSU/13\n160-48219371HKGLHR/T10K250.0\n" + "\n".join(lines)).encode()


def post(engine: Engine, body: bytes, now: datetime = DAY) -> int:
    """Ingest ``body`` from sender "cx" and record its notices; how many were written."""
    with session_scope(engine) as session:
        report = ingest(session, cargo_imp.parse(body, now), sender="cx")
        return record_notices(session, report.changes, now=now, settings=SETTINGS, tz=HK)
