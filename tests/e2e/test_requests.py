"""Customer requests end to end: each kind taken in a conversation on the real stack.

On the real model, action server and Rasa server, through the REST channel, in English
and in Chinese: a pick-up booked (a public holiday, a past date and a missing weight get a
clear answer and lose nothing), a pick-up cancelled and moved by its reference, another
chat's pick-up refused, a new delivery address refused for someone else's shipment and
taken for the customer's own, hold for collection, a redelivery, an invoice and a proof
of delivery copy. What the database holds is checked after each: nothing half saved.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from sqlalchemy import select

from bot.domain.requests.pickups import MAX_DAYS_AHEAD, check_pickup
from bot.domain.requests.records import create_pickup
from bot.domain.service_levels import service_levels
from bot.storage.db import get_engine, session_scope
from bot.storage.models import CustomerRequest
from tests.e2e.conftest import Customer, RunningStack

REFERENCE = re.compile(r"REQ-\d{4}-\d{5}")
ADDRESS = "12/F, Harbour Centre, 25 Harbour Road, Wan Chai"
ADDRESS_ZH = "灣仔港灣道25號海港中心12樓"


def _requests(stack: RunningStack, sender: str) -> list[CustomerRequest]:
    with session_scope(get_engine(stack.database_url)) as session:
        rows = session.execute(
            select(CustomerRequest)
            .where(CustomerRequest.sender_id == sender)
            .order_by(CustomerRequest.id)
        )
        found = list(rows.scalars().all())
        session.expunge_all()
        return found


def _working_day(after: int = 2) -> date:
    """A day the couriers collect on, ``after`` days or more from today (Hong Kong)."""
    calendar = service_levels().calendar
    day = datetime.now(calendar.tz).date() + timedelta(days=after)
    # A Saturday closes at 13:00: the tests ask for afternoons.
    while day.weekday() == 5 or not calendar.periods_on(day):
        day += timedelta(days=1)
    return day


def _holiday() -> tuple[date, str]:
    """The next public holiday within the booking horizon (the calendar lists every year)."""
    calendar = service_levels().calendar
    today = datetime.now(calendar.tz).date()
    upcoming = sorted(day for day in calendar.holidays if day > today)
    day = upcoming[0]
    return day, calendar.holidays[day]


def _yesterday() -> date:
    calendar = service_levels().calendar
    return datetime.now(calendar.tz).date() - timedelta(days=1)


def _text(messages: list[dict[str, object]]) -> str:
    return "\n".join(str(m.get("text") or "") for m in messages)


def test_a_pickup_is_booked_and_bad_answers_lose_nothing(
    running_stack: RunningStack, customer: Customer
) -> None:
    opening = customer.reply_text("I'd like to book a pick-up")
    assert "where should we collect from" in opening

    assert "which day" in customer.reply_text(ADDRESS)

    holiday, name = _holiday()
    answer = customer.reply_text(holiday.isoformat())
    assert "public holiday" in answer and name.lower() in answer
    answer = customer.reply_text(_yesterday().isoformat())
    assert "already passed" in answer

    day = _working_day()
    assert "from what time" in customer.reply_text(day.isoformat())
    assert "how many pieces" in customer.reply_text("2pm to 5pm")
    assert "total weight" in customer.reply_text("3 cartons")
    # No weight: asked again, clearly, and nothing is saved.
    answer = customer.reply_text("not sure")
    assert "total weight" in answer
    assert _requests(running_stack, customer.sender) == []
    # A question in the middle is answered and the form goes on.
    answer = customer.reply_text("what are your opening hours?")
    assert "monday to friday" in answer and "total weight" in answer
    assert "which service" in customer.reply_text("25 kg")

    summary = customer.say("express")
    text = _text(summary)
    assert ADDRESS in text and "3 piece(s), 25 kg" in text
    assert [b["title"] for b in summary[-1]["buttons"]] == ["Book it", "Change something"]  # type: ignore[index]
    assert _requests(running_stack, customer.sender) == []

    receipt = customer.reply_text("yes")
    (row,) = _requests(running_stack, customer.sender)
    assert row.reference.lower() in receipt and "your pick-up is booked" in receipt
    assert (row.kind, row.pieces, row.weight_kg, row.service, row.address) == (
        "pickup",
        3,
        25.0,
        "express",
        ADDRESS,
    )
    tz = service_levels().calendar.tz
    assert row.ready_at.astimezone(tz).replace(tzinfo=None) == datetime.combine(
        day, datetime.min.time()
    ) + timedelta(hours=14)
    assert row.window_end.astimezone(tz).hour == 17


def test_a_pickup_stopped_half_way_saves_nothing(
    running_stack: RunningStack, customer: Customer
) -> None:
    customer.say("please book a collection")
    customer.say(ADDRESS)
    assert "stopped" in customer.reply_text("stop")
    assert _requests(running_stack, customer.sender) == []


def test_a_pickup_is_booked_in_chinese(running_stack: RunningStack, customer: Customer) -> None:
    opening = _text(customer.say("我想預約上門收件"))
    assert "去邊度收件" in opening

    assert "邊日" in _text(customer.say(ADDRESS_ZH))
    holiday, _name = _holiday()
    answer = _text(customer.say(f"{holiday.month}月{holiday.day}日"))
    # Named as Hong Kong's gazette names it in Chinese, never in English.
    chinese_name = service_levels().calendar.holiday_name(holiday, "zh")
    assert "公眾假期" in answer and f"（{chinese_name}）" in answer
    day = _working_day()
    assert "幾點準備好" in _text(customer.say(f"{day.month}月{day.day}號"))
    assert "幾多件" in _text(customer.say("下午2點至5點"))
    assert "總重量" in _text(customer.say("三件"))
    # "唔知" is no weight: asked again.
    assert "總重量" in _text(customer.say("唔知"))
    assert "邊種服務" in _text(customer.say("20公斤"))
    summary = _text(customer.say("特快速遞"))
    assert "3 件，合共 20 公斤" in summary and ADDRESS_ZH in summary

    receipt = _text(customer.say("係"))
    (row,) = _requests(running_stack, customer.sender)
    assert f"已經幫你預約上門收件：{row.reference}" in receipt
    assert (row.pieces, row.weight_kg, row.service) == (3, 20.0, "express")


def _pickup_for(stack: RunningStack, sender: str) -> str:
    """A pick-up booked from ``sender``'s chat, as the form would save it."""
    calendar = service_levels().calendar
    day = _working_day()
    slot = check_pickup(
        calendar,
        day=day,
        ready=datetime.strptime("14:00", "%H:%M").time(),
        until=datetime.strptime("17:00", "%H:%M").time(),
        pieces=2,
        weight_kg=10,
        service="express",
        now=datetime.now(calendar.tz),
    )
    assert (day - datetime.now(calendar.tz).date()).days <= MAX_DAYS_AHEAD
    with session_scope(get_engine(stack.database_url)) as session:
        return create_pickup(
            session, sender_id=sender, channel="rest", address=ADDRESS, slot=slot
        ).reference


