"""The operators' command line, run as ``python -m bot`` in a subprocess.

Each test gets its own SQLite file through ``DATABASE_URL`` and runs from a temporary
working directory, so nothing depends on where the command is started.
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bot.commands import root as cli
from bot.core.settings import REPO_ROOT
from bot.domain.leads import save_lead
from bot.storage import db


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


@pytest.fixture
def bot(tmp_path: Path) -> Bot:
    """The command line, with its own empty (not migrated) SQLite database."""
    return Bot(tmp_path)


def _write_feed(path: Path, rows: list[dict[str, str]]) -> Path:
    columns = [
        "tracking_number",
        "mode",
        "service",
        "origin",
        "destination",
        "status",
        "location",
        "occurred_at",
        "description",
    ]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


def _event(number: str, status: str, at: str) -> dict[str, str]:
    return {
        "tracking_number": number,
        "mode": "air",
        "service": "Air freight",
        "origin": "Hong Kong (HKG)",
        "destination": "Singapore (SIN)",
        "status": status,
        "location": "Hong Kong (HKG)",
        "occurred_at": at,
        "description": f"Scan: {status}",
    }


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


def test_subcommand_help_explains_the_actions(bot: Bot) -> None:
    result = bot("shipments", "--help")

    assert result.returncode == 0
    assert "import status events from a CSV file" in result.stdout
    assert "show a shipment as a customer would see it" in result.stdout


def test_commands_ask_for_a_migration_first(bot: Bot) -> None:
    result = bot("shipments", "show", "160-12345675")

    assert result.returncode == 2
    assert "Run `python -m bot db upgrade` first" in result.stderr


def test_db_upgrade_creates_the_database_and_is_repeatable(bot: Bot, tmp_path: Path) -> None:
    first = bot("db", "upgrade")
    second = bot("db", "upgrade")

    assert first.returncode == second.returncode == 0, first.stderr
    assert f"is at revision {db.head_revision()} (newest)" in second.stdout
    assert (tmp_path / "var" / "cli.db").is_file()


def test_seed_demo_says_whether_anything_was_added(bot: Bot) -> None:
    first = bot("seed-demo")
    second = bot("seed-demo")

    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("Demo data added: 17 shipment(s) created")
    assert second.returncode == 0
    assert second.stdout.strip() == "Demo data was already there; nothing added."


def test_shipments_show_prints_the_customer_reply(bot: Bot) -> None:
    bot("seed-demo")

    result = bot("shipments", "show", "awb 160 4821 9371")

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Shipment 160-48219371: Air freight, Hong Kong (HKG) to Los Angeles (LAX)."
    # seed-demo moves the demo history so its newest event was yesterday.
    last_seen = [line for line in lines if line.startswith("Last seen: Hong Kong (HKG), ")]
    assert len(last_seen) == 1 and last_seen[0].endswith(", 23:50 HKT.")
    assert lines[-1].startswith("Next, ")


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("176-55308121", "should be 0"),  # last digit mistyped
        ("618-12345675", "No shipment with number 618-12345675."),
        ("hello", "'hello' is not a tracking number we recognise."),
    ],
)
def test_shipments_show_explains_why_nothing_is_shown(bot: Bot, number: str, message: str) -> None:
    bot("db", "upgrade")

    result = bot("shipments", "show", number)

    assert result.returncode == 1
    assert message in result.stderr
    assert result.stdout == ""


def test_shipments_import_prints_the_report(bot: Bot, tmp_path: Path) -> None:
    bot("db", "upgrade")
    feed = _write_feed(
        tmp_path / "feed.csv",
        [
            _event("160-12345675", "picked_up", "2025-03-10T16:40:00+08:00"),
            _event("160-12345675", "in_transit", "2025-03-11T23:50:00+08:00"),
        ],
    )

    first = bot("shipments", "import", str(feed))
    again = bot("shipments", "import", str(feed))
    shown = bot("shipments", "show", "160-12345675")

    assert first.returncode == 0, first.stderr
    assert "1 shipment(s) created, 0 updated, 2 event(s) added." in first.stdout
    assert "0 shipment(s) created, 0 updated, 0 event(s) added." in again.stdout
    assert "Status: In transit." in shown.stdout


def test_shipments_import_exits_1_and_names_the_bad_lines(bot: Bot, tmp_path: Path) -> None:
    bot("db", "upgrade")
    feed = _write_feed(
        tmp_path / "feed.csv",
        [
            _event("160-12345675", "picked_up", "2025-03-10T16:40:00+08:00"),
            _event("176-55308120", "teleported", "2025-03-10T16:40:00+08:00"),
        ],
    )

    result = bot("shipments", "import", str(feed))

    assert result.returncode == 1
    assert "1 shipment(s) created, 0 updated, 1 event(s) added; 1 row(s) rejected." in result.stdout
    assert "line 3: unknown status 'teleported'" in result.stderr


def test_shipments_import_of_a_missing_file_fails(bot: Bot, tmp_path: Path) -> None:
    result = bot("shipments", "import", str(tmp_path / "nope.csv"))

    assert result.returncode == 1
    assert "No such file" in result.stderr


def test_leads_list_masks_contacts_unless_asked(bot: Bot) -> None:
    bot("db", "upgrade")
    assert bot("leads", "list").stdout.strip() == "No leads yet."
    try:
        with db.session_scope(db.get_engine(bot.database_url)) as session:
            save_lead(
                session,
                sender_id="tg-1",
                channel="telegram",
                name="Chan Tai Man",
                contact="+852 9123 4567",
                company="Kowloon Trading Ltd",
                origin="Shenzhen",
                destination="Rotterdam",
                quoted_amount=4820.5,
                currency="HKD",
            )
    finally:
        db.dispose_engines()

    masked = bot("leads", "list")
    unmasked = bot("leads", "list", "--unmask")

    assert masked.returncode == 0
    assert "[new] Chan Tai Man <+852****4567>" in masked.stdout
    assert "Shenzhen to Rotterdam, HKD 4,820.50, telegram" in masked.stdout
    assert "9123" not in masked.stdout
    assert "<+85291234567>" in unmasked.stdout


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
