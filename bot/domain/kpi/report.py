"""The KPI report: every KPI over a period against its target and benchmark.

Targets and benchmarks are entered by managers (``kpi targets set``) and kept in
``kpi_targets``; until a manager sets one, :data:`DEFAULT_TARGETS` applies. No benchmark
is assumed: a benchmark is only shown with the source a manager gave for it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.domain.kpi.formulas import KPI_BY_CODE, KPIS, period_bounds
from bot.domain.kpi.rollups import compute_many
from bot.storage.models import KpiTarget

#: Starting targets (target, amber threshold) until managers set their own. For a KPI
#: where lower is better the amber threshold is above the target, otherwise below it.
DEFAULT_TARGETS: dict[str, tuple[float, float]] = {
    "csat": (85.0, 80.0),
    "nps": (30.0, 10.0),
    "fcr": (75.0, 65.0),
    "containment": (70.0, 60.0),
    "escalation": (30.0, 40.0),
    "fallback": (10.0, 15.0),
    "bot_frt_p50": (1000.0, 2000.0),
    "bot_frt_p90": (2000.0, 4000.0),
    "human_frt_p50": (120.0, 300.0),
    "human_frt_p90": (300.0, 600.0),
    "queue_wait_p50": (60.0, 180.0),
    "queue_wait_p90": (180.0, 600.0),
    "handling_p50": (600.0, 900.0),
    "handling_p90": (1200.0, 1800.0),
    "promise_kept": (95.0, 90.0),
    "resolve_p50": (16.0, 24.0),
    "resolve_p90": (40.0, 56.0),
    "response_rate": (20.0, 10.0),
    "requests_on_time": (95.0, 90.0),
    "request_p50": (8.0, 16.0),
    "request_p90": (24.0, 40.0),
    "exceptions_told_first": (90.0, 75.0),
    "contacts_avoided": (80.0, 65.0),
}

GREEN, AMBER, RED, NO_DATA, NO_TARGET = "green", "amber", "red", "no data", "no target"


@dataclass(frozen=True)
class Target:
    """A KPI's target, amber threshold and benchmark with its source."""

    target: float | None
    amber: float | None = None
    benchmark: float | None = None
    benchmark_source: str | None = None


@dataclass(frozen=True)
class KpiLine:
    """One KPI figure of a report (one group of a sliced report)."""

    code: str
    name: str
    unit: str
    group: str
    value: float | None
    n: int
    target: float | None
    amber: float | None
    benchmark: float | None
    benchmark_source: str | None
    status: str


@dataclass(frozen=True)
class Report:
    """A KPI report: the period, the slice and the figures."""

    start: date
    end: date
    timezone: str
    by: str | None
    lines: list[KpiLine]
    not_sliced: list[str]

    def as_dict(self) -> dict[str, Any]:
        """Return the report as JSON-ready data."""
        return {
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "timezone": self.timezone,
            "by": self.by,
            "kpis": [asdict(line) for line in self.lines],
            "not_sliced": self.not_sliced,
        }


def rate(value: float | None, target: Target, higher_is_better: bool) -> str:
    """Grade a value against its target: green, amber or red.

    Green meets the target; amber misses it but meets the amber threshold; red misses
    both. Without an amber threshold a miss is red.

    Args:
        value: the KPI's value, None when there was no data.
        target: the target to grade against.
        higher_is_better: whether a larger value is better (CSAT) or worse (wait times).

    Returns:
        ``green``, ``amber``, ``red``, ``no data`` or ``no target``.
    """
    if value is None:
        return NO_DATA
    if target.target is None:
        return NO_TARGET

    def meets(threshold: float) -> bool:
        return value >= threshold if higher_is_better else value <= threshold

    if meets(target.target):
        return GREEN
    if target.amber is not None and meets(target.amber):
        return AMBER
    return RED


def load_targets(session: Session, period: str = "all") -> dict[str, Target]:
    """Return each KPI's target: the managers' for ``period``, else for ``all``, else the
    default.

    Args:
        session: database session.
        period: label of the period whose targets are wanted.

    Returns:
        ``{kpi code: Target}`` for every KPI.
    """
    targets = {code: Target(*values) for code, values in DEFAULT_TARGETS.items()}
    rows = session.scalars(select(KpiTarget).where(KpiTarget.period.in_(["all", period]))).all()
    # "all" first, so a period's own target overrides it.
    for row in sorted(rows, key=lambda row: row.period != "all"):
        targets[row.code] = Target(row.target, row.amber, row.benchmark, row.benchmark_source)
    return targets


