"""Complaint service levels: the follow-up and resolution targets in ``config/service_levels.yml``.

:class:`SlaPolicy` holds the targets per complaint category and severity, in business
hours; the file's ``calendar`` section is the business-hours calendar they are measured in
(:mod:`bot.domain.business_hours`, which parses it and owns the file's error,
:class:`~bot.domain.business_hours.ServiceLevelsError`, and its entry checker). Both are
validated when loaded: a broken file fails with a message naming the file and the entry
(see ``config/README.md``). :func:`service_levels` is the one way to get them: complaints
(their promises) and the handoff queue (when a person is on duty) read the same calendar.

The complaint categories and severities are defined here because the file is written in
them. Plain Python: imports only core, the business-hours calendar and the standard library.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.core.config_files import ConfigFile, read_mapping
from bot.core.settings import REPO_ROOT
from bot.domain.business_hours import BusinessCalendar, EntryChecker, ServiceLevelsError

#: The service-levels file shipped with the code.
SERVICE_LEVELS_FILE = REPO_ROOT / "config" / "service_levels.yml"

#: Complaint severities, least urgent first.
SEVERITIES: tuple[str, ...] = ("low", "medium", "high", "critical")

#: Complaint categories: code -> how the customer sees it (buttons, replies).
CATEGORIES: dict[str, str] = {
    "damaged": "Damaged goods",
    "lost": "Lost shipment",
    "late": "Late delivery",
    "missing_items": "Items missing",
    "billing": "Billing or charges",
    "staff_conduct": "Staff behaviour",
    "missed_pickup": "Missed collection",
    "other": "Something else",
}


@dataclass(frozen=True)
class SlaTarget:
    """Targets for one category and severity, in business hours from the complaint.

    Attributes:
        first_followup_hours: until a colleague first contacts the customer (the promise
            the customer is given).
        resolution_hours: until the complaint is resolved (an internal target).
    """

    first_followup_hours: float
    resolution_hours: float


class SlaPolicy:
    """Follow-up and resolution targets per complaint category and severity.

    Attributes:
        reminder_before_hours: staff are reminded when a promised first follow-up is due
            within this many business hours and has not been made.
        missed_promise_followup_hours: a missed promise is passed to a senior colleague,
            and the customer is promised contact within this many business hours.
    """

    def __init__(
        self,
        targets: Mapping[tuple[str, str], SlaTarget],
        *,
        reminder_before_hours: float = 1.0,
        missed_promise_followup_hours: float = 2.0,
    ) -> None:
        """Build a policy from a complete ``(category, severity) -> target`` table."""
        self.targets = dict(targets)
        self.reminder_before_hours = reminder_before_hours
        self.missed_promise_followup_hours = missed_promise_followup_hours

    @classmethod
    def from_config(
        cls, data: Mapping[str, Any] | None, *, categories: Iterable[str], file: str = "sla"
    ) -> SlaPolicy:
        """Build the policy from the ``sla`` section of the service-levels file.

        ``default`` must give both targets for every severity; ``categories`` may
        override either target of any severity for a category.

        Args:
            data: the section as parsed from YAML.
            categories: every complaint category code (:data:`CATEGORIES`).
            file: name of the file, for error messages.

        Raises:
            ServiceLevelsError: an entry is wrong; the message names file and entry.
        """
        check = EntryChecker(file)
        codes = tuple(categories)
        section = check.mapping(
            data,
            "sla",
            ("reminder_before_hours", "missed_promise_followup_hours", "default", "categories"),
        )
        fields = ("first_followup", "resolution")
        defaults = check.mapping(section.get("default"), "sla.default", SEVERITIES)
        base: dict[str, dict[str, float]] = {}
        for severity in SEVERITIES:
            entry = f"sla.default.{severity}"
            if severity not in defaults:
                check.fail("sla.default", f"{severity} is missing")
            values = check.mapping(defaults[severity], entry, fields)
            for field in fields:
                if field not in values:
                    check.fail(entry, f"{field} is missing")
            base[severity] = {
                field: check.hours(values[field], f"{entry}.{field}") for field in fields
            }

        overrides = check.mapping(section.get("categories"), "sla.categories", codes)
        targets: dict[tuple[str, str], SlaTarget] = {}
        for category in codes:
            per_severity = check.mapping(
                overrides.get(category), f"sla.categories.{category}", SEVERITIES
            )
            for severity in SEVERITIES:
                entry = f"sla.categories.{category}.{severity}"
                values = dict(base[severity])
                given = check.mapping(per_severity.get(severity), entry, fields)
                for field, value in given.items():
                    values[field] = check.hours(value, f"{entry}.{field}")
                if values["resolution"] < values["first_followup"]:
                    where = entry if given else f"sla.default.{severity}"
                    check.fail(where, "resolution comes before the first follow-up")
                targets[category, severity] = SlaTarget(
                    values["first_followup"], values["resolution"]
                )

        return cls(
            targets,
            reminder_before_hours=check.hours(
                section.get("reminder_before_hours", 1), "sla.reminder_before_hours"
            ),
            missed_promise_followup_hours=check.hours(
                section.get("missed_promise_followup_hours", 2),
                "sla.missed_promise_followup_hours",
            ),
        )

    def target(self, category: str, severity: str) -> SlaTarget:
        """The targets for a category and severity.

        Raises:
            ValueError: unknown category or severity.
        """
        try:
            return self.targets[category, severity]
        except KeyError:
            raise ValueError(f"no service level for {category!r} / {severity!r}") from None


@dataclass(frozen=True)
class ServiceLevels:
    """The calendar and the policy, as loaded from one file."""

    calendar: BusinessCalendar
    policy: SlaPolicy


def load_service_levels(path: Path | None = None, *, categories: Iterable[str]) -> ServiceLevels:
    """Load and validate the service-levels file.

    Args:
        path: the YAML file; default :data:`SERVICE_LEVELS_FILE`.
        categories: every complaint category code, so a misspelt category is caught.

    Returns:
        The calendar and the policy.

    Raises:
        ServiceLevelsError: the file is missing, is not YAML, or an entry is wrong; the
            message names the file and the entry.
    """
    file = path or SERVICE_LEVELS_FILE
    check = EntryChecker(str(file))
    data = read_mapping(file, ServiceLevelsError)
    root = check.mapping(data, "top level", ("calendar", "sla"))
    if "sla" not in root:
        check.fail("top level", "the sla section is missing")
    return ServiceLevels(
        calendar=BusinessCalendar.from_config(root.get("calendar"), file=str(file)),
        policy=SlaPolicy.from_config(root["sla"], categories=categories, file=str(file)),
    )


_SERVICE_LEVELS: ConfigFile[ServiceLevels] = ConfigFile(
    SERVICE_LEVELS_FILE, lambda path: load_service_levels(path, categories=CATEGORIES)
)


def service_levels() -> ServiceLevels:
    """The shipped service levels (``config/service_levels.yml``), read again when edited.

    Raises:
        ServiceLevelsError: the file is broken; the message names the file and the entry.
    """
    return _SERVICE_LEVELS.get()
