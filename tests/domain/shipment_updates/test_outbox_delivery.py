"""Subscriptions, the outbox and the notice worker, on SQLite and PostgreSQL: one notice
per subscriber per change worth telling, written with the events; sent once in the
customer's language, retried after a failure, held in quiet hours unless urgent."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.domain.carrier_events.ingest import Change
from bot.domain.conversations import NOTICE_KEY
from bot.domain.shipment_updates.delivery import deliver, notice_key
from bot.domain.shipment_updates.figures import notice_figures
from bot.domain.shipment_updates.outbox import kind_of, not_before
from bot.domain.shipment_updates.subscriptions import ANY, ARRIVAL, subscribe, unsubscribe
from bot.engine.rasa_client import RasaClient
from bot.storage.db import session_scope
from bot.storage.models import UTC, ShipmentNotice
from tests.domain.shipment_updates.support import DAY, HK, SETTINGS
from tests.domain.shipment_updates.support import fsu as _fsu
from tests.domain.shipment_updates.support import post as _post
from tests.support.rasa_standin import RasaStandIn

AWB = "160-48219371"
# 10:00 in Hong Kong: outside quiet hours.


@pytest.fixture
def rasa() -> Iterator[RasaStandIn]:
    with RasaStandIn(token="notices") as standin:
        yield standin


def _subscribe(engine: Engine, sender: str, scope: str) -> None:
    with session_scope(engine) as session:
        assert subscribe(session, sender, "rest", "awb 160 4821 9371", scope, now=DAY) == AWB


def _texts(rasa: RasaStandIn, sender: str) -> list[str]:
    return [e["text"] for e in rasa.events.get(sender, [])]


def test_subscribers_hear_what_they_asked_for_once(engine: Engine, rasa: RasaStandIn) -> None:
    _post(engine, _fsu("RCS/02MAR1405/HKG/T10K250.0"))
    _subscribe(engine, "anna", ANY)
    _subscribe(engine, "ben", ARRIVAL)

    written = _post(engine, _fsu("DEP/CX255/03MAR0110/HKGLHR/T10K250.0"))
    client = RasaClient(rasa.url, "notices")
    first = deliver(engine, client, now=DAY, tz=HK)
    again = deliver(engine, client, now=DAY + timedelta(minutes=5), tz=HK)

    assert written == 1  # ben only follows the arrival
    assert [s.outcome for s in first] == ["sent"] and again == []
    (text,) = _texts(rasa, "anna")
    assert text.startswith(f"Update on {AWB}: In transit.")
    assert 'Say "stop updates"' in text
    assert rasa.events["anna"][0]["metadata"][NOTICE_KEY] == notice_key(first[0].notice_id)
    assert _texts(rasa, "ben") == []

    _post(engine, _fsu("DLV/04MAR1530/LHR/T10K250.0"))
    deliver(engine, client, now=DAY + timedelta(hours=1), tz=HK)
    (delivered,) = _texts(rasa, "ben")
    assert delivered.startswith(f"Good news: {AWB} has been delivered.\nNothing more is needed.")


def test_a_chinese_conversation_reads_chinese_and_an_exception_offers_a_person(
    engine: Engine, rasa: RasaStandIn
) -> None:
    _post(engine, _fsu("RCS/02MAR1405/HKG/T10K250.0"))
    _subscribe(engine, "chan", ARRIVAL)
    rasa.events["chan"] = [{"event": "user", "text": "我嘅貨去咗邊", "parse_data": {}}]

    _post(engine, _fsu("DIS/CX255/03MAR0900/HKG/T10K250.0"))
    deliver(engine, RasaClient(rasa.url, "notices"), now=DAY, tz=HK)

    text = _texts(rasa, "chan")[-1]
    assert text.startswith(f"好抱歉：{AWB} 遇到問題（延誤：需要跟進）。")
    assert "真人客服" in text


def test_a_failed_send_is_retried_and_a_second_worker_never_doubles(
    engine: Engine, rasa: RasaStandIn
) -> None:
    _post(engine, _fsu("RCS/02MAR1405/HKG/T10K250.0"))
    _subscribe(engine, "anna", ANY)
    _post(engine, _fsu("DEP/CX255/03MAR0110/HKGLHR/T10K250.0"))
    client = RasaClient(rasa.url, "notices")

    rasa.fail_status = 503
    assert [s.outcome for s in deliver(engine, client, now=DAY, tz=HK)] == ["failed"]
    rasa.fail_status = None
    results: list[str] = []

    def worker() -> None:
        results.extend(s.outcome for s in deliver(engine, client, now=DAY, tz=HK))

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert results == ["sent"]
    assert len(_texts(rasa, "anna")) == 1


def test_quiet_hours_hold_routine_notices_but_not_a_customs_hold(
    engine: Engine, rasa: RasaStandIn
) -> None:
    night = datetime(2026, 3, 3, 15, 0, tzinfo=UTC)  # 23:00 in Hong Kong
    _post(engine, _fsu("RCS/02MAR1405/HKG/T10K250.0"), night)
    _subscribe(engine, "anna", ANY)
    _post(engine, _fsu("DEP/CX255/03MAR2250/HKGLHR/T10K250.0"), night)
    _post(engine, _fsu("CRC/03MAR2255/HKG/T10K250.0"), night)
    client = RasaClient(rasa.url, "notices")

    assert [s.outcome for s in deliver(engine, client, now=night, tz=HK)] == ["sent"]
    assert _texts(rasa, "anna")[0].startswith(f"{AWB} is being held for customs clearance.")
    morning = datetime(2026, 3, 4, 0, 0, tzinfo=UTC)  # 08:00
    assert [s.outcome for s in deliver(engine, client, now=morning, tz=HK)] == ["sent"]


def test_stopping_updates_cancels_what_is_waiting(engine: Engine, rasa: RasaStandIn) -> None:
    _post(engine, _fsu("RCS/02MAR1405/HKG/T10K250.0"))
    _subscribe(engine, "anna", ANY)
    _post(engine, _fsu("DEP/CX255/03MAR0110/HKGLHR/T10K250.0"))
    with session_scope(engine) as session:
        assert unsubscribe(session, "anna", None, now=DAY) == 1

    sent = deliver(engine, RasaClient(rasa.url, "notices"), now=DAY, tz=HK)
    assert [s.outcome for s in sent] == ["stopped"]
    assert _texts(rasa, "anna") == []


def test_an_eta_slip_beyond_the_margin_is_told(session: Session) -> None:
    base = datetime(2026, 3, 5, 4, 0, tzinfo=UTC)
    small = Change(1, AWB, "in_transit", "in_transit", base, base + timedelta(hours=3), "ARR")
    big = Change(1, AWB, "in_transit", "in_transit", base, base + timedelta(hours=30), "ARR")
    assert kind_of(small, SETTINGS) is None
    assert kind_of(big, SETTINGS) == "eta"
    assert session.execute(select(ShipmentNotice)).first() is None


@pytest.mark.parametrize(
    ("local", "urgent", "released"),
    [
        (time(21, 59), False, time(21, 59)),
        (time(22, 0), False, time(8, 0)),
        (time(3, 0), False, time(8, 0)),
        (time(3, 0), True, time(3, 0)),
        (time(8, 0), False, time(8, 0)),
    ],
)
def test_quiet_hours(local: time, urgent: bool, released: time) -> None:
    now = datetime.combine(datetime(2026, 3, 3).date(), local, tzinfo=HK).astimezone(UTC)
    assert not_before(now, urgent, SETTINGS, HK).astimezone(HK).time() == released


def test_figures_count_what_was_sent_waits_and_fails(engine: Engine, rasa: RasaStandIn) -> None:
    _post(engine, _fsu("RCS/02MAR1405/HKG/T10K250.0"))
    _subscribe(engine, "anna", ANY)
    _subscribe(engine, "ben", ARRIVAL)
    _post(engine, _fsu("DIS/CX255/03MAR0900/HKG/T10K250.0"))  # both: exception
    _post(engine, _fsu("DEP/CX255/03MAR1110/HKGLHR/T10K250.0"))  # anna only: status
    client = RasaClient(rasa.url, "notices")
    deliver(engine, client, now=DAY, tz=HK)
    with session_scope(engine) as session:
        unsubscribe(session, "anna", None, now=DAY)
    _post(engine, _fsu("DLV/04MAR1530/LHR/T10K250.0"))  # ben only: delivered
    rasa.fail_status = 503
    deliver(engine, client, now=DAY, tz=HK)

    with session_scope(engine) as session:
        figures = notice_figures(session, DAY - timedelta(days=1), DAY + timedelta(days=1))
    assert figures.sent == {"exception": 2, "status": 1}
    assert figures.exceptions_notified == 2
    assert (figures.waiting, figures.failing, figures.subscriptions) == (1, 1, 2)
