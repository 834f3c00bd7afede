"""The follow-up worker: reminders, missed promises and pending messages, each exactly once."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.engine import Engine

from bot.domain.complaints.followups import SENIOR_QUEUE, WatchReport, deliver_resolution, run_once
from bot.domain.complaints.staff import add_note, assign, get_complaint, resolve
from bot.domain.complaints.views import ComplaintReceipt, ComplaintView
from bot.domain.conversations import NOTICE_KEY
from bot.domain.events import Event, Publish
from bot.engine.rasa_client import RasaClient
from bot.ops.stack import free_port
from bot.storage import db
from bot.storage.models import Complaint
from tests.domain.complaints.conftest import HKT, hkt
from tests.support.rasa_standin import RasaStandIn

Submit = Callable[..., ComplaintReceipt]


@pytest.fixture
def notifier(rasa: RasaStandIn) -> RasaClient:
    """A notifier talking to the stand-in."""
    return RasaClient(rasa.url, rasa.token, timeout=5)


@pytest.fixture
def unreachable() -> RasaClient:
    """A notifier whose Rasa is down (nothing listens on its port)."""
    return RasaClient(f"http://127.0.0.1:{free_port()}", "token", timeout=2)


@pytest.fixture
def lost_parcel(file_complaint: Submit) -> str:
    """A high-severity complaint filed Thursday 13:00: promised by Thursday 17:00."""
    receipt = file_complaint(category="lost", description="My parcel never arrived.")
    assert receipt.due_at == hkt(2026, 11, 26, 17)
    return receipt.reference


@pytest.fixture
def published() -> list[Event]:
    """The domain events a test's deliveries publish."""
    return []


def _ignore(event: Event) -> None:
    """Publish nowhere: the tests that do not look at events."""


def _show(engine: Engine, reference: str) -> ComplaintView:
    with db.session_scope(engine) as session:
        return get_complaint(session, reference, now=hkt(2026, 11, 26, 13))


def _run(
    engine: Engine, notifier: RasaClient, now: datetime, publish: Publish = _ignore
) -> WatchReport:
    return run_once(engine, notifier, publish=publish, now=now, tz=HKT)


def test_staff_are_reminded_once_within_the_last_business_hour(
    engine: Engine,
    notifier: RasaClient,
    rasa: RasaStandIn,
    lost_parcel: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="bot.domain.complaints.followups")

    assert _run(engine, notifier, hkt(2026, 11, 26, 15, 30)).reminders == []
    assert _run(engine, notifier, hkt(2026, 11, 26, 16, 5)).reminders == [lost_parcel]
    assert _run(engine, notifier, hkt(2026, 11, 26, 16, 10)).reminders == []

    view = _show(engine, lost_parcel)
    assert view.reminder_sent_at == hkt(2026, 11, 26, 16, 5)
    assert [(e.actor, e.action) for e in view.events][-1] == ("follow-up worker", "reminder")
    reminders = [r.getMessage() for r in caplog.records if "Reminder" in r.getMessage()]
    assert reminders == [
        f"Reminder for the complaints queue: complaint {lost_parcel} (lost, high) was "
        "promised a follow-up by Thursday 26 Nov, 17:00 (HKT) and has none yet."
    ]
    assert rasa.requests == []  # reminders are for staff, not customers


def test_the_reminder_names_the_assigned_colleague(
    engine: Engine, notifier: RasaClient, lost_parcel: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="bot.domain.complaints.followups")
    with db.session_scope(engine) as session:
        assign(session, lost_parcel, "amy", actor="kim", now=hkt(2026, 11, 26, 14))

    _run(engine, notifier, hkt(2026, 11, 26, 16, 30))

    assert any(r.getMessage().startswith("Reminder for amy:") for r in caplog.records)


def test_no_reminder_or_update_once_a_colleague_has_followed_up(
    engine: Engine, notifier: RasaClient, rasa: RasaStandIn, lost_parcel: str
) -> None:
    with db.session_scope(engine) as session:
        add_note(
            session, lost_parcel, "Called the customer.", actor="amy", now=hkt(2026, 11, 26, 15)
        )

    for now in (hkt(2026, 11, 26, 16, 30), hkt(2026, 11, 27, 10)):
        report = _run(engine, notifier, now)
        assert (report.reminders, report.escalations, report.deliveries) == ([], [], [])
    assert rasa.requests == []


