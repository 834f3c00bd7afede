"""A rate card's validity: whether it may price a shipment today, when staff are warned
that it runs out, and how a new card is checked and put in place.

A card applies from its ``as_of`` date to its ``valid_until`` date inclusive, both read as
calendar days in the service centre's time zone. Outside that period no price is given
(:func:`bot.domain.quotes.quote` refuses); staff are warned ``warn_days_before_expiry``
days before the last day (``config/rates.yml``).
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from bot.core.config_files import ConfigFile, ConfigFileError, read_mapping
from bot.core.settings import REPO_ROOT, Settings
from bot.domain.clock import moment_of
from bot.domain.kb.checks import read_yaml
from bot.domain.kb.errors import KnowledgeBaseError
from bot.domain.kb.models import RateCard
from bot.domain.kb.parsers import FILES, PARSERS, check_coverage, parse_rates

RATES_CONFIG_FILE = REPO_ROOT / "config" / "rates.yml"
DEFAULT_WARN_DAYS = 14

#: The states of a card on a day.
VALID, EXPIRING, EXPIRED, NOT_YET_VALID = "valid", "expiring", "expired", "not_yet_valid"


class RatesConfigError(ConfigFileError):
    """``config/rates.yml`` is broken; the message names the file and the entry."""


def _load_warn_days(path: Path) -> int:
    data = read_mapping(path, RatesConfigError)
    unknown = sorted(set(data) - {"warn_days_before_expiry"})
    if unknown:
        raise RatesConfigError(f"{path}: unknown entry {unknown[0]!r}")
    days = data.get("warn_days_before_expiry", DEFAULT_WARN_DAYS)
    if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= 366:
        raise RatesConfigError(
            f"{path}: warn_days_before_expiry should be a whole number of days from 0 to 366"
        )
    return days


_WARN_DAYS = ConfigFile(RATES_CONFIG_FILE, _load_warn_days)


def warn_days(path: Path | None = None) -> int:
    """Days before a card's last day from which staff are warned (``config/rates.yml``)."""
    return _WARN_DAYS.get(path)


def local_today(now: datetime | None = None, tz: Any = None) -> date:
    """The service centre's calendar day at ``now`` (default: the clock)."""
    zone = tz if tz is not None else Settings.from_env().tz
    return moment_of(now).astimezone(zone).date()


@dataclass(frozen=True)
class Validity:
    """A rate card's standing on one day.

    Attributes:
        state: :data:`VALID`, :data:`EXPIRING` (usable, within the warning period),
            :data:`EXPIRED` or :data:`NOT_YET_VALID`.
        valid_from: first day the card applies.
        valid_until: last day it applies.
        days_left: days from the day asked about to the last day (0 on the last day,
            negative once expired).
    """

    state: str
    valid_from: date
    valid_until: date
    days_left: int

    @property
    def usable(self) -> bool:
        """Whether the card may price a shipment on that day."""
        return self.state in (VALID, EXPIRING)

    def staff_warning(self) -> str | None:
        """What staff should be told about the card (console banner, CLI), or None."""
        until = self.valid_until.isoformat()
        if self.state == EXPIRED:
            return (
                f"The rate card expired on {until}: the assistant gives no prices and offers "
                "customers a colleague instead. Load a new card with "
                "`python -m bot rates import FILE`."
            )
        if self.state == NOT_YET_VALID:
            return (
                f"The rate card only applies from {self.valid_from.isoformat()}: the assistant "
                "gives no prices until then and offers customers a colleague instead."
            )
        if self.state == EXPIRING:
            days = (
                "today"
                if self.days_left == 0
                else f"in {self.days_left} day" + ("" if self.days_left == 1 else "s")
            )
            return (
                f"The rate card runs out {days} (valid until {until}). Load the next card "
                "with `python -m bot rates import FILE` before then."
            )
        return None


def validity(card: RateCard, today: date, warn_before_days: int | None = None) -> Validity:
    """The standing of ``card`` on ``today``.

    Args:
        card: the rate card.
        today: the service centre's calendar day.
        warn_before_days: the warning period; default :func:`warn_days`.
    """
    start = date.fromisoformat(card.as_of)
    end = date.fromisoformat(card.valid_until)
    days_left = (end - today).days
    warn = warn_days() if warn_before_days is None else warn_before_days
    if today < start:
        state = NOT_YET_VALID
    elif days_left < 0:
        state = EXPIRED
    elif days_left < warn:
        state = EXPIRING
    else:
        state = VALID
    return Validity(state, start, end, days_left)


def read_rate_card(kb_dir: Path) -> RateCard:
    """The rate card of the knowledge base folder ``kb_dir``, validated.

    Raises:
        KnowledgeBaseError: the file is missing or invalid; the message names the entry.
    """
    file = f"{kb_dir.name}/{FILES['rates']}"
    card: RateCard = parse_rates(read_yaml(kb_dir / FILES["rates"], file), file)
    return card


def import_rate_card(source: Path, kb_dir: Path, today: date) -> RateCard:
    """Check the card in ``source`` and make it the knowledge base's rate card.

    The card must be valid by itself, price every lane the transit times and places of
    ``kb_dir`` need (the same check as at start-up), and not be over already. Nothing is
    written unless every check passes; the file is then replaced atomically, so a running
    assistant reads either the old card or the new one, never half of one.

    Args:
        source: the new card (YAML, the schema of ``knowledge_base/rates.yml``).
        kb_dir: the knowledge base folder.
        today: the service centre's calendar day.

    Returns:
        The new card.

    Raises:
        KnowledgeBaseError: the card cannot be used; the message says why.
    """
    label = source.name
    card: RateCard = parse_rates(read_yaml(source, label), label)
    others: dict[str, Any] = {}
    for part in ("places", "transit"):
        file = f"{kb_dir.name}/{FILES[part]}"
        others[part] = PARSERS[part](read_yaml(kb_dir / FILES[part], file), file)
    check_coverage(kb_dir.name, card, others["transit"], others["places"])
    if date.fromisoformat(card.valid_until) < today:
        raise KnowledgeBaseError(
            f"{label}: 'valid_until' {card.valid_until} is already past (today is "
            f"{today.isoformat()}), so this card could never give a price"
        )
    target = kb_dir / FILES["rates"]
    text = source.read_text(encoding="utf-8")
    handle, temporary = tempfile.mkstemp(dir=kb_dir, prefix=".rates-", suffix=".yml")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return card


def _parse_card_file(path: Path) -> RateCard:
    card: RateCard = parse_rates(read_yaml(path, f"{path.parent.name}/{path.name}"), path.name)
    return card


_CARDS = ConfigFile(REPO_ROOT / "knowledge_base" / FILES["rates"], _parse_card_file)


def staff_warning_for(kb_dir: Path, today: date) -> str | None:
    """The warning staff see about the rate card of ``kb_dir`` on ``today``, or None.

    The card is read again only when its file changes, so a page may call this on every
    view. A card that cannot be read is a warning too.
    """
    try:
        card = _CARDS.get(kb_dir / FILES["rates"])
    except KnowledgeBaseError as exc:
        return f"The rate card cannot be read, so the assistant gives no prices: {exc}"
    return validity(card, today).staff_warning()
