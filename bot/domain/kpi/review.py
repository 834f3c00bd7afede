"""The periodic service review for review meetings: a week or a month, as HTML and PDF.

KPIs against target and benchmark with the change from the previous period, volumes,
the top complaint categories with their follow-up record (promises kept, time to
resolve), and notable survey comments; for the whole service or one key account. Every
figure comes from :mod:`bot.domain.kpi.dashboard` (so from the formulas of
:mod:`bot.domain.kpi.formulas`), aggregated in SQL. The PDF is drawn with fpdf2: no browser is
needed to make it, and its fonts (:mod:`bot.domain.kpi.pdf_fonts`) print Chinese.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
from markupsafe import Markup
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from bot.domain.kpi.conversations import Comment
from bot.domain.kpi.dashboard import Filters, Tile, tiles
from bot.domain.kpi.formulas import KPI_BY_CODE, SOURCES, nearest_rank, period_bounds
from bot.domain.kpi.languages import LANGUAGE_KPIS, LanguageRow, language_rows
from bot.domain.kpi.pdf_fonts import FAMILY, pdf_document, printable
from bot.storage.models import Complaint, SurveyResponse, utcnow

TEMPLATES = Path(__file__).resolve().parent / "templates"

#: How many complaint categories and comments of each kind the review lists.
TOP_CATEGORIES = 5
NOTABLE_COMMENTS = 5

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_WEEK = re.compile(r"^(\d{4})-W(0[1-9]|[1-4]\d|5[0-3])$")


@dataclass(frozen=True)
class ReviewPeriod:
    """A review's period: a calendar month (``2026-11``) or an ISO week (``2026-W47``)."""

    label: str
    kind: str
    start: date
    end: date

    @property
    def title(self) -> str:
        """The period as a heading reads it."""
        if self.kind == "month":
            return self.start.strftime("%B %Y")
        return f"Week {self.label[-2:]} of {self.label[:4]} ({self.start:%d %b} - {self.end:%d %b})"

    def previous(self) -> ReviewPeriod:
        """The period before (the month or week before)."""
        if self.kind == "month":
            last = self.start - timedelta(days=1)
            return parse_period(f"{last:%Y-%m}")
        year, week, _ = (self.start - timedelta(days=7)).isocalendar()
        return parse_period(f"{year}-W{week:02d}")


def parse_period(text: str) -> ReviewPeriod:
    """Read ``2026-11`` (a month) or ``2026-W47`` (an ISO week).

    Raises:
        ValueError: neither form, or no such week.
    """
    value = (text or "").strip()
    month = _MONTH.match(value)
    if month:
        start = date(int(month.group(1)), int(month.group(2)), 1)
        following = (start + timedelta(days=32)).replace(day=1)
        return ReviewPeriod(value, "month", start, following - timedelta(days=1))
    week = _WEEK.match(value)
    if week:
        try:
            start = date.fromisocalendar(int(week.group(1)), int(week.group(2)), 1)
        except ValueError:
            raise ValueError(f"{value} has no such ISO week") from None
        return ReviewPeriod(value, "week", start, start + timedelta(days=6))
    raise ValueError(f"{text!r} is not a period like 2026-11 (a month) or 2026-W47 (a week)")


@dataclass(frozen=True)
class CategoryLine:
    """One complaint category's record in the period."""

    category: str
    label: str
    opened: int
    resolved: int
    promises_due: int
    promises_kept: int
    resolved_on_time_pct: float | None
    resolve_p50: float | None

    @property
    def promises_kept_pct(self) -> float | None:
        """Promises kept as a percentage of those due or met."""
        return None if not self.promises_due else 100.0 * self.promises_kept / self.promises_due


@dataclass(frozen=True)
class Review:
    """Everything a service review shows."""

    period: ReviewPeriod
    previous: ReviewPeriod
    account: str | None
    timezone: str
    generated_at: datetime
    tiles: list[Tile]
    volumes: dict[str, tuple[int, int]]
    categories: list[CategoryLine]
    praise: list[Comment]
    concerns: list[Comment]
    languages: list[LanguageRow] = field(default_factory=list)

    @property
    def scope(self) -> str:
        """Whose service the review covers."""
        return f"key account {self.account}" if self.account else "all customers"


