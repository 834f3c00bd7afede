"""What every dashboard page reads from its request and hands its template: the period,
the page number, the filter menus' values (cached), and local times.

Used by :mod:`bot.console.routes.dashboard` and :mod:`bot.console.routes.reports`.
"""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from bot.console.web import CONFIG_KEY, ENGINE_KEY
from bot.domain.kpi.dashboard import Filters, distinct_values
from bot.domain.teams import TEAMS
from bot.storage.db import run_in_session

#: Default dashboard period: the last 30 days, today included.
DEFAULT_DAYS = 30
#: Longest period a page accepts (trends are then monthly).
MAX_DAYS = 3 * 366


#: Seconds the filter menus' values are reused: a DISTINCT over a million rows costs about
#: as much as the KPIs themselves, and a new channel or account can wait this long.
MENU_SECONDS = 300.0
_menus: dict[str, tuple[float, dict[str, list[str]]]] = {}


async def filter_choices(request: web.Request) -> dict[str, list[str]]:
    """The filter menus' values, read at most every :data:`MENU_SECONDS` per database."""
    key = str(request.app[ENGINE_KEY].url)
    cached = _menus.get(key)
    now = time.monotonic()
    if cached is not None and now - cached[0] < MENU_SECONDS:
        return cached[1]
    values = await run_in_session(request.app[ENGINE_KEY], distinct_values, read_only=True)
    _menus[key] = (now, values)
    return values


def today(request: web.Request) -> date:
    """Today's date in the service centre's zone."""
    return datetime.now(request.app[CONFIG_KEY].tz).date()


def period(request: web.Request) -> tuple[date, date, str | None]:
    """The page's period from ``from``/``to`` (local dates), or the last 30 days.

    Returns:
        The first and last day, and what was wrong with the asked-for period (None if
        nothing was).
    """
    last = today(request)
    default = (last - timedelta(days=DEFAULT_DAYS - 1), last)
    raw_from, raw_to = request.query.get("from", ""), request.query.get("to", "")
    if not raw_from and not raw_to:
        return (*default, None)
    try:
        start = date.fromisoformat(raw_from) if raw_from else default[0]
        end = date.fromisoformat(raw_to) if raw_to else last
    except ValueError:
        return (*default, "Dates are like 2026-11-30; showing the last 30 days.")
    if end < start:
        return (*default, "The period ends before it starts; showing the last 30 days.")
    if (end - start).days + 1 > MAX_DAYS:
        return (*default, "Choose at most three years; showing the last 30 days.")
    return start, end, None


def page_number(request: web.Request) -> int:
    """The ``page`` asked for (1 when missing or wrong)."""
    try:
        return max(1, min(int(request.query.get("page", "1")), 100_000))
    except ValueError:
        return 1


def _query(request: web.Request, **changes: Any) -> str:
    """The current query string with ``changes`` (None removes a key)."""
    values = {k: v for k, v in request.query.items() if v != ""}
    for key, value in changes.items():
        if value is None:
            values.pop(key, None)
        else:
            values[key] = str(value)
    return urlencode(values)


def local(request: web.Request, moment: datetime | None) -> str:
    """``moment`` in the service centre's zone, like ``30 Nov 2026 14:05`` (or "")."""
    if moment is None:
        return ""
    return moment.astimezone(request.app[CONFIG_KEY].tz).strftime("%d %b %Y %H:%M")


def page_values(request: web.Request, start: date, end: date, filters: Filters) -> dict[str, Any]:
    """The values every filtered dashboard page's template gets."""
    return {
        "start": start,
        "end": end,
        "filters": filters,
        "query": lambda **changes: _query(request, **changes),
        "local": lambda moment: local(request, moment),
        "teams": TEAMS,
    }
