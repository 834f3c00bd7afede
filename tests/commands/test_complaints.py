"""`python -m bot complaints ...` in a subprocess, against SQLite and a Rasa stand-in."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.core.settings import Settings
from bot.domain.complaints.records import create_complaint
from bot.ops.stack import free_port, worker_commands
from bot.storage import db
from tests.commands.runner import Bot
from tests.domain.complaints.conftest import COMPLAINT
from tests.support.rasa_standin import RasaStandIn


class ComplaintsBot(Bot):
    """``python -m bot`` on its own SQLite database, reaching Rasa at the stand-in."""

    def __init__(self, tmp_path: Path, rasa: RasaStandIn) -> None:
        super().__init__(tmp_path)
        self.env.update({"RASA_URL": rasa.url, "RASA_TOKEN": rasa.token, "USER": "ops-amy"})


@pytest.fixture
def bot(tmp_path: Path, rasa: RasaStandIn) -> Iterator[Bot]:
    """The command line on a migrated database holding one complaint, CMP-YYYY-00001."""
    runner = ComplaintsBot(tmp_path, rasa)
    db.upgrade(runner.database_url)
    with db.session_scope(db.get_engine(runner.database_url)) as session:
        create_complaint(session, **COMPLAINT)
    yield runner
    db.dispose_engines()


def _reference(bot: Bot) -> str:
    listed = bot("complaints", "list")
    assert listed.returncode == 0, listed.stderr
    return listed.stdout.split()[0]


def test_list_shows_open_complaints_with_masked_contacts(bot: Bot) -> None:
    result = bot("complaints", "list")

    assert result.returncode == 0, result.stderr
    (line,) = result.stdout.splitlines()
    assert line.startswith("CMP-") and "[open] medium damaged due " in line
    assert "assigned: - contact: +852****4567" in line
    assert "+852****4567" not in bot("complaints", "list", "--unmask").stdout
    assert bot("complaints", "list", "--status", "resolved").stdout == "No complaints to show.\n"


def test_assign_note_resolve_and_show_the_audit_trail(bot: Bot, rasa: RasaStandIn) -> None:
    reference = _reference(bot)

    assigned = bot("complaints", "assign", reference, "bo")
    noted = bot("complaints", "note", reference, "Called the customer; photos requested.")
    resolved = bot(
        "complaints",
        "resolve",
        reference,
        "We have refunded HKD 450 to your card",
        "--actor",
        "kim",
    )
    shown = bot("complaints", "show", reference)

    assert (assigned.returncode, noted.returncode, resolved.returncode) == (0, 0, 0)
    assert assigned.stdout == f"{reference} assigned to bo.\n"
    assert resolved.stdout == (
        f"{reference} resolved.\nThe customer has been told the outcome of {reference}.\n"
    )
    (message,) = rasa.sent
    assert message.sender_id == "tg-4711"
    assert "has been resolved: We have refunded HKD 450 to your card." in message.body["text"]
    assert shown.returncode == 0, shown.stderr
    trail = shown.stdout.split("Audit trail:\n")[1].splitlines()
    assert [line.split()[2:4] for line in trail] == [
        ["customer:", "created"],
        ["ops-amy:", "assigned"],
        ["ops-amy:", "note"],
        ["ops-amy:", "followed_up"],
        ["kim:", "resolved"],
        ["follow-up", "worker:"],
    ]
    assert trail[-1].endswith("customer_notified  outcome sent via telegram")
    assert "Status: resolved" in shown.stdout and "promise kept" in shown.stdout


def test_resolve_while_rasa_is_down_saves_and_leaves_it_to_the_worker(
    bot: Bot, rasa: RasaStandIn
) -> None:
    reference = _reference(bot)
    bot.env["RASA_URL"] = f"http://127.0.0.1:{free_port()}"

    resolved = bot("complaints", "resolve", reference, "Replaced free of charge.")

    assert resolved.returncode == 0, resolved.stderr
    assert "could not be told the outcome" in resolved.stdout
    assert "the follow-up worker will retry" in resolved.stdout
    assert "Status: resolved" in bot("complaints", "show", reference).stdout

    bot.env["RASA_URL"] = rasa.url
    watched = bot("complaints", "watch", "--once")
    again = bot("complaints", "watch", "--once")

    assert (watched.returncode, again.returncode) == (0, 0), watched.stderr
    assert "1 message(s) sent" in watched.stderr
    assert len(rasa.sent) == 1


def test_mistakes_are_reported_with_exit_code_1(bot: Bot) -> None:
    reference = _reference(bot)

    unknown = bot("complaints", "show", "CMP-2020-00009")
    empty = bot("complaints", "note", reference, "   ")
    bot("complaints", "resolve", reference, "Done.")
    twice = bot("complaints", "resolve", reference, "Done again.")

    assert (unknown.returncode, unknown.stderr) == (1, "There is no complaint CMP-2020-00009.\n")
    assert (empty.returncode, empty.stderr) == (1, "The note is empty.\n")
    assert twice.returncode == 1 and "already resolved" in twice.stderr


def test_an_unmigrated_database_is_refused(tmp_path: Path, rasa: RasaStandIn) -> None:
    result = ComplaintsBot(tmp_path, rasa)("complaints", "list")

    assert result.returncode == 2
    assert "Run `python -m bot db upgrade` first" in result.stderr


def test_make_run_starts_the_watcher() -> None:
    workers = worker_commands(Settings.from_env({}))

    assert workers["complaints-watch"] == [sys.executable, "-m", "bot", "complaints", "watch"]
