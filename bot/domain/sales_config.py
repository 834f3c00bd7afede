"""The sales settings file (``config/sales.yml``): the call-back promised on a lead, and
when the assistant may suggest a service.

Read through :class:`bot.core.config_files.ConfigFile`, so an edit takes effect in every
running process without a restart.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.core.config_files import ConfigFile, ConfigFileError, read_mapping
from bot.core.settings import REPO_ROOT

SALES_CONFIG_FILE = REPO_ROOT / "config" / "sales.yml"
#: The answers a promotion may follow.
PROMOTION_TRIGGERS: tuple[str, ...] = ("quote", "tracking")


class SalesConfigError(ConfigFileError):
    """``config/sales.yml`` is broken; the message names the file and the entry."""


@dataclass(frozen=True)
class SalesConfig:
    """The contents of ``config/sales.yml``."""

    callback_business_hours: float
    promotion_enabled: bool
    promotion_after: frozenset[str]


def load_sales_config(path: Path | None = None) -> SalesConfig:
    """Read and validate the sales settings file.

    Raises:
        SalesConfigError: the file is unreadable, an entry is unknown or has a bad value.
    """
    file = path or SALES_CONFIG_FILE
    data = read_mapping(file, SalesConfigError)
    unknown = sorted(set(data) - {"callback_business_hours", "promotion"})
    if unknown:
        raise SalesConfigError(f"{file}: unknown entry {unknown[0]!r}")
    hours = data.get("callback_business_hours", 9)
    if isinstance(hours, bool) or not isinstance(hours, (int, float)) or not 0 < hours <= 200:
        raise SalesConfigError(
            f"{file}: callback_business_hours should be a number of business hours above 0"
        )
    promotion = data.get("promotion") or {}
    if not isinstance(promotion, dict):
        raise SalesConfigError(f"{file}: promotion should be a mapping")
    extra = sorted(set(promotion) - {"enabled", "after"})
    if extra:
        raise SalesConfigError(f"{file}: promotion: unknown entry {extra[0]!r}")
    enabled = promotion.get("enabled", True)
    if not isinstance(enabled, bool):
        raise SalesConfigError(f"{file}: promotion.enabled should be true or false")
    after = promotion.get("after", list(PROMOTION_TRIGGERS))
    if not isinstance(after, list) or any(item not in PROMOTION_TRIGGERS for item in after):
        raise SalesConfigError(
            f"{file}: promotion.after should list some of {', '.join(PROMOTION_TRIGGERS)}"
        )
    return SalesConfig(float(hours), enabled, frozenset(after))


_SALES = ConfigFile(SALES_CONFIG_FILE, load_sales_config)


def sales_config(path: Path | None = None) -> SalesConfig:
    """The sales settings (``config/sales.yml`` unless ``path``), read again when edited."""
    return _SALES.get(path)
