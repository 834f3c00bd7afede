"""``python -m bot rates check`` and ``rates import FILE``, on a copy of the knowledge base
whose card dates are set relative to today's date in Hong Kong."""

from __future__ import annotations

import shutil
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from bot.core.settings import REPO_ROOT
from tests.commands.runner import Bot

TODAY = datetime.now(ZoneInfo("Asia/Hong_Kong")).date()


def _kb(tmp_path: Path, bot: Bot, as_of: date, valid_until: date) -> Path:
    folder = tmp_path / "knowledge_base"
    shutil.copytree(REPO_ROOT / "knowledge_base", folder)
    _write_card(folder / "rates.yml", as_of, valid_until)
    bot.env["FREIGHTDESK_KB_DIR"] = str(folder)
    return folder


def _write_card(path: Path, as_of: date, valid_until: date) -> Path:
    data = yaml.safe_load((REPO_ROOT / "knowledge_base" / "rates.yml").read_text("utf-8"))
    data["as_of"], data["valid_until"] = as_of.isoformat(), valid_until.isoformat()
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
    return path


@pytest.mark.parametrize(
    ("start", "end", "code", "wording"),
    [
        (-30, 60, 0, "valid."),
        (-30, 5, 1, "runs out in 5 days"),
        (-30, -1, 1, "expired on"),
        (3, 60, 1, "only applies from"),
    ],
)
def test_check_says_whether_the_card_applies(
    bot: Bot, tmp_path: Path, start: int, end: int, code: int, wording: str
) -> None:
    _kb(tmp_path, bot, TODAY + timedelta(days=start), TODAY + timedelta(days=end))
    result = bot("rates", "check")
    assert result.returncode == code, result.stdout + result.stderr
    assert wording in result.stdout


def test_import_loads_a_valid_card(bot: Bot, tmp_path: Path) -> None:
    folder = _kb(tmp_path, bot, TODAY - timedelta(days=60), TODAY - timedelta(days=1))
    assert "expired on" in bot("rates", "check").stdout
    new = _write_card(tmp_path / "next.yml", TODAY, TODAY + timedelta(days=90))
    result = bot("rates", "import", str(new))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "next.yml loaded." in result.stdout
    card = yaml.safe_load((folder / "rates.yml").read_text("utf-8"))
    assert str(card["valid_until"]) == (TODAY + timedelta(days=90)).isoformat()
    assert bot("rates", "check").returncode == 0


def test_dry_run_changes_nothing(bot: Bot, tmp_path: Path) -> None:
    folder = _kb(tmp_path, bot, TODAY - timedelta(days=60), TODAY - timedelta(days=1))
    before = (folder / "rates.yml").read_bytes()
    new = _write_card(tmp_path / "next.yml", TODAY, TODAY + timedelta(days=90))
    result = bot("rates", "import", "--dry-run", str(new))
    assert result.returncode == 0 and "would be loaded" in result.stdout
    assert (folder / "rates.yml").read_bytes() == before


@pytest.mark.parametrize(
    ("text", "wording"),
    [
        (None, "'valid_until'"),  # expired card, filled in below
        ("currency: [\n", "bad YAML"),
        ("currency: HKD\n", "missing"),
    ],
)
def test_import_refuses_a_bad_card_and_says_why(
    bot: Bot, tmp_path: Path, text: str | None, wording: str
) -> None:
    folder = _kb(tmp_path, bot, TODAY - timedelta(days=10), TODAY + timedelta(days=60))
    before = (folder / "rates.yml").read_bytes()
    new = tmp_path / "next.yml"
    if text is None:
        _write_card(new, TODAY - timedelta(days=90), TODAY - timedelta(days=1))
    else:
        new.write_text(text, "utf-8")
    result = bot("rates", "import", str(new))
    assert result.returncode == 1
    assert result.stdout.startswith("The rate card was not loaded: next.yml")
    assert wording in result.stdout
    assert (folder / "rates.yml").read_bytes() == before


def test_import_of_a_missing_file(bot: Bot, tmp_path: Path) -> None:
    _kb(tmp_path, bot, TODAY - timedelta(days=10), TODAY + timedelta(days=60))
    result = bot("rates", "import", str(tmp_path / "nowhere.yml"))
    assert result.returncode == 1 and "no such file; nothing was changed" in result.stdout