def set_target(
    session: Session,
    code: str,
    target: float,
    amber: float | None = None,
    benchmark: float | None = None,
    source: str | None = None,
    period: str = "all",
) -> KpiTarget:
    """Create or replace a KPI's target for a period.

    Args:
        session: database session (flushed, not committed).
        code: KPI code from ``bot.domain.kpi.formulas.KPIS``.
        target: the target value.
        amber: amber threshold, or None for none.
        benchmark: competitor or industry figure, or None.
        source: where the benchmark comes from; required with a benchmark.
        period: label of the period the target applies to.

    Returns:
        The stored row.

    Raises:
        ValueError: for an unknown KPI code, or a benchmark without its source.
    """
    if code not in KPI_BY_CODE:
        raise ValueError(f"unknown KPI {code!r}; known: {', '.join(KPI_BY_CODE)}")
    if benchmark is not None and not (source or "").strip():
        raise ValueError("a benchmark needs its source (--source), so readers can judge it")
    row = session.scalars(
        select(KpiTarget).where(KpiTarget.code == code, KpiTarget.period == period)
    ).one_or_none()
    if row is None:
        row = KpiTarget(code=code, period=period, target=target)
        session.add(row)
    row.target, row.amber = target, amber
    row.benchmark, row.benchmark_source = benchmark, (source or None) if benchmark else None
    session.flush()
    return row


def build_report(
    session: Session,
    start: date,
    end: date,
    tz: ZoneInfo,
    by: str | None = None,
    period: str = "all",
) -> Report:
    """Compute every KPI for a period, graded against its target.

    Args:
        session: database session.
        start: first day (in ``tz``).
        end: last day, included.
        tz: the service centre's time zone.
        by: dimension to slice by (``bot.domain.kpi.formulas.DIMENSIONS``), or None.
        period: label of the targets to use.

    Returns:
        The report; KPIs that cannot be sliced by ``by`` are listed in ``not_sliced``.
    """
    if end < start:
        raise ValueError("the period ends before it starts")
    begin, until = period_bounds(start, end, tz)
    targets = load_targets(session, period)
    lines: list[KpiLine] = []
    not_sliced: list[str] = []
    computed = compute_many(session, KPIS, begin, until, tz, by)
    for kpi in KPIS:
        figures = computed[kpi.code]
        if figures is None:
            not_sliced.append(kpi.code)
            continue
        target = targets.get(kpi.code, Target(None))
        for group in sorted(figures):
            value, n = figures[group]
            lines.append(
                KpiLine(
                    code=kpi.code,
                    name=kpi.name,
                    unit=kpi.unit,
                    group=group,
                    value=None if value is None else round(value, 2),
                    n=n,
                    target=target.target,
                    amber=target.amber,
                    benchmark=target.benchmark,
                    benchmark_source=target.benchmark_source,
                    status=rate(value, target, kpi.higher_is_better),
                )
            )
    return Report(start, end, str(tz), by, lines, not_sliced)


def format_report(report: Report) -> str:
    """Render a report as a plain-text table for the terminal."""
    scope = f"by {report.by}" if report.by else "all conversations"
    out = [f"KPI report {report.start} to {report.end} ({report.timezone}), {scope}"]
    names = [f"{line.name} ({line.unit})" for line in report.lines]
    width = max([len(name) for name in names] + [3]) + 2
    header = f"{'KPI':<{width}}{'group':<18}{'value':>12}{'target':>10}  {'status':<10}"
    out += [header + f"{'n':>9}  benchmark", "-" * (len(header) + 30)]
    for name, line in zip(names, report.lines, strict=True):
        value = "-" if line.value is None else f"{line.value:g}"
        target = "-" if line.target is None else f"{line.target:g}"
        benchmark = (
            "-"
            if line.benchmark is None
            else f"{line.benchmark:g} ({line.benchmark_source or 'source not given'})"
        )
        out.append(
            f"{name:<{width}}{line.group[:17]:<18}{value:>12}"
            f"{target:>10}  {line.status:<10}{line.n:>9}  {benchmark}"
        )
    if report.not_sliced:
        out.append(f"Not available by {report.by}: {', '.join(report.not_sliced)}")
    return "\n".join(out)