def test_a_pickup_is_cancelled_by_its_reference(
    running_stack: RunningStack, customer: Customer
) -> None:
    reference = _pickup_for(running_stack, customer.sender)
    asked = customer.reply_text(f"please cancel my pick-up {reference}")
    assert f"shall i ask for pick-up {reference.lower()} to be cancelled?" in asked
    assert [r.kind for r in _requests(running_stack, customer.sender)] == ["pickup"]
    answer = customer.reply_text("yes")
    rows = _requests(running_stack, customer.sender)
    assert [r.kind for r in rows] == ["pickup", "pickup_cancel"]
    assert rows[1].related_reference == reference
    assert rows[1].reference.lower() in answer and "cancellation" in answer


def test_a_pickup_kept_when_the_customer_says_no(
    running_stack: RunningStack, customer: Customer
) -> None:
    reference = _pickup_for(running_stack, customer.sender)
    customer.say(f"cancel pick-up {reference}")
    answer = customer.reply_text("no")
    assert f"pick-up {reference.lower()} stays as it was booked" in answer
    assert [r.kind for r in _requests(running_stack, customer.sender)] == ["pickup"]


def test_another_chats_pickup_cannot_be_cancelled(
    running_stack: RunningStack, customer: Customer
) -> None:
    reference = _pickup_for(running_stack, "someone-else")
    answer = customer.reply_text(f"cancel pick-up {reference}")
    assert "couldn't find an open pick-up" in answer
    assert _requests(running_stack, customer.sender) == []
    assert "stopped" in customer.reply_text("stop")


