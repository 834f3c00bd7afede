"""The shipment KPIs on SQLite and PostgreSQL, from real records: events ingested, notices
written and sent through the worker, and the tracking lookups customers made around them.

- ``exceptions_told_first``: an exception or customs-hold notice counts as told first
  when its customer had not looked the shipment up between the event and the notice;
- ``contacts_avoided``: a notice whose customer did not look the shipment up again within
  24 hours after it, counted once those 24 hours have passed.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine

from bot.domain.kpi.dashboard import tiles
from bot.domain.kpi.formulas import KPI_BY_CODE, compute_many
from bot.domain.kpi.report import DEFAULT_TARGETS
from bot.domain.shipment_updates.delivery import deliver
from bot.domain.shipment_updates.lookups import record_lookup
from bot.domain.shipment_updates.subscriptions import ANY, ARRIVAL, subscribe, unsubscribe
from bot.engine.rasa_client import RasaClient
from bot.storage.db import session_scope
from bot.storage.models import UTC
from tests.domain.shipment_updates.support import DAY, HK
from tests.domain.shipment_updates.support import fsu as _fsu
from tests.domain.shipment_updates.support import post as _post
from tests.support.rasa_standin import RasaStandIn

AWB = "160-48219371"
# 10:00 in Hong Kong on 3 March: the notices go out then.
# The carrier's DIS (discrepancy: an exception) at 09:00 Hong Kong, an hour before.
EXCEPTION_AT = datetime(2026, 3, 3, 1, 0, tzinfo=UTC)
KPIS = [KPI_BY_CODE["exceptions_told_first"], KPI_BY_CODE["contacts_avoided"]]


def _asked(engine: Engine, sender: str, at: datetime) -> None:
    with session_scope(engine) as session:
        assert record_lookup(session, sender, "rest", AWB, now=at)


def _figures(engine: Engine) -> dict[str, tuple[float | None, int]]:
    with session_scope(engine) as session:
        found = compute_many(
            session, KPIS, DAY - timedelta(days=2), datetime.now(UTC) + timedelta(days=1)
        )
    return {code: figures["all"] for code, figures in found.items() if figures is not None}


@pytest.fixture
def rasa() -> Iterator[RasaStandIn]:
    with RasaStandIn(token="notices") as standin:
        yield standin


def test_exceptions_told_first_and_contacts_avoided(engine: Engine, rasa: RasaStandIn) -> None:
    _post(engine, _fsu("RCS/02MAR1405/HKG/T10K250.0"))
    with session_scope(engine) as session:
        for sender, scope in (("anna", ANY), ("ben", ARRIVAL), ("chan", ANY), ("dora", ANY)):
            assert subscribe(session, sender, "rest", AWB, scope, now=DAY - timedelta(days=1))
    _asked(engine, "anna", EXCEPTION_AT - timedelta(minutes=30))  # before it happened
    _asked(engine, "chan", EXCEPTION_AT + timedelta(minutes=20))  # after it, before told
    with session_scope(engine) as session:
        unsubscribe(session, "dora", AWB, now=DAY - timedelta(hours=2))

    assert _post(engine, _fsu("DIS/CX255/03MAR0900/HKG/T10K250.0"), DAY) == 3
    sent = deliver(engine, RasaClient(rasa.url, "notices"), now=DAY, tz=HK)
    assert sorted(s.outcome for s in sent) == ["sent"] * 3

    _asked(engine, "anna", DAY + timedelta(hours=3))  # asked again: not avoided
    _asked(engine, "ben", DAY + timedelta(hours=30))  # a day later: avoided
    figures = _figures(engine)
    told_first, told_n = figures["exceptions_told_first"]
    avoided, closed_n = figures["contacts_avoided"]
    assert told_n == 3 and told_first == pytest.approx(200 / 3)  # anna, ben; not chan
    assert closed_n == 3 and avoided == pytest.approx(200 / 3)  # ben, chan; not anna

    # A notice sent an hour ago is not counted in contacts avoided until its day is over.
    recent = datetime.now(UTC) - timedelta(hours=1)
    assert _post(engine, _fsu("DLV/04MAR1530/LHR/T10K250.0"), recent) == 3
    deliver(engine, RasaClient(rasa.url, "notices"), now=recent, tz=HK)
    assert _figures(engine)["contacts_avoided"] == (pytest.approx(200 / 3), 3)
    # Nor is a delivery an exception.
    assert _figures(engine)["exceptions_told_first"][1] == 3


def test_the_dashboard_shows_them_against_their_default_targets(
    engine: Engine, rasa: RasaStandIn
) -> None:
    _post(engine, _fsu("RCS/02MAR1405/HKG/T10K250.0"))
    with session_scope(engine) as session:
        assert subscribe(session, "ben", "rest", AWB, ARRIVAL, now=DAY - timedelta(days=1))
    _post(engine, _fsu("CRC/03MAR0930/HKG/T10K250.0"), DAY)
    deliver(engine, RasaClient(rasa.url, "notices"), now=DAY, tz=HK)

    with session_scope(engine) as session:
        shown = {
            tile.kpi.code: tile for tile in tiles(session, date(2026, 3, 1), date(2026, 3, 31), HK)
        }
    for code in ("exceptions_told_first", "contacts_avoided"):
        assert shown[code].value == 100.0 and shown[code].n == 1
        assert shown[code].target.target == DEFAULT_TARGETS[code][0]
        assert shown[code].status == "green"