def _volumes(
    session: Session, period: ReviewPeriod, previous: ReviewPeriod, tz: ZoneInfo, filters: Filters
) -> dict[str, tuple[int, int]]:
    """Counts for the period and the one before: conversations, handoffs, complaints,
    surveys answered."""
    out: dict[str, tuple[int, int]] = {}
    counted = {
        "Conversations": ("conversations", None),
        "Handed to a person": ("handoffs", None),
        "Complaints opened": ("complaints", None),
        "Surveys answered": ("surveys", SurveyResponse.answered_at.is_not(None)),
    }
    for name, (source_name, extra) in counted.items():
        source = SOURCES[source_name]
        clauses = filters.clauses(source)
        if clauses is None:
            continue
        figures = []
        for part in (period, previous):
            begin, until = period_bounds(part.start, part.end, tz)
            # A count reads the time index alone (unlike the KPIs' scans on SQLite).
            column = source.time_column
            query = (
                select(func.count())
                .select_from(source.table)
                .where(column >= begin, column < until, *clauses)
            )
            if extra is not None:
                query = query.where(extra)
            figures.append(int(session.scalar(query) or 0))
        out[name] = (figures[0], figures[1])
    return out


def _categories(
    session: Session, period: ReviewPeriod, tz: ZoneInfo, filters: Filters
) -> list[CategoryLine]:
    from bot.domain.service_levels import CATEGORIES

    source = SOURCES["complaints"]
    clauses = filters.clauses(source)
    if clauses is None:
        return []
    begin, until = period_bounds(period.start, period.end, tz)
    where = [Complaint.created_at >= begin, Complaint.created_at < until, *clauses]

    def count_if(condition: Any) -> Any:
        return func.sum(case((condition, 1), else_=0))

    totals = session.execute(
        select(
            Complaint.category,
            func.count(),
            func.count(Complaint.resolved_at),
            func.count(Complaint.promise_kept),
            count_if(Complaint.promise_kept.is_(True)),
            func.count(Complaint.resolved_on_time),
            count_if(Complaint.resolved_on_time.is_(True)),
        )
        .where(*where)
        .group_by(Complaint.category)
    ).all()
    histograms: dict[str, list[tuple[float, int]]] = {}
    for category, hours, count in session.execute(
        select(Complaint.category, Complaint.resolution_hours, func.count())
        .where(*where, Complaint.resolution_hours.is_not(None))
        .group_by(Complaint.category, Complaint.resolution_hours)
        .order_by(Complaint.category, Complaint.resolution_hours)
    ):
        histograms.setdefault(str(category), []).append((float(hours), int(count)))
    lines = [
        CategoryLine(
            category=str(category),
            label=CATEGORIES.get(str(category), str(category)),
            opened=int(opened),
            resolved=int(resolved),
            promises_due=int(due),
            promises_kept=int(kept or 0),
            resolved_on_time_pct=(100.0 * int(on_time or 0) / int(timed)) if timed else None,
            resolve_p50=nearest_rank(histograms.get(str(category), []), 50),
        )
        for category, opened, resolved, due, kept, timed, on_time in totals
    ]
    lines.sort(key=lambda line: (-line.opened, line.category))
    return lines[:TOP_CATEGORIES]


def _notable(
    session: Session, period: ReviewPeriod, tz: ZoneInfo, filters: Filters, *, best: bool
) -> list[Comment]:
    source = SOURCES["surveys"]
    clauses = filters.clauses(source)
    if clauses is None:
        return []
    begin, until = period_bounds(period.start, period.end, tz)
    survey = SurveyResponse
    scored = survey.csat >= 4 if best else survey.csat <= 3
    order = survey.csat.desc() if best else survey.csat.asc()
    rows = session.scalars(
        select(survey)
        .where(
            survey.offered_at >= begin,
            survey.offered_at < until,
            survey.comment.is_not(None),
            survey.comment != "",
            scored,
            *clauses,
        )
        .order_by(order, survey.offered_at.desc(), survey.id.desc())
        .limit(NOTABLE_COMMENTS)
    )
    return [
        Comment(
            r.offered_at,
            r.csat,
            r.nps,
            r.channel,
            r.agent,
            r.team,
            r.account,
            r.service,
            r.comment or "",
        )
        for r in rows
    ]


