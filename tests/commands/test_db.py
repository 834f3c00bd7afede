"""``python -m bot db upgrade``."""

from __future__ import annotations

from pathlib import Path

from bot.storage import db
from tests.commands.runner import Bot


def test_db_upgrade_creates_the_database_and_is_repeatable(bot: Bot, tmp_path: Path) -> None:
    first = bot("db", "upgrade")
    second = bot("db", "upgrade")

    assert first.returncode == second.returncode == 0, first.stderr
    assert f"is at revision {db.head_revision()} (newest)" in second.stdout
    assert (tmp_path / "var" / "cli.db").is_file()
