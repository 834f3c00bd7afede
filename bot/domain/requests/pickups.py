"""Pick-ups: reading the day and the time window a customer gives, and checking them.

A pick-up is collected in the service centre's opening hours (the business-hours calendar
of :mod:`bot.domain.service_levels`): never on a closed day or a public holiday, never in
the past, and a pick-up for today only when it is booked before the day's cut-off
(:data:`SAME_DAY_CUTOFF`). The window is at least :data:`MIN_WINDOW` long and lies in one
opening period. Days and times are read in English and Chinese ("tomorrow", "Mon",
"7/12", "12月7日", "聽日"; "2-5pm", "14:00 to 17:00", "下午兩點至五點").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from bot.core.i18n import normalise_input
from bot.core.i18n.numerals import chinese_integer
from bot.domain.business_hours import UTC, BusinessCalendar
from bot.domain.requests.rules import RequestError
from bot.domain.units import parse_weight_kg

#: A pick-up for today must be booked before this local time.
SAME_DAY_CUTOFF = time(15, 0)
#: The shortest collection window a driver can keep.
MIN_WINDOW = timedelta(hours=1)
#: How far ahead a pick-up can be booked.
MAX_DAYS_AHEAD = 30
#: Most pieces and kilograms one collection takes; more goes to a colleague as cargo.
MAX_PIECES = 500
MAX_WEIGHT_KG = 5_000.0
#: Services a pick-up can be booked for (codes of ``bot.storage.models.MODES``).
SERVICES: tuple[str, ...] = ("express", "economy", "air", "sea_lcl")

_SERVICE_WORDS: dict[str, tuple[str, ...]] = {
    "express": ("express", "courier", "速遞", "快遞", "特快"),
    "economy": ("economy", "standard", "經濟", "平"),
    "air": ("air", "空運"),
    "sea_lcl": ("sea", "lcl", "ocean", "海運", "拼箱"),
}

_WEEKDAYS_EN = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WEEKDAYS_ZH = "123456日"
_MONTHS_EN = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_ZH_NUMBER = re.compile(r"[零〇一二兩三四五六七八九十百千]+")

_ISO_DAY = re.compile(r"(?<!\d)(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)")
_DAY_MONTH = re.compile(r"(?<![\d:])(\d{1,2})/(\d{1,2})(?![\d:/])")
_ZH_DAY = re.compile(r"(?:(\d{1,2})\s*月\s*)?(\d{1,2})\s*[日號号]")
_EN_DAY = re.compile(
    r"(?:(\d{1,2})(?:st|nd|rd|th)?\s+(" + "|".join(_MONTHS_EN) + r")[a-z]*)"
    r"|(?:(" + "|".join(_MONTHS_EN) + r")[a-z]*\s+(\d{1,2})(?:st|nd|rd|th)?)"
)
_ZH_WEEKDAY = re.compile(r"(?:星期|禮拜|礼拜|週|周)([1-6日天])")

_CLOCK = r"(\d{1,2})(?:[:.：](\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)?"
_EN_WINDOW = re.compile(_CLOCK + r"\s*(?:-|–|to|until|till|~)\s*" + _CLOCK)
_EN_TIME = re.compile(r"(?<![\d/])" + _CLOCK + r"(?![\d/])")
_ZH_PERIOD = r"(上午|早上|朝早|下午|晏晝|中午|晚上|夜晚)?"
_ZH_CLOCK = _ZH_PERIOD + r"\s*(\d{1,2})\s*(?:點|点|時|时)\s*(半|(\d{1,2})\s*分?)?"
_ZH_WINDOW = re.compile(_ZH_CLOCK + r"\s*(?:至|到|-|–|~)\s*" + _ZH_CLOCK)
_ZH_TIME = re.compile(_ZH_CLOCK)
_PIECES = re.compile(r"(?<![\d.:/])(\d{1,4})(?![\d.:/])(?!\s*(?:kg|公斤|千克|kilo|lb|磅|噸|t\b))")
#: A number of pieces with what it counts ("3 boxes", "三件").
COUNTED_PIECES = re.compile(
    r"(?<![\d.:/])(\d{1,4})\s*(?:pieces?|pcs?|boxes|box|cartons?|ctns?|pallets?|parcels?|packages?"
    r"|bags?|件|箱|個箱|個紙箱|板|卡板|包)"
)


@dataclass(frozen=True)
class PickupSlot:
    """A checked collection window (aware UTC) and what is collected."""

    ready_at: datetime
    window_end: datetime
    pieces: int
    weight_kg: float
    service: str


def _zh_digits(text: str) -> str:
    """Chinese numerals as digits ("十二月七號" -> "12月7號", "兩點" -> "2點")."""

    def digits(match: re.Match[str]) -> str:
        return str(chinese_integer(match.group()))

    return _ZH_NUMBER.sub(digits, text)


def _prepare(text: str) -> str:
    return _zh_digits(normalise_input(text or "").casefold())


def _valid_day(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _next_date(month: int, day: int, today: date) -> date | None:
    """The date with this month and day, this year or (when passed) next year."""
    found = _valid_day(today.year, month, day)
    if found is not None and found < today - timedelta(days=1):
        found = _valid_day(today.year + 1, month, day)
    return found


def parse_day(text: str, today: date) -> date | None:
    """The day a customer names, in English or Chinese, or None.

    A day already past this year ("3/1" in December) means next year, except yesterday
    and today, which are kept so that a past date can be told apart from nonsense.

    Args:
        text: e.g. "tomorrow", "next Monday", "2026-12-07", "7/12" (day/month, as in
            Hong Kong), "7 Dec", "Dec 7th", "聽日", "星期一", "12月7號".
        today: the local date now.
    """
    clean = _prepare(text)
    if match := _ISO_DAY.search(clean):
        return _valid_day(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    if match := _ZH_DAY.search(clean):
        month = int(match.group(1)) if match.group(1) else today.month
        day = int(match.group(2))
        if match.group(1) is None:
            found = _valid_day(today.year, month, day)
            if found is not None and found < today - timedelta(days=1):
                nxt = today.replace(day=1) + timedelta(days=32)
                return _valid_day(nxt.year, nxt.month, day)
            return found
        return _next_date(month, day, today)
    if match := _EN_DAY.search(clean):
        if match.group(1):
            day, month_word = int(match.group(1)), match.group(2)
        else:
            day, month_word = int(match.group(4)), match.group(3)
        return _next_date(_MONTHS_EN.index(month_word[:3]) + 1, day, today)
    if match := _DAY_MONTH.search(clean):
        return _next_date(int(match.group(2)), int(match.group(1)), today)
    if re.search(r"day after tomorrow|後日|后天|後天", clean):
        return today + timedelta(days=2)
    if re.search(r"tomorrow|tmr|聽日|明天|明日|听日", clean):
        return today + timedelta(days=1)
    if re.search(r"yesterday|琴日|昨天|尋日", clean):
        return today - timedelta(days=1)
    if re.search(r"today|tonight|this afternoon|this morning|今日|今天|今晚", clean):
        return today
    weekday: int | None = None
    if match := _ZH_WEEKDAY.search(clean):
        weekday = _WEEKDAYS_ZH.index(match.group(1).replace("天", "日"))
    elif match := re.search(r"\b(" + "|".join(_WEEKDAYS_EN) + r")[a-z]*\b", clean):
        weekday = _WEEKDAYS_EN.index(match.group(1))
    if weekday is not None:
        ahead = (weekday - today.weekday()) % 7 or 7
        return today + timedelta(days=ahead)
    return None


def _hour(hour: int, minute: int, marker: str | None, default_pm: bool) -> time | None:
    marker = (marker or "").replace(".", "")
    if marker in ("pm", "下午", "晏晝", "晚上", "夜晚") and hour < 12:
        hour += 12
    elif marker == "am" and hour == 12:
        hour = 0
    elif marker == "中午" and hour < 6:
        hour += 12
    elif not marker and default_pm and 1 <= hour <= 7:
        # "2 to 5" at a freight desk means the afternoon.
        hour += 12
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        return None
    return time(hour, minute)


def _zh_minute(half: str | None, minutes: str | None) -> int:
    if minutes:
        return int(minutes)
    return 30 if half else 0


def parse_window(text: str) -> tuple[time, time | None] | None:
    """The local time a pick-up is ready from, and until when, or None.

    Args:
        text: e.g. "2-5pm", "14:00 to 17:00", "10am-12", "from 3pm" (no end given),
            "下午2點至5點", "下午兩點到五點半".

    Returns:
        ``(ready, until)``; ``until`` is None when only the ready time was given.
    """
    # A date is not a time: "2026-12-07" holds no "12-07" window, "7/12" no "7".
    clean = _DAY_MONTH.sub(" ", _ISO_DAY.sub(" ", _prepare(text)))
    if match := _ZH_WINDOW.search(clean):
        g = match.groups()
        start = _hour(int(g[1]), _zh_minute(g[2], g[3]), g[0], True)
        end = _hour(int(g[5]), _zh_minute(g[6], g[7]), g[4] or g[0], True)
        if start and end and end <= start and end.hour < 12:
            end = time(end.hour + 12, end.minute)
        return (start, end) if start and end else None
    if match := _EN_WINDOW.search(clean):
        h1, m1, p1, h2, m2, p2 = match.groups()
        start = _hour(int(h1), int(m1 or 0), p1 or (p2 if int(h1) <= int(h2) else None), True)
        end = _hour(int(h2), int(m2 or 0), p2 or p1, True)
        if start and end and end <= start and not p2 and end.hour < 12:
            # "10am-12", "11am-1": the end is the next time that hour comes round.
            end = time(end.hour + 12, end.minute)
        return (start, end) if start and end else None
    if match := _ZH_TIME.search(clean):
        g = match.groups()
        start = _hour(int(g[1]), _zh_minute(g[2], g[3]), g[0], True)
        return (start, None) if start else None
    for match in _EN_TIME.finditer(clean):
        if match.group(2) or match.group(3):
            start = _hour(int(match.group(1)), int(match.group(2) or 0), match.group(3), True)
            return (start, None) if start else None
    return None


def parse_pieces(text: str, *, counted: bool = False) -> int | None:
    """A number of pieces ("3", "3 cartons", "三件"), or None.

    Args:
        text: the customer's words.
        counted: only a number followed by what it counts ("3 boxes", "三件"), as in a
            sentence that also gives a day and a time.
    """
    clean = _prepare(text)
    pattern = COUNTED_PIECES if counted else _PIECES
    match = pattern.search(clean)
    return int(match.group(1)) if match else None


def parse_service(text: str) -> str | None:
    """The service a pick-up is for ("express", "海運"), or None."""
    clean = _prepare(text)
    for code, words in _SERVICE_WORDS.items():
        for word in words:
            found = re.search(rf"\b{word}\b", clean) if word.isascii() else word in clean
            if found:
                return code
    return None


def parse_weight(text: str) -> float | None:
    """The weight in kg (any unit customers use), or None."""
    return parse_weight_kg(text)


def _period_holding(
    calendar: BusinessCalendar, day: date, start: datetime, end: datetime
) -> tuple[datetime, datetime] | None:
    for opens, closes in calendar.periods_on(day):
        if opens <= start and end <= closes:
            return opens, closes
    return None


def check_day(calendar: BusinessCalendar, day: date | None, now: datetime) -> date:
    """A day a pick-up can be collected on.

    Raises:
        RequestError: ``pickup_day_missing``, ``pickup_past``, ``pickup_holiday``,
            ``pickup_closed_day``, ``pickup_too_far`` or ``pickup_after_cutoff``.
    """
    local_now = now.astimezone(calendar.tz)
    today = local_now.date()
    if day is None:
        raise RequestError("pickup_day_missing", field="pickup_date")
    if day < today:
        raise RequestError("pickup_past", field="pickup_date", day=day.isoformat())
    if day in calendar.holidays:
        raise RequestError(
            "pickup_holiday",
            field="pickup_date",
            day=day.isoformat(),
            holiday=calendar.holiday_name(day, "en") or day.isoformat(),
            holiday_zh=calendar.holiday_name(day, "zh") or day.isoformat(),
        )
    if not calendar.periods_on(day):
        raise RequestError("pickup_closed_day", field="pickup_date", day=day.isoformat())
    if (day - today).days > MAX_DAYS_AHEAD:
        raise RequestError("pickup_too_far", field="pickup_date", days=MAX_DAYS_AHEAD)
    if day == today and local_now.time() >= SAME_DAY_CUTOFF:
        cutoff = SAME_DAY_CUTOFF.strftime("%H:%M")
        raise RequestError("pickup_after_cutoff", field="pickup_date", cutoff=cutoff)
    return day


def check_window(
    calendar: BusinessCalendar, day: date, ready: time | None, until: time | None, now: datetime
) -> tuple[datetime, datetime]:
    """The collection window on a checked day, as aware UTC ``(ready_at, window_end)``.

    A window without an end runs to the close of the opening period it starts in.

    Raises:
        RequestError: ``pickup_time_missing``, ``pickup_past``, ``pickup_outside_hours``
            or ``pickup_window_short``.
    """
    tz = calendar.tz
    if ready is None:
        raise RequestError("pickup_time_missing", field="pickup_window")
    periods = calendar.periods_on(day)
    hours = ", ".join(
        f"{opens.astimezone(tz):%H:%M}-{closes.astimezone(tz):%H:%M}" for opens, closes in periods
    )
    start = datetime.combine(day, ready, tzinfo=tz)
    if start < now:
        when = f"{day.isoformat()} {ready:%H:%M}"
        raise RequestError("pickup_past", field="pickup_window", day=when)
    if until is None:
        holding = _period_holding(calendar, day, start, start + MIN_WINDOW)
        if holding is None:
            raise RequestError("pickup_outside_hours", field="pickup_window", hours=hours)
        end = holding[1].astimezone(tz)
    else:
        end = datetime.combine(day, until, tzinfo=tz)
    if end - start < MIN_WINDOW:
        minutes = int(MIN_WINDOW.total_seconds() // 60)
        raise RequestError("pickup_window_short", field="pickup_window", minutes=minutes)
    if _period_holding(calendar, day, start, end) is None:
        raise RequestError("pickup_outside_hours", field="pickup_window", hours=hours)
    return start.astimezone(UTC), end.astimezone(UTC)


def check_pieces(pieces: int | None) -> int:
    """A number of pieces one pick-up takes (``pickup_pieces_missing``, ``pickup_too_many``)."""
    if pieces is None or pieces < 1:
        raise RequestError("pickup_pieces_missing", field="pickup_pieces")
    if pieces > MAX_PIECES:
        raise RequestError("pickup_too_many", field="pickup_pieces", limit=MAX_PIECES)
    return pieces


def check_weight(weight_kg: float | None) -> float:
    """A weight one pick-up takes (``pickup_weight_missing``, ``pickup_too_heavy``)."""
    if weight_kg is None or weight_kg <= 0:
        raise RequestError("pickup_weight_missing", field="pickup_weight")
    if weight_kg > MAX_WEIGHT_KG:
        raise RequestError("pickup_too_heavy", field="pickup_weight", limit=f"{MAX_WEIGHT_KG:,.0f}")
    return float(weight_kg)


def check_pickup(
    calendar: BusinessCalendar,
    *,
    day: date | None,
    ready: time | None,
    until: time | None,
    pieces: int | None,
    weight_kg: float | None,
    service: str | None,
    now: datetime,
) -> PickupSlot:
    """Check a whole pick-up against the calendar, the cut-off and the limits.

    Raises:
        RequestError: the first thing wrong, as :func:`check_day`, :func:`check_window`,
            :func:`check_pieces` and :func:`check_weight` name it, or
            ``pickup_service_missing``.
    """
    checked_day = check_day(calendar, day, now)
    ready_at, window_end = check_window(calendar, checked_day, ready, until, now)
    count = check_pieces(pieces)
    weight = check_weight(weight_kg)
    if service not in SERVICES:
        raise RequestError("pickup_service_missing", field="pickup_service")
    return PickupSlot(ready_at, window_end, count, weight, service)