def build_review(
    session: Session,
    period: ReviewPeriod,
    tz: ZoneInfo,
    *,
    account: str | None = None,
    now: datetime | None = None,
) -> Review:
    """Gather a service review's figures.

    Args:
        session: database session.
        period: the week or month.
        tz: the service centre's zone (periods are local days).
        account: a key customer account for a per-account review; None for everyone.
        now: when the review is made (for its footer).
    """
    filters = Filters(account=account)
    previous = period.previous()
    found = tiles(
        session,
        period.start,
        period.end,
        tz,
        filters,
        with_previous=True,
        period=period.label,
        previous_range=(previous.start, previous.end),
    )
    return Review(
        period=period,
        previous=previous,
        account=account,
        timezone=str(tz),
        generated_at=now or utcnow(),
        tiles=found,
        volumes=_volumes(session, period, previous, tz, filters),
        categories=_categories(session, period, tz, filters),
        praise=_notable(session, period, tz, filters, best=True),
        concerns=_notable(session, period, tz, filters, best=False),
        languages=language_rows(session, period.start, period.end, tz, filters),
    )


# -- HTML -----------------------------------------------------------------------------


def figure(value: float | None, unit: str = "") -> str:
    """A KPI figure as shown: ``87.5 %``, ``42 s``, or a dash for no data."""
    if value is None:
        return "-"
    text = f"{value:,.0f}" if abs(value) >= 100 else f"{value:.1f}".rstrip("0").rstrip(".")
    return f"{text} {unit}".strip()


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["figure"] = figure
    return env


def render_html(review: Review, tz: ZoneInfo, *, standalone: bool = True) -> str:
    """The review as HTML: a whole page with its own styles, or the fragment the console
    puts in its own page (whose policy allows no inline styles).
    """
    env = _environment()
    values = {
        "review": review,
        "local": lambda m: m.astimezone(tz).strftime("%d %b %Y %H:%M"),
        "language_columns": [KPI_BY_CODE[code] for code in LANGUAGE_KPIS],
    }
    body = Markup(env.get_template("review_body.html").render(**values))
    if not standalone:
        return str(body)
    return env.get_template("review_page.html").render(body=body, **values)


# -- PDF ------------------------------------------------------------------------------


