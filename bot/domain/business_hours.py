"""Business hours of the service centre: the calendar complaint promises are measured in.

A promise such as "a colleague will contact you within 4 hours" means 4 *business* hours:
time the service centre is open. :class:`BusinessCalendar` does that arithmetic in the
centre's time zone (opening hours are wall-clock times, so a zone with daylight saving
time keeps its 09:00 opening through the change) and returns aware UTC datetimes, which
is what the database stores; :func:`format_promise` and :func:`format_day` write such
times for customers.

The calendar is the ``calendar`` section of ``config/service_levels.yml`` (see
``config/README.md``); :meth:`BusinessCalendar.from_config` validates it. The rest of the
file, the targets, is :mod:`bot.domain.service_levels`, which loads the whole file and
builds the calendar through that method. Both sections report a broken entry the same
way, so the file's error (:class:`ServiceLevelsError`) and its :class:`EntryChecker` are
here, below both. Plain Python: imports only core and the standard library.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from typing import Any, NoReturn
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.core.config_files import ConfigFileError

#: Day names as written in the file, Monday first (``date.weekday()`` order).
WEEKDAYS: tuple[str, ...] = (
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
)

DEFAULT_TIMEZONE = "Asia/Hong_Kong"

#: Opening hours when the file gives none: the service centre's published hours.
DEFAULT_OPENING_HOURS: dict[str, str] = {
    "monday": "09:00-18:00",
    "tuesday": "09:00-18:00",
    "wednesday": "09:00-18:00",
    "thursday": "09:00-18:00",
    "friday": "09:00-18:00",
    "saturday": "09:00-13:00",
    "sunday": "closed",
}

UTC = timezone.utc
_MINUTES_PER_DAY = 24 * 60
# A calendar closed this many days in a row is a configuration mistake (every open day
# listed as a holiday); stop rather than search for an opening forever.
_MAX_CLOSED_DAYS = 400
_PERIOD = re.compile(r"(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})")

# English names regardless of the process locale, which strftime would follow.
_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTH_NAMES = (
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
)

#: An opening period of one day: minutes after local midnight it opens and closes
#: (closing may be 1440, midnight at the end of the day).
Period = tuple[int, int]


class ServiceLevelsError(ConfigFileError):
    """The service-levels configuration is broken; the message names the file and entry."""


class EntryChecker:
    """Checks entries of the service-levels file, failing with the file and the entry named.

    Used by both of its sections: the calendar here and the targets
    (:mod:`bot.domain.service_levels`). Every failure is a :class:`ServiceLevelsError`
    whose message reads ``"<file>: <entry>: <problem>"``.
    """

    def __init__(self, file: str) -> None:
        self.file = file

    def fail(self, entry: str, problem: str) -> NoReturn:
        """Raise :class:`ServiceLevelsError` for ``entry`` (e.g. ``calendar.timezone``)."""
        raise ServiceLevelsError(f"{self.file}: {entry}: {problem}")

    def mapping(self, value: Any, entry: str, allowed: Iterable[str]) -> Mapping[str, Any]:
        """``value`` as a mapping with only ``allowed`` keys; ``None`` reads as empty."""
        names = tuple(allowed)
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            self.fail(entry, f"should be a mapping, not {type(value).__name__}")
        unknown = sorted(str(key) for key in value if key not in names)
        if unknown:
            self.fail(entry, f"unknown entry {unknown[0]!r} (expected one of {', '.join(names)})")
        return value

    def hours(self, value: Any, entry: str) -> float:
        """``value`` as a number of business hours, more than 0."""
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.fail(entry, f"should be a number of business hours, not {value!r}")
        number = float(value)
        if not math.isfinite(number) or number <= 0:
            self.fail(entry, f"should be more than 0 business hours, not {value!r}")
        return number


def _require_aware(moment: datetime, name: str) -> datetime:
    if not isinstance(moment, datetime):
        raise TypeError(f"{name} should be a datetime, not {type(moment).__name__}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"naive datetime {moment!r} for {name}: give it a time zone")
    return moment.astimezone(UTC)


def _parse_periods(value: Any, entry: str, check: EntryChecker) -> tuple[Period, ...]:
    if value is None or value is False or (isinstance(value, str) and value.strip() == "closed"):
        return ()
    if isinstance(value, str):
        parts = [part.strip() for part in value.split(",")]
    elif isinstance(value, list) and all(isinstance(part, str) for part in value):
        parts = [part.strip() for part in value]
    else:
        check.fail(entry, f'should be like "09:00-18:00" or closed, not {value!r}')
    periods: list[Period] = []
    for part in parts:
        match = _PERIOD.fullmatch(part)
        if match is None:
            check.fail(entry, f'{part!r} should be like "09:00-18:00" (24-hour clock)')
        open_h, open_m, close_h, close_m = (int(group) for group in match.groups())
        if open_h > 23 or open_m > 59 or close_m > 59 or close_h > 24:
            check.fail(entry, f"{part!r} is not a time of day")
        opens, closes = open_h * 60 + open_m, close_h * 60 + close_m
        if closes > _MINUTES_PER_DAY:
            check.fail(entry, f"{part!r} closes after midnight (24:00 is the latest)")
        if closes <= opens:
            check.fail(entry, f"{part!r} closes before it opens")
        periods.append((opens, closes))
    periods.sort()
    for (_, first_close), (second_open, _) in itertools.pairwise(periods):
        if second_open < first_close:
            check.fail(entry, f"opening periods overlap in {value!r}")
    return tuple(periods)


def _parse_date(value: Any, entry: str, check: EntryChecker) -> date:
    if isinstance(value, datetime):
        check.fail(entry, f"{value!r} should be a date (YYYY-MM-DD), without a time")
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    check.fail(entry, f"{value!r} is not a date (YYYY-MM-DD)")


class BusinessCalendar:
    """Opening hours and holidays of the service centre, and arithmetic in business hours.

    Every method takes timezone-aware datetimes (in any zone) and returns aware UTC
    datetimes. Opening hours are local wall-clock times in :attr:`tz`; a day's hours are
    converted to UTC day by day, so a clock change between two days moves nothing.

    Attributes:
        tz: the service centre's time zone.
        opening_hours: weekday (0 = Monday) -> that day's opening periods, in minutes
            after local midnight.
        holidays: closed dates -> the holiday's name.
        holiday_names_zh: closed dates -> the holiday's Chinese name, where given.
    """

    def __init__(
        self,
        tz: ZoneInfo,
        opening_hours: Mapping[int, Sequence[Period]],
        holidays: Mapping[date, str] | Iterable[date] = (),
        holiday_names_zh: Mapping[date, str] | None = None,
    ) -> None:
        """Build a calendar from already validated parts; files go through :meth:`from_config`.

        Raises:
            ValueError: no weekday has opening hours.
        """
        self.tz = tz
        self.opening_hours: dict[int, tuple[Period, ...]] = {
            day: tuple(opening_hours.get(day, ())) for day in range(7)
        }
        if not any(self.opening_hours.values()):
            raise ValueError("a business calendar needs opening hours on at least one day")
        self.holidays: dict[date, str] = (
            dict(holidays) if isinstance(holidays, Mapping) else dict.fromkeys(holidays, "")
        )
        self.holiday_names_zh: dict[date, str] = dict(holiday_names_zh or {})

    @classmethod
    def from_config(
        cls, data: Mapping[str, Any] | None, *, file: str = "calendar"
    ) -> BusinessCalendar:
        """Build a calendar from the ``calendar`` section of the service-levels file.

        Missing entries take the defaults: time zone Asia/Hong_Kong, opening hours
        Monday to Friday 09:00-18:00 and Saturday 09:00-13:00, no holidays. When
        ``opening_hours`` is given it must list all seven days, so a forgotten day is an
        error rather than a silently closed one.

        Args:
            data: the section as parsed from YAML.
            file: name of the file, for error messages.

        Raises:
            ServiceLevelsError: an entry is wrong; the message names file and entry.
        """
        check = EntryChecker(file)
        section = check.mapping(data, "calendar", ("timezone", "opening_hours", "holidays"))

        tz_name = section.get("timezone", DEFAULT_TIMEZONE)
        if not isinstance(tz_name, str):
            check.fail("calendar.timezone", f"should be a zone name, not {tz_name!r}")
        try:
            tz = ZoneInfo(tz_name)
        except (ZoneInfoNotFoundError, ValueError):
            check.fail("calendar.timezone", f"{tz_name!r} is not a known time zone")

        raw_hours = section.get("opening_hours")
        hours = DEFAULT_OPENING_HOURS if raw_hours is None else raw_hours
        days = check.mapping(hours, "calendar.opening_hours", WEEKDAYS)
        missing = [day for day in WEEKDAYS if day not in days]
        if missing:
            check.fail(
                "calendar.opening_hours",
                f"{missing[0]} is missing (write `{missing[0]}: closed` for a closed day)",
            )
        opening_hours = {
            index: _parse_periods(days[day], f"calendar.opening_hours.{day}", check)
            for index, day in enumerate(WEEKDAYS)
        }
        if not any(opening_hours.values()):
            check.fail("calendar.opening_hours", "every day is closed")

        raw_holidays = section.get("holidays") or []
        if not isinstance(raw_holidays, list):
            check.fail("calendar.holidays", "should be a list of dates")
        holidays: dict[date, str] = {}
        names_zh: dict[date, str] = {}
        for index, item in enumerate(raw_holidays):
            entry = f"calendar.holidays[{index}]"
            name = ""
            if isinstance(item, Mapping):
                fields = check.mapping(item, entry, ("date", "name", "name_zh"))
                if "date" not in fields:
                    check.fail(entry, "has no date")
                day = _parse_date(fields["date"], f"{entry}.date", check)
                name = str(fields.get("name") or "")
                if fields.get("name_zh"):
                    names_zh[day] = str(fields["name_zh"])
            else:
                day = _parse_date(item, entry, check)
            if day in holidays:
                check.fail(entry, f"{day.isoformat()} is listed twice")
            holidays[day] = name
        return cls(tz, opening_hours, holidays, names_zh)

    def holiday_name(self, day: date, language: str) -> str:
        """A holiday's name as a conversation in ``language`` is told it (English where no
        Chinese name is given); "" for a holiday without a name or a working day."""
        if language == "zh" and day in self.holiday_names_zh:
            return self.holiday_names_zh[day]
        return self.holidays.get(day, "")

    # -- the calendar day by day -----------------------------------------------------

    def periods_on(self, day: date) -> list[tuple[datetime, datetime]]:
        """The opening periods of a local date as UTC ``(opens, closes)`` pairs.

        Args:
            day: a date in the calendar's time zone.

        Returns:
            The periods in order; empty on a closed weekday or a holiday.
        """
        if day in self.holidays:
            return []
        # Adding minutes to local midnight is wall-clock arithmetic in Python, which is
        # what opening hours are; the conversion to UTC then applies that day's offset.
        midnight = datetime.combine(day, time(0), tzinfo=self.tz)
        return [
            (
                (midnight + timedelta(minutes=opens)).astimezone(UTC),
                (midnight + timedelta(minutes=closes)).astimezone(UTC),
            )
            for opens, closes in self.opening_hours[day.weekday()]
        ]

    def _periods_from(self, moment: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Yield every opening period (UTC) that ends after ``moment``, in order."""
        day = moment.astimezone(self.tz).date()
        closed_days = 0
        while True:
            periods = self.periods_on(day)
            closed_days = 0 if periods else closed_days + 1
            if closed_days > _MAX_CLOSED_DAYS:
                raise ValueError(
                    f"the business calendar has no opening hours for {_MAX_CLOSED_DAYS} days "
                    f"after {day - timedelta(days=_MAX_CLOSED_DAYS)}"
                )
            for opens, closes in periods:
                if closes > moment:
                    yield opens, closes
            day += timedelta(days=1)

    # -- public arithmetic -----------------------------------------------------------

    def is_open(self, at: datetime) -> bool:
        """Tell whether the service centre is open at ``at`` (opening inclusive, closing not).

        Args:
            at: an aware datetime.
        """
        moment = _require_aware(at, "at")
        day = moment.astimezone(self.tz).date()
        return any(opens <= moment < closes for opens, closes in self.periods_on(day))

    def next_opening(self, at: datetime) -> datetime:
        """The moment business hours start counting from ``at``.

        Args:
            at: an aware datetime.

        Returns:
            ``at`` itself (in UTC) while the centre is open, otherwise when it next opens
            (after hours, weekends and holidays skipped).
        """
        moment = _require_aware(at, "at")
        opens, _closes = next(self._periods_from(moment))
        return max(opens, moment)

    def add_business_hours(self, start: datetime, hours: float) -> datetime:
        """The moment ``hours`` business hours after ``start``.

        A start outside opening hours (evening, weekend, holiday) counts from the next
        opening; the hours run on across as many days as they need.

        Args:
            start: an aware datetime.
            hours: business hours to add, 0 or more; fractions allowed.

        Returns:
            An aware UTC datetime. With ``hours=0`` that is :meth:`next_opening`.

        Raises:
            ValueError: ``hours`` is negative or not finite, or ``start`` is naive.
        """
        moment = _require_aware(start, "start")
        if not math.isfinite(hours) or hours < 0:
            raise ValueError(f"business hours to add should be 0 or more, not {hours!r}")
        remaining = timedelta(hours=hours)
        for opens, closes in self._periods_from(moment):
            begin = max(opens, moment)
            available = closes - begin
            if remaining <= available:
                return begin + remaining
            remaining -= available
        raise AssertionError("unreachable: _periods_from never ends")  # pragma: no cover

    def business_hours_between(self, a: datetime, b: datetime) -> float:
        """Business hours from ``a`` to ``b``.

        Args:
            a: an aware datetime.
            b: an aware datetime.

        Returns:
            The open time between them in hours; negative when ``b`` is before ``a``.
        """
        start = _require_aware(a, "a")
        end = _require_aware(b, "b")
        if end < start:
            return -self.business_hours_between(end, start)
        total = timedelta()
        for opens, closes in self._periods_from(start):
            if opens >= end:
                break
            total += min(closes, end) - max(opens, start)
        return total / timedelta(hours=1)


