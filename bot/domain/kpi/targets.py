"""Managers' targets and benchmarks as entered in the console's form, with an audit trail.

:func:`save_target` checks a form's text fields (numbers, ranges, the amber threshold on
the missing side of the target, a benchmark's source), stores the target through
:func:`bot.domain.kpi.report.set_target` and records who changed it and when.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.domain.kpi.formulas import KPI_BY_CODE, Kpi
from bot.domain.kpi.report import set_target
from bot.storage.models import KpiTarget, KpiTargetChange

#: A period label: ``all``, a year, a month (2026-11) or an ISO week (2026-W47).
PERIOD_LABEL = re.compile(r"^(all|\d{4}|\d{4}-(0[1-9]|1[0-2])|\d{4}-W(0[1-9]|[1-4]\d|5[0-3]))$")


class TargetFormError(ValueError):
    """A target form with a wrong field; ``field`` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class TargetChange:
    """One entry of the audit trail."""

    code: str
    period: str
    target: float
    amber: float | None
    benchmark: float | None
    benchmark_source: str | None
    actor: str
    at: datetime


def _bounds(kpi: Kpi) -> tuple[float, float]:
    if kpi.unit == "%":
        return 0.0, 100.0
    if kpi.unit == "points":
        return -100.0, 100.0
    return 0.0, 1e9


def _number(form: Mapping[str, str], field: str, kpi: Kpi, required: bool) -> float | None:
    text = (form.get(field) or "").strip().replace(",", "")
    if not text:
        if required:
            raise TargetFormError(field, f"Give the {field.replace('_', ' ')}.")
        return None
    try:
        value = float(text)
    except ValueError:
        raise TargetFormError(field, f"The {field} {text[:40]!r} is not a number.") from None
    low, high = _bounds(kpi)
    if not math.isfinite(value) or not low <= value <= high:
        raise TargetFormError(
            field, f"The {field} for {kpi.name} must be between {low:g} and {high:g} {kpi.unit}."
        )
    return value


def save_target(session: Session, form: Mapping[str, str], *, actor: str) -> TargetChange:
    """Validate a target form and store it, with who and when.

    Args:
        session: database session (flushed, not committed).
        form: the fields ``code``, ``target``, ``amber``, ``benchmark``,
            ``benchmark_source`` and ``period`` (``all`` when blank).
        actor: the manager's name.

    Returns:
        The change as recorded.

    Raises:
        TargetFormError: a field is wrong; nothing was stored.
    """
    code = (form.get("code") or "").strip()
    kpi = KPI_BY_CODE.get(code)
    if kpi is None:
        raise TargetFormError("code", "Choose a KPI from the list.")
    target = _number(form, "target", kpi, required=True)
    assert target is not None
    amber = _number(form, "amber", kpi, required=False)
    if amber is not None:
        worse = amber <= target if kpi.higher_is_better else amber >= target
        if not worse:
            side = "below" if kpi.higher_is_better else "above"
            raise TargetFormError(
                "amber",
                f"For {kpi.name} the amber threshold must be at or {side} the target "
                f"({target:g}): it marks a miss that is not yet red.",
            )
    benchmark = _number(form, "benchmark", kpi, required=False)
    source = " ".join((form.get("benchmark_source") or "").split())[:200] or None
    if benchmark is not None and source is None:
        raise TargetFormError(
            "benchmark_source", "Say where the benchmark comes from, so readers can judge it."
        )
    period = (form.get("period") or "").strip() or "all"
    if not PERIOD_LABEL.match(period):
        raise TargetFormError(
            "period", "The period is 'all', a year (2026), a month (2026-11) or a week (2026-W47)."
        )
    set_target(session, code, target, amber, benchmark, source, period)
    change = KpiTargetChange(
        code=code,
        period=period,
        target=target,
        amber=amber,
        benchmark=benchmark,
        benchmark_source=source if benchmark is not None else None,
        actor=actor,
    )
    session.add(change)
    session.flush()
    return _view(change)


def _view(row: KpiTargetChange) -> TargetChange:
    return TargetChange(
        row.code,
        row.period,
        row.target,
        row.amber,
        row.benchmark,
        row.benchmark_source,
        row.actor,
        row.at,
    )


def recent_changes(session: Session, limit: int = 50) -> list[TargetChange]:
    """The latest target changes, newest first."""
    rows = session.scalars(
        select(KpiTargetChange)
        .order_by(KpiTargetChange.at.desc(), KpiTargetChange.id.desc())
        .limit(limit)
    )
    return [_view(row) for row in rows]


def stored_targets(session: Session) -> list[KpiTarget]:
    """Every target a manager has set, by KPI and period."""
    return list(session.scalars(select(KpiTarget).order_by(KpiTarget.code, KpiTarget.period)))