def test_a_missed_promise_gets_one_honest_update_and_a_new_time(
    engine: Engine, notifier: RasaClient, rasa: RasaStandIn, lost_parcel: str
) -> None:
    first = _run(engine, notifier, hkt(2026, 11, 26, 17, 1))
    second = _run(engine, notifier, hkt(2026, 11, 26, 17, 2))
    # A restart the next morning changes nothing either.
    third = _run(engine, notifier, hkt(2026, 11, 27, 9, 30))

    assert first.escalations == [lost_parcel]
    assert [(d.reference, d.kind, d.outcome) for d in first.deliveries] == [
        (lost_parcel, "overdue", "sent")
    ]
    assert (second.escalations, second.deliveries, third.escalations, third.deliveries) == (
        [],
        [],
        [],
        [],
    )
    (message,) = rasa.sent
    assert message.sender_id == "tg-4711"
    assert message.body["text"] == (
        f"About your complaint {lost_parcel}: we promised to contact you by Thursday 26 Nov, "
        "17:00 (HKT), and we're sorry we haven't yet. Your complaint is now with a senior "
        "colleague, who will contact you by Friday 27 Nov, 10:01 (HKT)."
    )
    assert message.body["metadata"] == {NOTICE_KEY: f"{lost_parcel}:overdue"}
    view = _show(engine, lost_parcel)
    assert view.due_at == hkt(2026, 11, 27, 10, 1)
    assert view.original_due_at == hkt(2026, 11, 26, 17)
    assert (view.promise_kept, view.assigned_to) == (False, SENIOR_QUEUE)
    assert view.customer_notified_overdue_at == hkt(2026, 11, 26, 17, 1)
    assert [e.action for e in view.events] == [
        "created",
        "escalated",
        "customer_notified",
        "reminder",  # next morning, for the senior queue, an hour before the new promise
    ]
    assert view.events[-1].detail.startswith(f"reminded {SENIOR_QUEUE}: follow-up due by")


def test_an_update_that_could_not_be_sent_is_retried_until_sent_once(
    engine: Engine,
    notifier: RasaClient,
    unreachable: RasaClient,
    rasa: RasaStandIn,
    lost_parcel: str,
) -> None:
    down = _run(engine, unreachable, hkt(2026, 11, 26, 17, 1))
    up = _run(engine, notifier, hkt(2026, 11, 26, 17, 2))
    again = _run(engine, notifier, hkt(2026, 11, 26, 17, 3))

    assert down.escalations == [lost_parcel]
    assert [d.outcome for d in down.failures] == ["failed"]
    assert "cannot reach Rasa" in down.failures[0].problem
    assert [d.outcome for d in up.deliveries] == ["sent"]
    assert again.deliveries == []
    (message,) = rasa.sent
    # The new time was set when the promise was missed; the late message keeps it.
    assert "who will contact you by Friday 27 Nov, 10:01 (HKT)" in message.body["text"]


def test_resolution_is_told_to_the_customer_and_hooks_called_once(
    engine: Engine,
    notifier: RasaClient,
    rasa: RasaStandIn,
    lost_parcel: str,
    published: list[Event],
) -> None:
    with db.session_scope(engine) as session:
        resolve(
            session,
            lost_parcel,
            "We found it; it arrives tomorrow",
            actor="amy",
            now=hkt(2026, 11, 26, 15),
        )

    delivery = deliver_resolution(
        engine, notifier, lost_parcel, publish=published.append, now=hkt(2026, 11, 26, 15), tz=HKT
    )
    later = _run(engine, notifier, hkt(2026, 11, 26, 15, 1), published.append)

    assert delivery.outcome == "sent"
    assert delivery.describe() == f"The customer has been told the outcome of {lost_parcel}."
    assert later.deliveries == []
    (message,) = rasa.sent
    assert message.body["text"] == (
        f"Your complaint {lost_parcel} (lost shipment) has been resolved: We found it; it "
        "arrives tomorrow. If anything is still not right, just reply here and I'll pass it "
        "to a colleague."
    )
    assert [event.reference for event in published] == [lost_parcel]
    again = deliver_resolution(engine, notifier, lost_parcel, publish=published.append, tz=HKT)
    assert again.outcome == "already_sent" and len(rasa.sent) == 1