def test_a_pickup_is_moved_in_chinese(running_stack: RunningStack, customer: Customer) -> None:
    reference = _pickup_for(running_stack, customer.sender)
    answer = _text(customer.say(f"收件 {reference} 想改時間"))
    assert "邊日" in answer
    day = _working_day(3)
    assert "幾點準備好" in _text(customer.say(f"{day.month}月{day.day}日"))
    asked = _text(customer.say("上午10點至12點"))
    assert f"要唔要幫你申請將收件 {reference} 改到" in asked and "10:00" in asked
    receipt = _text(customer.say("係"))
    rows = _requests(running_stack, customer.sender)
    assert [r.kind for r in rows] == ["pickup", "pickup_reschedule"]
    assert rows[1].reference in receipt and reference in receipt
    tz = service_levels().calendar.tz
    assert rows[1].ready_at.astimezone(tz).hour == 10


def test_an_address_change_for_someone_elses_shipment_is_refused_then_taken(
    running_stack: RunningStack, customer: Customer
) -> None:
    assert "tracking number" in customer.reply_text("I need to change the delivery address")
    assert "on the booking" in customer.reply_text("160-48219371")
    answer = customer.reply_text("+852 6000 0000")
    assert "couldn't find shipment 160-48219371 booked with that email or phone" in answer
    assert _requests(running_stack, customer.sender) == []
    assert "on the booking" in customer.reply_text("160-48219371")
    assert "new delivery address" in customer.reply_text("9123 4567")
    receipt = customer.reply_text("Flat 5, 12/F, 8 Nathan Road, Tsim Sha Tsui")
    (row,) = _requests(running_stack, customer.sender)
    assert (row.kind, row.shipment_ref, row.contact) == (
        "address_change",
        "160-48219371",
        "+85291234567",
    )
    assert row.reference.lower() in receipt and "delivery address change" in receipt


def test_a_parcel_is_held_for_collection(running_stack: RunningStack, customer: Customer) -> None:
    customer.say("can you hold my parcel for collection")
    customer.say("RB482017363HK")
    receipt = customer.reply_text("+852 9123 4567")
    (row,) = _requests(running_stack, customer.sender)
    assert (row.kind, row.shipment_ref) == ("hold_for_collection", "RB482017363HK")
    assert row.reference.lower() in receipt


def test_a_missed_delivery_is_delivered_again(
    running_stack: RunningStack, customer: Customer
) -> None:
    answer = customer.say("I missed the delivery")
    assert [b["title"] for b in answer[-1]["buttons"]] == [  # type: ignore[index]
        "Deliver again",
        "Deliver to another address",
        "Hold it for collection",
    ]
    customer.say("redeliver")
    customer.say("7301558261")
    receipt = customer.reply_text("orders@harbourtrading.hk")
    (row,) = _requests(running_stack, customer.sender)
    assert (row.kind, row.shipment_ref) == ("redeliver", "7301558261")
    assert "new delivery" in receipt


def test_an_invoice_copy_in_chinese(running_stack: RunningStack, customer: Customer) -> None:
    customer.say("想要發票副本")
    customer.say("160-48219371")
    receipt = _text(customer.say("我電話係 9123 4567"))
    (row,) = _requests(running_stack, customer.sender)
    assert row.kind == "invoice_copy"
    assert f"你嘅發票副本要求（160-48219371）編號係 {row.reference}" in receipt


def test_a_proof_of_delivery_only_once_delivered(
    running_stack: RunningStack, customer: Customer
) -> None:
    customer.say("can I get proof of delivery")
    customer.say("2584701932")
    answer = customer.reply_text("+852 6234 5678")
    assert "hasn't been delivered yet" in answer
    assert _requests(running_stack, customer.sender) == []
    customer.say("proof of delivery")
    customer.say("EE219003741HK")
    receipt = customer.reply_text("orders@harbourtrading.hk")
    (row,) = _requests(running_stack, customer.sender)
    assert (row.kind, row.shipment_ref) == ("pod_copy", "EE219003741HK")
    assert "proof of delivery copy" in receipt
