"""The dashboard's reports (managers): the conversations CSV export and the periodic
service review, as a page and as a PDF download."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from sqlalchemy.orm import Session

from bot.console.dashboard_view import filter_choices, period, today
from bot.console.web import CONFIG_KEY, ENGINE_KEY, SECURITY_HEADERS, render, requires
from bot.domain.kpi import conversations as log
from bot.domain.kpi.dashboard import Filters
from bot.domain.kpi.pdf_fonts import FontMissing
from bot.domain.kpi.review import build_review, parse_period, render_html, render_pdf
from bot.storage.db import run_in_session

#: Conversations read per query while the CSV streams.
EXPORT_BATCH = 2000


# -- export -------------------------------------------------------------------------------


@requires("manager")
async def export_csv(request: web.Request) -> web.StreamResponse:
    """One row per conversation, streamed in batches (UTF-8 with BOM, RFC 4180 quoting,
    cells that would start a spreadsheet formula prefixed with ``'``)."""
    start, end, problem = period(request)
    if problem:
        raise web.HTTPBadRequest(text=problem)
    filters = Filters.from_mapping(request.query)
    extra = log.query_values(request.query)
    tz = request.app[CONFIG_KEY].tz
    response = web.StreamResponse(
        headers={
            **SECURITY_HEADERS,
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="conversations-{start}-to-{end}.csv"',
        }
    )
    await response.prepare(request)
    await response.write(("\ufeff" + log.csv_text([], header=True)).encode("utf-8"))
    cursor = None
    while True:
        after = cursor

        def batch(session: Session, after: Any = after) -> Any:
            return log.export_batch(
                session,
                start,
                end,
                tz,
                filters,
                after=after,
                limit=EXPORT_BATCH,
                intent=extra["intent"],
                outcome=extra["outcome"],
            )

        rows, cursor = await run_in_session(request.app[ENGINE_KEY], batch, read_only=True)
        if rows:
            await response.write(log.csv_text(rows).encode("utf-8"))
        if cursor is None:
            break
        await asyncio.sleep(0)
    await response.write_eof()
    return response


# -- service review -----------------------------------------------------------------------


def _review_args(request: web.Request) -> tuple[Any, str | None, str | None]:
    last_month = today(request).replace(day=1) - timedelta(days=1)
    text = (request.query.get("period") or f"{last_month:%Y-%m}").strip()
    account = (request.query.get("account") or "").strip()[:40] or None
    try:
        return parse_period(text), account, None
    except ValueError as exc:
        return parse_period(f"{last_month:%Y-%m}"), account, str(exc)


@requires("manager")
async def review_page(request: web.Request) -> web.StreamResponse:
    """The service review for a week or month (whole service or one key account)."""
    review_period, account, problem = _review_args(request)
    tz = request.app[CONFIG_KEY].tz

    review = await run_in_session(
        request.app[ENGINE_KEY],
        lambda s: build_review(s, review_period, tz, account=account),
        read_only=True,
    )
    choices = await filter_choices(request)
    return render(
        request,
        "dashboard_review.html",
        body=render_html(review, tz, standalone=False),
        review=review,
        period_text=request.query.get("period") or review_period.label,
        account=account or "",
        accounts=choices["account"],
        problem=problem,
        pdf_query=urlencode(
            {"period": review_period.label, **({"account": account} if account else {})}
        ),
    )


@requires("manager")
async def review_pdf(request: web.Request) -> web.StreamResponse:
    """The service review as a PDF download."""
    review_period, account, problem = _review_args(request)
    if problem:
        raise web.HTTPBadRequest(text=problem)
    tz = request.app[CONFIG_KEY].tz
    review = await run_in_session(
        request.app[ENGINE_KEY],
        lambda s: build_review(s, review_period, tz, account=account),
        read_only=True,
    )
    try:
        pdf = await asyncio.to_thread(render_pdf, review, tz)
    except FontMissing as exc:
        # Not a bad request and not a crash: the server lacks a package `make run` installs.
        raise web.HTTPServiceUnavailable(text=f"The PDF cannot be made here: {exc}.") from None
    suffix = f"-{account}" if account else ""
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in suffix)
    return web.Response(
        body=pdf,
        content_type="application/pdf",
        headers={
            "Content-Disposition": (
                f'attachment; filename="service-review-{review_period.label}{safe}.pdf"'
            )
        },
    )


def add_routes(app: web.Application) -> None:
    """Add ``/dashboard/export.csv``, ``/dashboard/review`` and ``/dashboard/review.pdf``."""
    routes = app.router
    routes.add_get("/dashboard/export.csv", export_csv)
    routes.add_get("/dashboard/review", review_page)
    routes.add_get("/dashboard/review.pdf", review_pdf)