def test_a_resolution_while_rasa_is_down_is_saved_and_sent_later(
    engine: Engine,
    notifier: RasaClient,
    unreachable: RasaClient,
    rasa: RasaStandIn,
    lost_parcel: str,
    published: list[Event],
) -> None:
    with db.session_scope(engine) as session:
        resolve(session, lost_parcel, "Refunded in full.", actor="amy", now=hkt(2026, 11, 26, 15))

    failed = deliver_resolution(
        engine, unreachable, lost_parcel, publish=published.append, now=hkt(2026, 11, 26, 15)
    )
    assert failed.outcome == "failed"
    assert "the follow-up worker will retry" in failed.describe()
    assert _show(engine, lost_parcel).status == "resolved"
    assert published == []

    first = _run(engine, notifier, hkt(2026, 11, 26, 15, 1), published.append)
    second = _run(engine, notifier, hkt(2026, 11, 26, 15, 2), published.append)

    assert [(d.kind, d.outcome) for d in first.deliveries] == [("resolution", "sent")]
    assert second.deliveries == []
    assert len(rasa.sent) == 1 and len(published) == 1
    view = _show(engine, lost_parcel)
    assert view.customer_notified_resolution_at == hkt(2026, 11, 26, 15, 1)


def test_a_resolved_complaint_gets_no_missed_promise_update(
    engine: Engine, notifier: RasaClient, rasa: RasaStandIn, lost_parcel: str
) -> None:
    with db.session_scope(engine) as session:
        resolve(
            session, lost_parcel, "Found and delivered.", actor="amy", now=hkt(2026, 11, 26, 16)
        )

    report = _run(engine, notifier, hkt(2026, 11, 26, 17, 30))

    assert report.escalations == []
    assert [d.kind for d in report.deliveries] == ["resolution"]
    assert [r.body["metadata"][NOTICE_KEY] for r in rasa.sent] == [f"{lost_parcel}:resolution"]


def test_two_workers_at_once_send_each_message_once(
    engine: Engine, notifier: RasaClient, rasa: RasaStandIn, file_complaint: Submit
) -> None:
    references = [
        file_complaint(sender_id=f"tg-{i}", category="lost", description="Never came.").reference
        for i in range(4)
    ]
    barrier = threading.Barrier(2)
    reports: list[WatchReport] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait(10)
            reports.append(_run(engine, notifier, hkt(2026, 11, 26, 17, 1)))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert errors == []
    assert sorted(r for report in reports for r in report.escalations) == references
    assert sorted(m.sender_id for m in rasa.sent) == [f"tg-{i}" for i in range(4)]


def _leave_stale_claim(engine: Engine, reference: str, at: datetime) -> None:
    """Make it look as if a sender claimed the message at ``at`` and then died."""
    with db.session_scope(engine) as session:
        session.execute(
            update(Complaint)
            .where(Complaint.reference == reference)
            .values(notify_claim="dead-sender", notify_claimed_at=at)
        )


def test_a_message_a_crashed_sender_got_through_is_not_sent_again(
    engine: Engine, notifier: RasaClient, rasa: RasaStandIn, lost_parcel: str
) -> None:
    with db.session_scope(engine) as session:
        resolve(session, lost_parcel, "Refunded.", actor="amy", now=hkt(2026, 11, 26, 15))
    # The dead sender's message reached the conversation before it could record it.
    notifier.send_sync("tg-4711", "Refunded.", metadata={NOTICE_KEY: f"{lost_parcel}:resolution"})
    _leave_stale_claim(engine, lost_parcel, hkt(2026, 11, 26, 15))

    too_soon = _run(engine, notifier, hkt(2026, 11, 26, 15, 2))
    after_lease = _run(engine, notifier, hkt(2026, 11, 26, 15, 6))

    assert [d.outcome for d in too_soon.deliveries] == ["busy"]
    assert [d.outcome for d in after_lease.deliveries] == ["already_sent"]
    assert len(rasa.sent) == 1
    view = _show(engine, lost_parcel)
    assert view.customer_notified_resolution_at == hkt(2026, 11, 26, 15, 6)
    assert view.events[-1].detail == "outcome found already delivered via telegram"


