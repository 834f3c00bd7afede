"""The root of the operators' command line: ``--help``, the command registry, and the
problems every command reports the same way (database not migrated or not reachable)."""

from __future__ import annotations

import argparse
from typing import Any

import pytest

from bot.commands import main as cli
from tests.commands.runner import Bot


def test_help_explains_every_command(bot: Bot) -> None:
    result = bot("--help")

    assert result.returncode == 0
    for command, explanation in [
        ("db", "manage the database schema"),
        ("shipments", "import status events and look up shipments"),
        ("seed-demo", "migrate the database and load the demo shipments"),
        ("leads", "sales leads from quotes"),
    ]:
        assert command in result.stdout and explanation in result.stdout


def test_commands_ask_for_a_migration_first(bot: Bot) -> None:
    result = bot("shipments", "show", "160-12345675")

    assert result.returncode == 2
    assert "Run `python -m bot db upgrade` first" in result.stderr


def test_a_database_that_cannot_be_reached_is_reported(bot: Bot) -> None:
    bot.env["DATABASE_URL"] = "postgresql://postgres@127.0.0.1:1/nowhere"

    result = bot("leads", "list")

    assert result.returncode == 2
    assert "Cannot use the database" in result.stderr
    assert "Traceback" not in result.stderr


def _register_hello(subparsers: Any) -> None:
    parser = subparsers.add_parser("hello", help="say hello")
    parser.set_defaults(handler=_hello)


def _hello(args: argparse.Namespace) -> int:
    print("hello from a registered command")
    return 0


def test_other_modules_add_commands_through_the_registry(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(cli, "COMMANDS", [*cli.COMMANDS, f"{__name__}:_register_hello"])

    assert cli.main(["hello"]) == 0
    assert capsys.readouterr().out == "hello from a registered command\n"