def render_pdf(review: Review, tz: ZoneInfo) -> bytes:
    """The review as a PDF (A4), drawn with fpdf2 in fonts that print English and Chinese.

    Raises:
        bot.domain.kpi.pdf_fonts.FontMissing: a font is not installed.
    """
    pdf = pdf_document(f"Service review {review.period.label}")
    pdf.add_page()

    def words(size: float = 9) -> None:
        pdf.set_font(FAMILY, size=size)

    def heading(title: str) -> None:
        pdf.ln(3)
        pdf.set_font(FAMILY, "B", 12)
        pdf.cell(0, 7, title, new_x="LMARGIN", new_y="NEXT")

    def row(cells: list[str], widths: list[float], *, bold: bool = False) -> None:
        pdf.set_font(FAMILY, "B" if bold else "", 8)
        for cell, width in zip(cells, widths, strict=True):
            pdf.cell(width, 5, printable(pdf, cell), border="B")
        pdf.ln(5)

    pdf.set_font(FAMILY, "B", 16)
    pdf.cell(0, 9, f"Service review: {review.period.title}", new_x="LMARGIN", new_y="NEXT")
    words()
    scope = printable(pdf, f"Freight Desk customer service, {review.scope}")
    pdf.cell(0, 5, scope, new_x="LMARGIN", new_y="NEXT")
    pdf.cell(
        0,
        5,
        f"{review.period.start:%d %b %Y} to {review.period.end:%d %b %Y} ({review.timezone}); "
        f"compared with {review.previous.start:%d %b} to {review.previous.end:%d %b %Y}",
        new_x="LMARGIN",
        new_y="NEXT",
    )

    heading("KPIs against target and benchmark")
    widths = [58.0, 20.0, 20.0, 16.0, 20.0, 16.0, 30.0]
    row(["KPI", "Value", "Previous", "Trend", "Target", "Status", "Benchmark"], widths, bold=True)
    for tile in review.tiles:
        if not tile.applies:
            continue
        kpi = tile.kpi
        benchmark = figure(tile.target.benchmark, kpi.unit)
        row(
            [
                kpi.name,
                figure(tile.value, kpi.unit),
                figure(tile.previous, kpi.unit),
                tile.change or "-",
                figure(tile.target.target, kpi.unit),
                tile.status,
                benchmark,
            ],
            widths,
        )
    sources = sorted(
        {
            f"{t.kpi.name}: {t.target.benchmark_source}"
            for t in review.tiles
            if t.target.benchmark is not None and t.target.benchmark_source
        }
    )
    if sources:
        words(7)
        pdf.multi_cell(0, 4, "Benchmark sources: " + "; ".join(sources))

    heading("Volumes")
    row(["", "This period", "Previous period"], [60.0, 30.0, 30.0], bold=True)
    for name, (now_count, before) in review.volumes.items():
        row([name, f"{now_count:,}", f"{before:,}"], [60.0, 30.0, 30.0])

    heading("By conversation language")
    widths = [22.0, 22.0, 24.0, 24.0, 20.0, 20.0, 20.0, 28.0]
    row(
        [
            "Language",
            "Conversations",
            "Containment",
            "Fallback",
            "CSAT",
            "FCR",
            "NPS",
            "Queue wait",
        ],
        widths,
        bold=True,
    )
    for lang in review.languages:
        cells = [lang.name, str(lang.conversations)]
        for code in ("containment", "fallback", "csat", "fcr", "nps", "queue_wait_p50"):
            value = lang.figures.get(code, (None, 0))[0]
            cells.append(figure(value, KPI_BY_CODE[code].unit))
        row(cells, widths)

    heading("Top complaint categories and their follow-up")
    widths = [50.0, 20.0, 20.0, 32.0, 30.0, 28.0]
    row(
        ["Category", "Opened", "Resolved", "Promises kept", "Resolved on time", "Median (bh)"],
        widths,
        bold=True,
    )
    if not review.categories:
        row(["No complaints in this period", "", "", "", "", ""], widths)
    for line in review.categories:
        row(
            [
                line.label,
                str(line.opened),
                str(line.resolved),
                f"{figure(line.promises_kept_pct, '%')} of {line.promises_due}",
                figure(line.resolved_on_time_pct, "%"),
                figure(line.resolve_p50, "h"),
            ],
            widths,
        )

    heading("What customers praised")
    _comments(pdf, review.praise, tz)
    heading("Where customers were let down")
    _comments(pdf, review.concerns, tz)

    pdf.ln(4)
    words(7)
    pdf.multi_cell(
        0,
        4,
        f"Made {review.generated_at.astimezone(tz):%d %b %Y %H:%M} ({review.timezone}). "
        "Formulas: docs/kpis.md. Green meets the target, amber misses it within the amber "
        "threshold, red misses both.",
    )
    return bytes(pdf.output())


def _comments(pdf: Any, found: list[Comment], tz: ZoneInfo) -> None:
    if not found:
        pdf.set_font(FAMILY, size=8)
        pdf.cell(0, 5, "No comments.", new_x="LMARGIN", new_y="NEXT")
        return
    for comment in found:
        pdf.set_font(FAMILY, "B", 8)
        who = f"CSAT {comment.csat if comment.csat is not None else '-'} | {comment.channel}"
        if comment.agent:
            who += f" | agent {comment.agent}"
        pdf.cell(
            0,
            4,
            printable(pdf, f"{comment.offered_at.astimezone(tz):%d %b %Y} | {who}"),
            new_x="LMARGIN",
            new_y="NEXT",
        )
        pdf.set_font(FAMILY, size=8)
        text = printable(pdf, comment.comment[:1500])
        pdf.multi_cell(0, 4, text, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)
