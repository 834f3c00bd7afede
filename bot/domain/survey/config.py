"""The survey settings file: which questions run, after what, and the cool-down.

Read through :class:`bot.core.config_files.ConfigFile`, so an edit takes effect in every
running process without a restart.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from bot.core.config_files import ConfigFile, ConfigFileError, read_mapping
from bot.core.settings import REPO_ROOT

SURVEY_CONFIG_FILE = REPO_ROOT / "config" / "survey.yml"

#: The questions, in their default order.
QUESTIONS: tuple[str, ...] = ("csat", "fcr", "ces", "nps", "comment")
#: When the survey may be offered.
TRIGGERS: tuple[str, ...] = ("handoff_closed", "complaint_resolved", "enquiry")


class SurveyConfigError(ConfigFileError):
    """The survey settings file is broken; the message names the file and the entry."""


@dataclass(frozen=True)
class SurveyConfig:
    """The contents of ``config/survey.yml``."""

    questions: tuple[str, ...]
    offer_after: frozenset[str]
    cooldown: timedelta


def load_survey_config(path: Path | None = None) -> SurveyConfig:
    """Read and validate the survey settings file.

    Args:
        path: the YAML file; default :data:`SURVEY_CONFIG_FILE`.

    Raises:
        SurveyConfigError: the file is missing or not YAML, an entry is unknown, a
            question or trigger is misspelt or repeated, or the cool-down is not a
            positive number of hours.
    """
    file = path or SURVEY_CONFIG_FILE
    data = read_mapping(file, SurveyConfigError, empty_ok=False)
    unknown = sorted(set(data) - {"questions", "offer_after", "cooldown_hours"})
    if unknown:
        raise SurveyConfigError(f"{file}: unknown entry {unknown[0]!r}")
    questions = _names(file, "questions", data.get("questions"), QUESTIONS)
    if not questions:
        raise SurveyConfigError(f"{file}: questions should list at least one question")
    offer_after = _names(file, "offer_after", data.get("offer_after", list(TRIGGERS)), TRIGGERS)
    hours = data.get("cooldown_hours", 24)
    if isinstance(hours, bool) or not isinstance(hours, (int, float)) or hours <= 0:
        raise SurveyConfigError(f"{file}: cooldown_hours should be a number of hours above 0")
    return SurveyConfig(questions, frozenset(offer_after), timedelta(hours=hours))


def _names(file: Path, entry: str, value: Any, allowed: tuple[str, ...]) -> tuple[str, ...]:
    if value is None:
        value = []
    if not isinstance(value, list):
        raise SurveyConfigError(f"{file}: {entry} should be a list of {', '.join(allowed)}")
    names: list[str] = []
    for index, item in enumerate(value):
        if item not in allowed:
            raise SurveyConfigError(
                f"{file}: {entry}[{index}]: {item!r} is not one of {', '.join(allowed)}"
            )
        if item in names:
            raise SurveyConfigError(f"{file}: {entry}[{index}]: {item!r} is listed twice")
        names.append(item)
    return tuple(names)


_SURVEY_CONFIG: ConfigFile[SurveyConfig] = ConfigFile(SURVEY_CONFIG_FILE, load_survey_config)


def survey_config(path: Path | None = None) -> SurveyConfig:
    """The survey settings, read again whenever the file has changed.

    Args:
        path: the YAML file; default :data:`SURVEY_CONFIG_FILE`.

    Raises:
        SurveyConfigError: the file is broken; the message names the file and the entry.
    """
    return _SURVEY_CONFIG.get(path)