def zone_abbreviation(moment: datetime, tz: tzinfo) -> str:
    """The time zone's abbreviation at ``moment``: HKT, GMT or BST, or UTC+5:30 if it has none.

    Args:
        moment: an aware datetime.
        tz: the zone to name.
    """
    local = _require_aware(moment, "moment").astimezone(tz)
    name = local.tzname()
    # The tz database writes numeric offsets ("+08") for zones without a customary
    # abbreviation; customers read "UTC+8" more easily.
    if name and name[0] not in "+-":
        return name
    offset = local.utcoffset() or timedelta()
    sign = "-" if offset < timedelta() else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    hours, rest = divmod(minutes, 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def format_promise(due_at: datetime, tz: tzinfo) -> str:
    """Write a promised time in the customer's terms.

    Args:
        due_at: an aware datetime.
        tz: the zone to show it in (the service centre's).

    Returns:
        Text such as ``"Thursday 26 Nov, 17:00 (HKT)"``.
    """
    local = _require_aware(due_at, "due_at").astimezone(tz)
    return (
        f"{_DAY_NAMES[local.weekday()]} {local.day} {_MONTH_NAMES[local.month - 1]}, "
        f"{local:%H:%M} ({zone_abbreviation(local, tz)})"
    )


def format_day(moment: datetime, tz: tzinfo) -> str:
    """Write the local date of ``moment`` as ``"26 Nov 2026"``, for "opened on" lines."""
    local = _require_aware(moment, "moment").astimezone(tz)
    return f"{local.day} {_MONTH_NAMES[local.month - 1]} {local.year}"
