"""``python -m bot kb export [--check]``."""

from __future__ import annotations

import pytest

from bot.commands import main as cli


def test_export_check_reports_the_committed_file_up_to_date(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cli.main(["kb", "export", "--check"]) == 0
    assert capsys.readouterr().out == "data/nlu/faq_responses.yml is up to date.\n"
