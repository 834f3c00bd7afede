"""``python -m bot seed-demo``."""

from __future__ import annotations

from tests.commands.runner import Bot


def test_seed_demo_says_whether_anything_was_added(bot: Bot) -> None:
    first = bot("seed-demo")
    second = bot("seed-demo")

    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("Demo data added: 17 shipment(s) created")
    assert second.returncode == 0
    assert second.stdout.strip() == "Demo data was already there; nothing added."
