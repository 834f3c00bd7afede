"""The service-levels file: the shipped policy, and broken copies failing by name."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.core.config_files import ConfigFileError
from bot.domain.business_hours import ServiceLevelsError
from bot.domain.service_levels import (
    CATEGORIES,
    SERVICE_LEVELS_FILE,
    SEVERITIES,
    load_service_levels,
    service_levels,
)


@pytest.mark.parametrize(
    ("severity", "first_followup", "resolution"),
    [("critical", 2, 18), ("high", 4, 27), ("medium", 8, 45), ("low", 16, 90)],
)
def test_default_targets_by_severity(
    severity: str, first_followup: float, resolution: float
) -> None:
    target = service_levels().policy.target("damaged", severity)

    assert (target.first_followup_hours, target.resolution_hours) == (first_followup, resolution)


@pytest.mark.parametrize(
    ("category", "severity", "first_followup", "resolution"),
    [
        ("missed_pickup", "low", 4, 18),  # the goods are still waiting
        ("missed_pickup", "critical", 2, 9),
        ("lost", "critical", 2, 45),  # tracing takes longer
        ("lost", "low", 16, 135),
        ("staff_conduct", "medium", 8, 90),
        ("billing", "high", 4, 27),  # no override: the default
    ],
)
def test_category_overrides(
    category: str, severity: str, first_followup: float, resolution: float
) -> None:
    target = service_levels().policy.target(category, severity)

    assert (target.first_followup_hours, target.resolution_hours) == (first_followup, resolution)


@pytest.mark.parametrize("category", list(CATEGORIES))
def test_every_category_is_faster_the_more_severe(category: str) -> None:
    policy = service_levels().policy
    followups = [policy.target(category, s).first_followup_hours for s in SEVERITIES]

    assert followups == sorted(followups, reverse=True)
    assert all(
        policy.target(category, s).resolution_hours
        >= policy.target(category, s).first_followup_hours
        for s in SEVERITIES
    )
    assert policy.reminder_before_hours == 1
    assert policy.missed_promise_followup_hours == 2


def test_unknown_category_or_severity_has_no_target() -> None:
    with pytest.raises(ValueError, match="no service level"):
        service_levels().policy.target("damaged", "apocalyptic")


@pytest.fixture
def broken_copy(tmp_path: Path) -> Callable[[Callable[[dict[str, Any]], None]], Path]:
    """Write a copy of the shipped file changed by ``edit``; return its path."""

    def write(edit: Callable[[dict[str, Any]], None]) -> Path:
        data = yaml.safe_load(SERVICE_LEVELS_FILE.read_text(encoding="utf-8"))
        edit(data)
        path = tmp_path / "service_levels.yml"
        path.write_text(yaml.safe_dump(data), encoding="utf-8")
        return path

    return write


def _hours(day: str, value: Any) -> Callable[[dict[str, Any]], None]:
    return lambda data: data["calendar"]["opening_hours"].__setitem__(day, value)


@pytest.mark.parametrize(
    ("edit", "entry", "problem"),
    [
        (_hours("monday", "9-18"), "calendar.opening_hours.monday", "should be like"),
        (_hours("monday", "18:00-09:00"), "calendar.opening_hours.monday", "closes before"),
        (_hours("tuesday", "09:00-25:00"), "calendar.opening_hours.tuesday", "not a time"),
        (
            _hours("friday", "09:00-13:00, 12:00-18:00"),
            "calendar.opening_hours.friday",
            "overlap",
        ),
        (_hours("funday", "09:00-18:00"), "calendar.opening_hours", "unknown entry 'funday'"),
        (
            lambda d: d["calendar"]["opening_hours"].pop("sunday"),
            "calendar.opening_hours",
            "sunday is missing",
        ),
        (
            lambda d: d["calendar"].__setitem__(
                "opening_hours", dict.fromkeys(d["calendar"]["opening_hours"], "closed")
            ),
            "calendar.opening_hours",
            "every day is closed",
        ),
        (
            lambda d: d["calendar"].__setitem__("timezone", "Mars/Olympus_Mons"),
            "calendar.timezone",
            "not a known time zone",
        ),
        (
            lambda d: d["calendar"]["holidays"].__setitem__(1, {"date": "2026-02-30"}),
            "calendar.holidays[1].date",
            "not a date",
        ),
        (
            lambda d: d["calendar"]["holidays"].append(d["calendar"]["holidays"][0]),
            "calendar.holidays[34]",
            "listed twice",
        ),
        (
            lambda d: d["sla"]["default"]["high"].pop("first_followup"),
            "sla.default.high",
            "first_followup is missing",
        ),
        (
            lambda d: d["sla"]["default"].pop("low"),
            "sla.default",
            "low is missing",
        ),
        (
            lambda d: d["sla"]["categories"].__setitem__("damagd", {}),
            "sla.categories",
            "unknown entry 'damagd'",
        ),
        (
            lambda d: d["sla"]["default"]["medium"].__setitem__("first_followup", -8),
            "sla.default.medium.first_followup",
            "more than 0",
        ),
        (
            lambda d: d["sla"]["default"]["medium"].__setitem__("first_followup", "soon"),
            "sla.default.medium.first_followup",
            "should be a number",
        ),
        (
            lambda d: d["sla"]["categories"]["lost"].__setitem__("low", {"resolution": 1}),
            "sla.categories.lost.low",
            "resolution comes before the first follow-up",
        ),
        (lambda d: d.pop("sla"), "top level", "the sla section is missing"),
        (lambda d: d.__setitem__("slas", {}), "top level", "unknown entry 'slas'"),
    ],
)
def test_a_broken_file_fails_naming_the_file_and_the_entry(
    broken_copy: Callable[[Callable[[dict[str, Any]], None]], Path],
    edit: Callable[[dict[str, Any]], None],
    entry: str,
    problem: str,
) -> None:
    path = broken_copy(edit)

    with pytest.raises(ServiceLevelsError) as failure:
        load_service_levels(path, categories=CATEGORIES)

    assert str(failure.value).startswith(f"{path}: {entry}: ")
    assert problem in str(failure.value)


def test_a_file_that_is_not_yaml_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "service_levels.yml"
    path.write_text("calendar:\n  timezone: [Asia/Hong_Kong\nsla: {}\n", encoding="utf-8")

    with pytest.raises(ServiceLevelsError, match=rf"^{path}: line \d+: is not valid YAML"):
        load_service_levels(path, categories=CATEGORIES)


def test_a_missing_file_says_so(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.yml"

    with pytest.raises(ServiceLevelsError, match=rf"^{path}: file: cannot be read"):
        load_service_levels(path, categories=CATEGORIES)


def test_a_minimal_file_takes_the_default_calendar(tmp_path: Path) -> None:
    data = yaml.safe_load(SERVICE_LEVELS_FILE.read_text(encoding="utf-8"))
    path = tmp_path / "service_levels.yml"
    path.write_text(yaml.safe_dump({"sla": {"default": data["sla"]["default"]}}), encoding="utf-8")

    levels = load_service_levels(path, categories=CATEGORIES)

    assert str(levels.calendar.tz) == "Asia/Hong_Kong"
    assert levels.calendar.opening_hours[0] == ((9 * 60, 18 * 60),)
    assert levels.calendar.opening_hours[5] == ((9 * 60, 13 * 60),)
    assert levels.calendar.opening_hours[6] == ()
    assert levels.policy.target("missed_pickup", "low").first_followup_hours == 16


def test_the_file_is_read_by_the_one_settings_file_loader() -> None:
    assert issubclass(ServiceLevelsError, ConfigFileError)
    assert service_levels() is service_levels()  # cached until the file changes