def test_a_message_a_crashed_sender_did_not_get_through_is_sent(
    engine: Engine, notifier: RasaClient, rasa: RasaStandIn, lost_parcel: str
) -> None:
    with db.session_scope(engine) as session:
        resolve(session, lost_parcel, "Refunded.", actor="amy", now=hkt(2026, 11, 26, 15))
    _leave_stale_claim(engine, lost_parcel, hkt(2026, 11, 26, 15))

    report = _run(engine, notifier, hkt(2026, 11, 26, 15) + timedelta(minutes=6))

    assert [d.outcome for d in report.deliveries] == ["sent"]
    assert len(rasa.sent) == 1


def test_a_chinese_conversation_gets_its_missed_promise_update_in_chinese(
    engine: Engine, notifier: RasaClient, rasa: RasaStandIn, lost_parcel: str
) -> None:
    rasa.events["tg-4711"] = [{"event": "user", "text": "我份貨寄咗成個禮拜都未收到"}]

    report = _run(engine, notifier, hkt(2026, 11, 26, 17, 1))

    assert [d.outcome for d in report.deliveries] == ["sent"]
    (message,) = rasa.sent
    assert message.body["text"] == (
        f"關於你嘅投訴 {lost_parcel}：我哋答應咗喺 11月26日 (星期四) 17:00 之前聯絡你，"
        "但到而家都未做到，真係對唔住。你嘅投訴已經交咗俾資深同事，"
        "佢會喺 11月27日 (星期五) 10:01 之前聯絡你。"
    )


def test_the_outcome_follows_the_language_the_customer_chose_after_filing(
    engine: Engine, notifier: RasaClient, rasa: RasaStandIn, lost_parcel: str
) -> None:
    # Filed in English; days later the customer asked for Chinese (the language slot).
    rasa.events["tg-4711"] = [
        {"event": "user", "text": "My parcel never arrived"},
        {"event": "slot", "name": "language", "value": "zh"},
    ]
    rasa.states["tg-4711"] = {"slots": {"language": "zh"}}
    with db.session_scope(engine) as session:
        resolve(session, lost_parcel, "已經搵返，聽日送到", actor="amy", now=hkt(2026, 11, 26, 15))

    delivery = deliver_resolution(
        engine, notifier, lost_parcel, publish=_ignore, now=hkt(2026, 11, 26, 15), tz=HKT
    )

    assert delivery.outcome == "sent"
    (message,) = rasa.sent
    assert message.body["text"] == (
        f"你嘅投訴 {lost_parcel}（貨件遺失）已經處理好：已經搵返，聽日送到。"
        "如果仲有咩唔妥，直接喺度回覆，我會轉交俾同事。"
    )


def test_an_explicit_choice_of_english_wins_over_chinese_messages(
    engine: Engine, notifier: RasaClient, rasa: RasaStandIn, lost_parcel: str
) -> None:
    rasa.events["tg-4711"] = [{"event": "user", "text": "我份貨唔見咗"}]
    rasa.states["tg-4711"] = {"slots": {"language": "en"}}
    with db.session_scope(engine) as session:
        resolve(session, lost_parcel, "Found it", actor="amy", now=hkt(2026, 11, 26, 15))

    deliver_resolution(
        engine, notifier, lost_parcel, publish=_ignore, now=hkt(2026, 11, 26, 15), tz=HKT
    )

    (message,) = rasa.sent
    assert message.body["text"].startswith(f"Your complaint {lost_parcel} (lost shipment)")


def test_when_the_language_cannot_be_read_nothing_is_sent_and_it_is_retried(
    engine: Engine, notifier: RasaClient, rasa: RasaStandIn, lost_parcel: str
) -> None:
    rasa.fail_status = 503

    down = _run(engine, notifier, hkt(2026, 11, 26, 17, 1))
    rasa.fail_status = None
    rasa.events["tg-4711"] = [{"event": "user", "text": "幾時有人覆我"}]
    up = _run(engine, notifier, hkt(2026, 11, 26, 17, 2))

    assert [d.outcome for d in down.deliveries] == ["failed"]
    assert [d.outcome for d in up.deliveries] == ["sent"]
    (message,) = rasa.sent
    assert message.body["text"].startswith(f"關於你嘅投訴 {lost_parcel}")
