"""Staff work on requests: assign, note, complete or refuse; audit trail, KPI figures, the list;
the customer told the outcome once, in their language."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from bot.domain.conversations import NOTICE_KEY
from bot.domain.requests import staff
from bot.domain.requests.outcomes import deliver_outcome, deliver_pending
from bot.domain.requests.records import create_pickup, create_pickup_change
from bot.domain.requests.staff import StaffError
from bot.engine.rasa_client import RasaClient
from bot.ops.stack import free_port
from bot.storage import db
from tests.domain.requests.conftest import THURSDAY_1PM, hkt, slot
from tests.support.rasa_standin import RasaStandIn


def _book(engine: Engine, sender: str = "web-1") -> str:
    with db.session_scope(engine) as session:
        return create_pickup(
            session,
            sender_id=sender,
            channel="rest",
            address="12/F, Harbour Centre, 25 Harbour Road, Wan Chai",
            slot=slot(),
            now=THURSDAY_1PM,
        ).reference


def test_the_list_is_by_promised_time_with_overdue_flags(engine: Engine) -> None:
    first = _book(engine, "a")
    with db.session_scope(engine) as session:
        second = create_pickup_change(
            session,
            kind="pickup_cancel",
            sender_id="a",
            channel="rest",
            pickup_reference=first,
            now=hkt(2026, 11, 26, 13, 30),
        ).reference
    with db.session_scope(engine) as session:
        rows = staff.list_requests(session, now=hkt(2026, 11, 26, 14, 15))
    assert [(r.reference, r.overdue) for r in rows] == [(first, True), (second, False)]


def test_work_on_a_request_is_audited_and_measured(engine: Engine) -> None:
    reference = _book(engine)
    with db.session_scope(engine) as session:
        staff.assign(session, reference, "amy", actor="lead-kim", now=hkt(2026, 11, 26, 13, 10))
        staff.add_note(
            session, reference, "Driver Chan booked.", actor="amy", now=hkt(2026, 11, 26, 13, 20)
        )
        view = staff.complete(
            session,
            reference,
            "Driver Chan comes 14:00-17:00.",
            actor="amy",
            now=hkt(2026, 11, 26, 13, 30),
        )
    assert (view.status, view.assigned_to, view.completed_on_time) == ("done", "amy", True)
    with db.session_scope(engine) as session:
        shown = staff.get_request(session, reference, now=hkt(2026, 11, 26, 18))
    assert [(e.actor, e.action) for e in shown.events] == [
        ("customer", "created"),
        ("lead-kim", "assigned"),
        ("amy", "note"),
        ("amy", "done"),
    ]
    assert not shown.overdue
    with pytest.raises(StaffError), db.session_scope(engine) as session:
        staff.refuse(session, reference, "too late", actor="amy")


def test_a_late_refusal_is_not_on_time_and_needs_a_reason(engine: Engine) -> None:
    reference = _book(engine)
    with pytest.raises(StaffError), db.session_scope(engine) as session:
        staff.refuse(session, reference, "  ", actor="amy", now=hkt(2026, 11, 26, 15))
    with db.session_scope(engine) as session:
        view = staff.refuse(
            session, reference, "No driver free.", actor="amy", now=hkt(2026, 11, 26, 15)
        )
    assert (view.status, view.completed_on_time, view.outcome) == (
        "refused",
        False,
        "No driver free.",
    )


def test_a_done_cancellation_closes_the_pickup(engine: Engine) -> None:
    pickup = _book(engine)
    with db.session_scope(engine) as session:
        cancel = create_pickup_change(
            session,
            kind="pickup_cancel",
            sender_id="web-1",
            channel="rest",
            pickup_reference=pickup,
            now=THURSDAY_1PM,
        ).reference
    with db.session_scope(engine) as session:
        staff.complete(
            session, cancel, "Cancelled, no charge.", actor="amy", now=hkt(2026, 11, 26, 13, 30)
        )
    with db.session_scope(engine) as session:
        assert staff.get_request(session, pickup).status == "refused"
        assert staff.list_requests(session) == []


def test_the_customer_is_told_the_outcome_once(engine: Engine) -> None:
    reference = _book(engine)
    with db.session_scope(engine) as session:
        staff.complete(session, reference, "Driver Chan comes 14:00-17:00.", actor="amy")
    with RasaStandIn() as rasa:
        notifier = RasaClient(rasa.url, rasa.token, timeout=5)
        first = deliver_outcome(engine, notifier, reference)
        again = deliver_outcome(engine, notifier, reference)
        assert deliver_pending(engine, notifier) == []
        sent = rasa.sent
    assert (first.outcome, again.outcome) == ("sent", "already_sent")
    (message,) = sent
    event = message.body
    assert event["text"] == (
        f"Your pick-up request {reference} is done: Driver Chan comes 14:00-17:00."
    )
    assert event["metadata"][NOTICE_KEY] == f"{reference}:outcome"
    with db.session_scope(engine) as session:
        assert staff.get_request(session, reference).events[-1].action == "customer_notified"


def test_an_outcome_rasa_could_not_take_is_sent_by_the_next_pass(engine: Engine) -> None:
    reference = _book(engine)
    with db.session_scope(engine) as session:
        staff.refuse(session, reference, "No driver free that day.", actor="amy")
    down = RasaClient(f"http://127.0.0.1:{free_port()}", "token", timeout=2)
    assert deliver_outcome(engine, down, reference).outcome == "failed"
    with RasaStandIn() as rasa:
        rasa.events["web-1"] = [{"event": "user", "text": "我想預約上門收件"}]
        delivered = deliver_pending(engine, RasaClient(rasa.url, rasa.token, timeout=5))
        (message,) = rasa.sent
    assert [d.outcome for d in delivered] == ["sent"]
    assert message.body["text"] == (
        f"好抱歉，我哋未能處理你嘅上門收件要求 {reference}：No driver free that day. "
        "如果想再傾，喺度回覆就得，我會轉交同事。"
    )
