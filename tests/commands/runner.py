"""``python -m bot`` in a subprocess, on its own SQLite database (the ``bot`` fixture).

Each test gets its own SQLite file through ``DATABASE_URL`` and runs from a temporary
working directory, so nothing depends on where the command is started.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from bot.core.settings import REPO_ROOT


class Bot:
    """Runs ``python -m bot`` against one SQLite database."""

    def __init__(self, tmp_path: Path) -> None:
        self.database_url = f"sqlite:///{tmp_path / 'var' / 'cli.db'}"
        self.cwd = tmp_path
        self.env = {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "FREIGHTDESK_VAR_DIR": str(tmp_path / "var"),
            "FREIGHTDESK_TIMEZONE": "Asia/Hong_Kong",
            "RASA_TELEMETRY_ENABLED": "false",
            "PYTHONPATH": str(REPO_ROOT),
        }

    def __call__(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run the command line with ``args`` and return what it printed and its exit code."""
        return subprocess.run(
            [sys.executable, "-m", "bot", *args],
            cwd=self.cwd,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
