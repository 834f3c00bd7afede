"""Fixtures of the command-line tests: ``python -m bot`` on its own database (``bot``),
and the complaints shared with the domain tests (``file_complaint``, ``rasa``)."""

from pathlib import Path

import pytest

from tests.commands.runner import Bot
from tests.domain.complaints.conftest import file_complaint, rasa

__all__ = ["file_complaint", "rasa"]


@pytest.fixture
def bot(tmp_path: Path) -> Bot:
    """The command line, with its own empty (not migrated) SQLite database."""
    return Bot(tmp_path)
