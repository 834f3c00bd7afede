"""Business-hours arithmetic: after hours, weekends, holidays, several days, time zones, DST."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.domain.business_hours import BusinessCalendar, format_promise
from bot.domain.service_levels import service_levels
from tests.domain.complaints.conftest import HKT, hkt

UTC = timezone.utc
LONDON = ZoneInfo("Europe/London")


@pytest.fixture(scope="module")
def hk() -> BusinessCalendar:
    """The shipped Hong Kong calendar."""
    return service_levels().calendar


def london(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON)  # type: ignore[misc]


@pytest.fixture(scope="module")
def london_office() -> BusinessCalendar:
    """A London office open Monday to Friday 09:00-17:30."""
    weekdays = dict.fromkeys(
        ("monday", "tuesday", "wednesday", "thursday", "friday"), "09:00-17:30"
    )
    return BusinessCalendar.from_config(
        {
            "timezone": "Europe/London",
            "opening_hours": {**weekdays, "saturday": "closed", "sunday": "closed"},
        }
    )


@pytest.fixture(scope="module")
def london_always_open() -> BusinessCalendar:
    """A London operation open round the clock, to see the clock changes themselves."""
    days = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    return BusinessCalendar.from_config(
        {"timezone": "Europe/London", "opening_hours": dict.fromkeys(days, "00:00-24:00")}
    )


@pytest.mark.parametrize(
    ("start", "hours", "expected"),
    [
        pytest.param(hkt(2026, 11, 26, 13), 4, hkt(2026, 11, 26, 17), id="same-afternoon"),
        pytest.param(hkt(2026, 11, 26, 17), 2, hkt(2026, 11, 27, 10), id="overnight"),
        pytest.param(hkt(2026, 11, 26, 13), 1.5, hkt(2026, 11, 26, 14, 30), id="fraction"),
        pytest.param(hkt(2026, 11, 26, 7, 30), 2, hkt(2026, 11, 26, 11), id="before-opening"),
        pytest.param(hkt(2026, 11, 27, 20), 2, hkt(2026, 11, 28, 11), id="friday-evening"),
        pytest.param(hkt(2026, 11, 28, 12), 2, hkt(2026, 11, 30, 10), id="saturday-half-day"),
        pytest.param(hkt(2026, 11, 29, 10), 2, hkt(2026, 11, 30, 11), id="sunday"),
        pytest.param(hkt(2026, 11, 26, 13), 8, hkt(2026, 11, 27, 12), id="into-next-day"),
        pytest.param(hkt(2026, 11, 23, 9), 49, hkt(2026, 11, 28, 13), id="a-full-week"),
        pytest.param(hkt(2026, 11, 23, 9), 50, hkt(2026, 11, 30, 10), id="more-than-a-week"),
        pytest.param(hkt(2026, 12, 24, 17), 2, hkt(2026, 12, 28, 10), id="christmas"),
        pytest.param(hkt(2026, 2, 16, 17, 30), 1, hkt(2026, 2, 20, 9, 30), id="lunar-new-year"),
        pytest.param(hkt(2027, 2, 5, 17), 2, hkt(2027, 2, 10, 10), id="lunar-new-year-2027"),
        pytest.param(hkt(2026, 11, 29, 15), 0, hkt(2026, 11, 30, 9), id="zero-from-closed"),
    ],
)
def test_add_business_hours(
    hk: BusinessCalendar, start: datetime, hours: float, expected: datetime
) -> None:
    due = hk.add_business_hours(start, hours)

    assert due == expected
    assert due.utcoffset() == timedelta(0)


def test_a_start_in_another_zone_is_the_same_moment(hk: BusinessCalendar) -> None:
    # 05:00 UTC is 13:00 in Hong Kong.
    assert hk.add_business_hours(datetime(2026, 11, 26, 5, tzinfo=UTC), 4) == hkt(2026, 11, 26, 17)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (hkt(2026, 11, 26, 13), hkt(2026, 11, 26, 17), 4.0),
        (hkt(2026, 11, 26, 13), hkt(2026, 11, 30, 10), 5 + 9 + 4 + 1),
        (hkt(2026, 11, 28, 13), hkt(2026, 11, 30, 9), 0.0),
        (hkt(2026, 12, 21, 9), hkt(2026, 12, 28, 9), 4 * 9),  # 25 and 26 Dec are holidays
        (hkt(2026, 11, 30, 10), hkt(2026, 11, 26, 13), -19.0),
    ],
)
def test_business_hours_between(
    hk: BusinessCalendar, a: datetime, b: datetime, expected: float
) -> None:
    assert hk.business_hours_between(a, b) == pytest.approx(expected)


@pytest.mark.parametrize("hours", [0.25, 1, 4, 8, 16, 27, 90])
@pytest.mark.parametrize(
    "start",
    [hkt(2026, 11, 26, 13), hkt(2026, 11, 27, 19), hkt(2026, 12, 24, 12, 45), hkt(2026, 12, 25, 9)],
)
def test_between_undoes_add(hk: BusinessCalendar, start: datetime, hours: float) -> None:
    assert hk.business_hours_between(start, hk.add_business_hours(start, hours)) == pytest.approx(
        hours
    )


@pytest.mark.parametrize(
    ("at", "open_"),
    [
        (hkt(2026, 11, 26, 9), True),
        (hkt(2026, 11, 26, 8, 59), False),
        (hkt(2026, 11, 26, 17, 59), True),
        (hkt(2026, 11, 26, 18), False),
        (hkt(2026, 11, 28, 12, 59), True),
        (hkt(2026, 11, 28, 13), False),
        (hkt(2026, 11, 29, 11), False),  # Sunday
        (hkt(2026, 10, 1, 11), False),  # National Day
        (hkt(2027, 6, 9, 11), False),  # Tuen Ng Festival 2027
    ],
)
def test_is_open(hk: BusinessCalendar, at: datetime, open_: bool) -> None:
    assert hk.is_open(at) is open_


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (hkt(2026, 11, 26, 13), hkt(2026, 11, 26, 13)),
        (hkt(2026, 11, 27, 18), hkt(2026, 11, 28, 9)),
        (hkt(2026, 11, 28, 13), hkt(2026, 11, 30, 9)),
        (hkt(2026, 12, 24, 18, 30), hkt(2026, 12, 28, 9)),
    ],
)
def test_next_opening(hk: BusinessCalendar, at: datetime, expected: datetime) -> None:
    assert hk.next_opening(at) == expected


def test_naive_times_and_negative_hours_are_refused(hk: BusinessCalendar) -> None:
    with pytest.raises(ValueError, match="naive"):
        hk.add_business_hours(datetime(2026, 11, 26, 13), 1)
    with pytest.raises(ValueError, match="0 or more"):
        hk.add_business_hours(hkt(2026, 11, 26, 13), -1)
    with pytest.raises(ValueError, match="naive"):
        hk.is_open(datetime(2026, 11, 26, 13))


def test_opening_hours_keep_local_time_across_the_spring_clock_change(
    london_office: BusinessCalendar,
) -> None:
    # Friday 27 March 2026 is GMT; the clocks go forward on Sunday 29 March.
    due = london_office.add_business_hours(london(2026, 3, 27, 16, 30), 2)

    assert due == london(2026, 3, 30, 10)  # 10:00 BST
    assert due == datetime(2026, 3, 30, 9, tzinfo=UTC)
    assert format_promise(due, LONDON) == "Monday 30 Mar, 10:00 (BST)"


def test_opening_hours_keep_local_time_across_the_autumn_clock_change(
    london_office: BusinessCalendar,
) -> None:
    due = london_office.add_business_hours(london(2026, 10, 23, 16, 30), 2)

    assert due == datetime(2026, 10, 26, 10, tzinfo=UTC)  # 10:00 GMT
    assert format_promise(due, LONDON) == "Monday 26 Oct, 10:00 (GMT)"


def test_a_day_with_a_clock_change_has_23_or_25_hours(london_always_open: BusinessCalendar) -> None:
    cal = london_always_open
    assert cal.business_hours_between(london(2026, 3, 28), london(2026, 3, 30)) == 47
    assert cal.business_hours_between(london(2026, 10, 24), london(2026, 10, 26)) == 49
    assert cal.add_business_hours(london(2026, 3, 29), 23) == london(2026, 3, 30)
    assert cal.add_business_hours(london(2026, 10, 25), 25) == london(2026, 10, 26)


@pytest.mark.parametrize(
    ("moment", "zone", "expected"),
    [
        (hkt(2026, 11, 26, 17), "Asia/Hong_Kong", "Thursday 26 Nov, 17:00 (HKT)"),
        (datetime(2026, 11, 26, 9, tzinfo=UTC), "Asia/Hong_Kong", "Thursday 26 Nov, 17:00 (HKT)"),
        (hkt(2026, 7, 1, 20), "Europe/London", "Wednesday 1 Jul, 13:00 (BST)"),
        (hkt(2026, 1, 2, 20), "Europe/London", "Friday 2 Jan, 12:00 (GMT)"),
        (hkt(2026, 11, 26, 17), "Asia/Singapore", "Thursday 26 Nov, 17:00 (UTC+8)"),
        (hkt(2026, 11, 26, 17), "Asia/Kathmandu", "Thursday 26 Nov, 14:45 (UTC+5:45)"),
        (hkt(2026, 11, 26, 17), "America/New_York", "Thursday 26 Nov, 04:00 (EST)"),
    ],
)
def test_format_promise_names_the_zone(moment: datetime, zone: str, expected: str) -> None:
    assert format_promise(moment, ZoneInfo(zone)) == expected


def test_the_shipped_calendar_is_hong_kong(hk: BusinessCalendar) -> None:
    assert hk.tz == HKT
    assert len([d for d in hk.holidays if d.year == 2026]) == 17
    assert len([d for d in hk.holidays if d.year == 2027]) == 17
    # Every shipped holiday has its Chinese name for Chinese conversations.
    assert set(hk.holiday_names_zh) == set(hk.holidays)
    assert hk.holiday_name(date(2026, 12, 25), "zh") == "聖誕節"
    assert hk.holiday_name(date(2026, 12, 25), "en") == "Christmas Day"
