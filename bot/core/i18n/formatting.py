"""Dates, times, numbers and money in the customer's language, by Babel (CLDR data).

English as written in Hong Kong ("Friday 4 Dec, 17:00 (HKT)") and Traditional Chinese for
Hong Kong ("12月4日 (星期五) 17:00"). The zone abbreviation is added in English only:
Hong Kong readers of Chinese take local time for granted, and CLDR has no short Chinese
name for HKT.
"""

from __future__ import annotations

import functools
from datetime import datetime, timedelta, tzinfo
from decimal import Decimal

from babel import Locale
from babel import dates as babel_dates
from babel import numbers as babel_numbers

from bot.core.i18n.language import DEFAULT_LANGUAGE, supported

_LOCALES = {"en": "en_HK", "zh": "zh_Hant_HK"}
_DATE = {"en": "EEEE d MMM", "zh": "M月d日 (EEEE)"}
_DATE_YEAR = {"en": "d MMM y", "zh": "y年M月d日"}
_TIME = "HH:mm"


@functools.lru_cache(maxsize=8)
def babel_locale(language: str | None) -> Locale:
    """The Babel locale for a conversation language ("en" -> en_HK, "zh" -> zh_Hant_HK)."""
    return Locale.parse(_LOCALES[supported(language) or DEFAULT_LANGUAGE])


def _lang(language: str | None) -> str:
    return supported(language) or DEFAULT_LANGUAGE


def _local(when: datetime, tz: tzinfo) -> datetime:
    if when.tzinfo is None:
        raise ValueError("an aware datetime is needed")
    return when.astimezone(tz)


def zone_label(local: datetime) -> str:
    """HKT, GMT or BST; "UTC+5:30" for zones written as numeric offsets."""
    name = local.tzname()
    if name and name[0] not in "+-":
        return name
    offset = local.utcoffset() or timedelta()
    sign = "-" if offset < timedelta() else "+"
    hours, rest = divmod(abs(int(offset.total_seconds())) // 60, 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def format_date(when: datetime, language: str | None, tz: tzinfo, *, year: bool = False) -> str:
    """The local day: "Friday 4 Dec" / "12月4日 (星期五)"; with ``year``: "4 Dec 2026" /
    "2026年12月4日"."""
    lang = _lang(language)
    pattern = (_DATE_YEAR if year else _DATE)[lang]
    return babel_dates.format_datetime(_local(when, tz), pattern, locale=babel_locale(lang))


def format_time(when: datetime, language: str | None, tz: tzinfo) -> str:
    """The local time of day, 24-hour: "17:00" (with "(HKT)" in English)."""
    local = _local(when, tz)
    text = babel_dates.format_datetime(local, _TIME, locale=babel_locale(language))
    return f"{text} ({zone_label(local)})" if _lang(language) == "en" else text


def format_datetime(when: datetime, language: str | None, tz: tzinfo) -> str:
    """A moment for a customer: "Friday 4 Dec, 17:00 (HKT)" / "12月4日 (星期五) 17:00"."""
    lang = _lang(language)
    day = format_date(when, lang, tz)
    return (
        f"{day}, {format_time(when, lang, tz)}"
        if lang == "en"
        else f"{day} {format_time(when, lang, tz)}"
    )


def format_number(
    value: float | int | Decimal, language: str | None, *, decimals: int | None = None
) -> str:
    """A number with the locale's grouping: 1,234.5 (both locales group the same way)."""
    if decimals is not None:
        pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
        return babel_numbers.format_decimal(value, format=pattern, locale=babel_locale(language))
    return babel_numbers.format_decimal(value, locale=babel_locale(language))


def format_money(amount: float | int | Decimal, currency: str, language: str | None) -> str:
    """An amount of money: "HK$1,234.00", "US$56.00"."""
    return babel_numbers.format_currency(amount, currency, locale=babel_locale(language))
