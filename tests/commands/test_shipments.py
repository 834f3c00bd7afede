"""``python -m bot shipments import|show``."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tests.commands.runner import Bot


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


def test_subcommand_help_explains_the_actions(bot: Bot) -> None:
    result = bot("shipments", "--help")

    assert result.returncode == 0
    assert "import status events from a CSV file" in result.stdout
    assert "show a shipment as a customer would see it" in result.stdout


def test_shipments_show_prints_the_customer_reply(bot: Bot) -> None:
    bot("seed-demo")

    result = bot("shipments", "show", "awb 160 4821 9371")

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Shipment 160-48219371: Air freight, Hong Kong (HKG) to Los Angeles (LAX)."
    # seed-demo moves the demo history so its newest event was yesterday.
    last_seen = [line for line in lines if line.startswith("Last seen: Hong Kong (HKG), ")]
    assert len(last_seen) == 1 and last_seen[0].endswith(", 23:50 (HKT).")
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
