"""Recognition and coaching hints for agents, from thresholds in ``config/agent_hints.yml``.

The file is validated when it is loaded: a wrong entry fails with the file and the
entry named (``config/agent_hints.yml: coaching[2].kpi: 'csatt' is not a KPI code``),
so a typo never silently drops a hint.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from bot.core.config_files import ConfigFile, ConfigFileError, read_mapping
from bot.core.settings import REPO_ROOT
from bot.domain.kpi.formulas import KPI_BY_CODE

HINTS_FILE = REPO_ROOT / "config" / "agent_hints.yml"

_RULE_KEYS = ("kpi", "at_least", "at_most", "min_n", "text")


class HintsError(ConfigFileError):
    """The hints file is missing, is not YAML, or has a wrong entry."""


@dataclass(frozen=True)
class HintRule:
    """A threshold on one KPI and what to say when an agent's figure crosses it."""

    kpi: str
    text: str
    at_least: float | None = None
    at_most: float | None = None
    min_n: int = 1

    def matches(self, value: float | None, n: int) -> bool:
        """Whether a figure over ``n`` data points crosses this threshold."""
        if value is None or n < self.min_n:
            return False
        if self.at_least is not None:
            return value >= self.at_least
        assert self.at_most is not None
        return value <= self.at_most

    def describe(self) -> str:
        """The threshold as people read it, e.g. ``CSAT >= 92 %``."""
        kpi = KPI_BY_CODE[self.kpi]
        sign, bound = (">=", self.at_least) if self.at_least is not None else ("<=", self.at_most)
        return f"{kpi.name} {sign} {bound:g} {kpi.unit} (n >= {self.min_n})"


@dataclass(frozen=True)
class HintRules:
    """Every recognition and coaching rule."""

    recognition: tuple[HintRule, ...]
    coaching: tuple[HintRule, ...]

    def evaluate(self, figures: dict[str, tuple[float | None, int]]) -> tuple[list[str], list[str]]:
        """The recognition and coaching texts that an agent's figures earn.

        Args:
            figures: ``{kpi code: (value, n)}``.
        """

        def texts(rules: tuple[HintRule, ...]) -> list[str]:
            return [rule.text for rule in rules if rule.matches(*figures.get(rule.kpi, (None, 0)))]

        return texts(self.recognition), texts(self.coaching)


class _Checker:
    def __init__(self, file: str) -> None:
        self.file = file

    def fail(self, where: str, problem: str) -> NoReturn:
        raise HintsError(f"{self.file}: {where}: {problem}")


def _number(check: _Checker, value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        check.fail(where, f"{value!r} should be a number")
    return float(value)


def _rule(check: _Checker, data: Any, where: str, default_min_n: int) -> HintRule:
    if not isinstance(data, dict):
        check.fail(where, "should be a mapping with kpi, at_least or at_most, and text")
    unknown = sorted(set(data) - set(_RULE_KEYS))
    if unknown:
        check.fail(f"{where}.{unknown[0]}", f"unknown entry; use {', '.join(_RULE_KEYS)}")
    code = data.get("kpi")
    if code not in KPI_BY_CODE:
        check.fail(f"{where}.kpi", f"{code!r} is not a KPI code ({', '.join(KPI_BY_CODE)})")
    if ("at_least" in data) == ("at_most" in data):
        check.fail(where, "give exactly one of at_least and at_most")
    at_least = _number(check, data["at_least"], f"{where}.at_least") if "at_least" in data else None
    at_most = _number(check, data["at_most"], f"{where}.at_most") if "at_most" in data else None
    text = data.get("text")
    if not isinstance(text, str) or not text.strip():
        check.fail(f"{where}.text", "the hint's text is missing")
    min_n = data.get("min_n", default_min_n)
    if isinstance(min_n, bool) or not isinstance(min_n, int) or min_n < 1:
        check.fail(f"{where}.min_n", f"{min_n!r} should be a whole number of 1 or more")
    return HintRule(str(code), text.strip(), at_least, at_most, min_n)


def load_hint_rules(path: Path | None = None) -> HintRules:
    """Load and validate the hints file.

    Args:
        path: the YAML file; default :data:`HINTS_FILE`.

    Raises:
        HintsError: the file cannot be read, is not YAML or has a wrong entry; the
            message names the file and the entry.
    """
    file = path or HINTS_FILE
    check = _Checker(str(file))
    data = read_mapping(file, HintsError, empty_ok=False)
    unknown = sorted(set(data) - {"min_n", "recognition", "coaching"})
    if unknown:
        check.fail(unknown[0], "unknown entry; use min_n, recognition, coaching")
    min_n = data.get("min_n", 1)
    if isinstance(min_n, bool) or not isinstance(min_n, int) or min_n < 1:
        check.fail("min_n", f"{min_n!r} should be a whole number of 1 or more")
    groups: dict[str, tuple[HintRule, ...]] = {}
    for name in ("recognition", "coaching"):
        items = data.get(name) or []
        if not isinstance(items, list):
            check.fail(name, "should be a list of rules")
        groups[name] = tuple(
            _rule(check, item, f"{name}[{index}]", min_n) for index, item in enumerate(items)
        )
    return HintRules(groups["recognition"], groups["coaching"])


_HINTS = ConfigFile(HINTS_FILE, load_hint_rules)


def hint_rules(path: Path | None = None) -> HintRules:
    """The hints file (default :data:`HINTS_FILE`), loaded again whenever it changes."""
    return _HINTS.get(path or HINTS_FILE)
