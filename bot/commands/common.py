"""What every command group shares: exit codes, the settings, a migrated database.

May import storage and core; command groups import it.
"""

from __future__ import annotations

import sys
from typing import Any

from bot.core.settings import Settings

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_NOT_READY = 2


def settings() -> Settings:
    """The settings from the environment (raises SettingsError, reported by main)."""
    return Settings.from_env()


def ready_engine(settings: Settings) -> Any:
    """Return the engine, or None after telling the operator to migrate first."""
    from bot.storage import db

    engine = db.get_engine(settings.database_url)
    if not db.is_up_to_date(engine):
        print(
            f"The database at {db.display_url(settings.database_url)} is not up to date. "
            "Run `python -m bot db upgrade` first.",
            file=sys.stderr,
        )
        return None
    return engine
