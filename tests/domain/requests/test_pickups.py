"""Pick-ups: the day and window a customer gives, read and checked against the calendar."""

from __future__ import annotations

from datetime import date, time

import pytest

from bot.domain.requests.pickups import (
    check_pickup,
    parse_day,
    parse_pieces,
    parse_service,
    parse_window,
)
from bot.domain.requests.rules import RequestError
from bot.domain.service_levels import service_levels
from tests.domain.requests.conftest import THURSDAY_1PM, hkt

TODAY = date(2026, 11, 26)  # a Thursday


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("tomorrow", date(2026, 11, 27)),
        ("can you come tmr", date(2026, 11, 27)),
        ("next Monday", date(2026, 11, 30)),
        ("2026-12-07", date(2026, 12, 7)),
        ("7/12", date(2026, 12, 7)),
        ("7 Dec", date(2026, 12, 7)),
        ("Dec 7th please", date(2026, 12, 7)),
        ("聽日", date(2026, 11, 27)),
        ("明天", date(2026, 11, 27)),
        ("星期一", date(2026, 11, 30)),
        ("禮拜六", date(2026, 11, 28)),
        ("12月7號", date(2026, 12, 7)),
        ("十二月七號", date(2026, 12, 7)),
        ("yesterday", date(2026, 11, 25)),
        ("1/1", date(2027, 1, 1)),
    ],
)
def test_days_are_read_in_english_and_chinese(text: str, day: date) -> None:
    assert parse_day(text, TODAY) == day


@pytest.mark.parametrize("text", ["whenever", "asap", "", "200kg"])
def test_no_day_is_none(text: str) -> None:
    assert parse_day(text, TODAY) is None


@pytest.mark.parametrize(
    ("text", "window"),
    [
        ("2-5pm", (time(14), time(17))),
        ("14:00 to 17:00", (time(14), time(17))),
        ("10am-12", (time(10), time(12))),
        ("11am-1", (time(11), time(13))),
        ("from 3pm", (time(15), None)),
        ("下午2點至5點", (time(14), time(17))),
        ("下午兩點到五點半", (time(14), time(17, 30))),
        ("上午十點", (time(10), None)),
    ],
)
def test_windows_are_read_in_english_and_chinese(
    text: str, window: tuple[time, time | None]
) -> None:
    assert parse_window(text) == window


@pytest.mark.parametrize("text", ["2026-12-07", "7/12", "tomorrow"])
def test_a_date_is_no_window(text: str) -> None:
    assert parse_window(text) is None


def test_a_window_beside_a_date_is_read() -> None:
    assert parse_window("2026-12-07 2-5pm") == (time(14), time(17))


def test_pieces_and_services() -> None:
    assert parse_pieces("3 cartons") == 3
    assert parse_pieces("三件") == 3
    assert parse_pieces("about 20kg") is None
    assert parse_service("Express please") == "express"
    assert parse_service("海運") == "sea_lcl"
    assert parse_service("whatever") is None


def _check(**changes: object) -> object:
    fields: dict[str, object] = {
        "day": date(2026, 11, 27),
        "ready": time(14),
        "until": time(17),
        "pieces": 3,
        "weight_kg": 25.0,
        "service": "express",
        "now": THURSDAY_1PM,
        **changes,
    }
    return check_pickup(service_levels().calendar, **fields)  # type: ignore[arg-type]


def test_a_good_pickup_is_a_slot_in_utc() -> None:
    slot = _check()
    assert slot.ready_at == hkt(2026, 11, 27, 14) and slot.window_end == hkt(2026, 11, 27, 17)
    assert (slot.pieces, slot.weight_kg, slot.service) == (3, 25.0, "express")


def test_without_an_end_the_window_runs_to_closing() -> None:
    slot = _check(day=date(2026, 11, 28), ready=time(10), until=None)  # Saturday: to 13:00
    assert slot.window_end == hkt(2026, 11, 28, 13)


@pytest.mark.parametrize(
    ("changes", "code", "params"),
    [
        ({"day": date(2026, 11, 25)}, "pickup_past", {"day": "2026-11-25"}),
        (
            {"day": date(2026, 12, 25)},
            "pickup_holiday",
            {"day": "2026-12-25", "holiday": "Christmas Day", "holiday_zh": "聖誕節"},
        ),
        ({"day": date(2026, 11, 29)}, "pickup_closed_day", {"day": "2026-11-29"}),
        ({"day": date(2027, 3, 1)}, "pickup_too_far", {"days": 30}),
        ({"day": None}, "pickup_day_missing", {}),
        ({"ready": None}, "pickup_time_missing", {}),
        ({"ready": time(17), "until": time(19)}, "pickup_outside_hours", {"hours": "09:00-18:00"}),
        ({"ready": time(14), "until": time(14, 30)}, "pickup_window_short", {"minutes": 60}),
        ({"weight_kg": None}, "pickup_weight_missing", {}),
        ({"weight_kg": 9000.0}, "pickup_too_heavy", {"limit": "5,000"}),
        ({"pieces": 0}, "pickup_pieces_missing", {}),
        ({"service": None}, "pickup_service_missing", {}),
    ],
)
def test_each_problem_is_named(
    changes: dict[str, object], code: str, params: dict[str, object]
) -> None:
    with pytest.raises(RequestError) as caught:
        _check(**changes)
    assert caught.value.code == code
    assert caught.value.params == params


def test_today_only_before_the_cutoff() -> None:
    today = date(2026, 11, 26)
    assert _check(day=today, ready=time(16), until=time(18)).ready_at == hkt(2026, 11, 26, 16)
    with pytest.raises(RequestError) as caught:
        _check(day=today, ready=time(16), until=time(18), now=hkt(2026, 11, 26, 15, 5))
    assert (caught.value.code, caught.value.params) == ("pickup_after_cutoff", {"cutoff": "15:00"})


def test_a_time_already_passed_today_is_in_the_past() -> None:
    with pytest.raises(RequestError) as caught:
        _check(day=date(2026, 11, 26), ready=time(10), until=time(12))
    assert caught.value.code == "pickup_past"
