"""The ``users`` commands: add (password from stdin), move and list, on SQLite and
PostgreSQL."""

from __future__ import annotations

import io

import pytest

from bot.commands import main as cli

PASSWORD = "correct horse battery"


def test_users_commands(
    db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    code = cli.main(
        ["users", "add", "ann", "--role", "agent", "--team", "express", "--password-stdin"]
    )
    assert code == 0 and "Added ann (agent, team express)" in capsys.readouterr().out

    assert cli.main(["users", "move", "ann", "air_freight"]) == 0
    assert cli.main(["users", "list"]) == 0
    assert "ann\tagent\tair_freight" in capsys.readouterr().out

    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert cli.main(["users", "add", "bob", "--team", "express", "--password-stdin"]) == 1
    assert "10 characters" in capsys.readouterr().err
