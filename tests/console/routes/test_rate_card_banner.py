"""Staff see a banner on every console page while the rate card runs out soon or has run
out; the sign-in page (no one signed in) shows nothing."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from bot.console.config import ConsoleConfig
from bot.core.settings import REPO_ROOT
from bot.domain.users import add_user
from bot.storage import db
from tests.console.harness import PASSWORD
from tests.console.server import ConsoleServer, sign_in
from tests.support.rasa_standin import RasaStandIn

TODAY = datetime.now(ZoneInfo("Asia/Hong_Kong")).date()


@pytest.fixture
def console_on_card(sqlite_database_url: str, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """The console on a copy of the knowledge base (url, folder); ann is an agent."""
    db.upgrade(sqlite_database_url)
    with db.session_scope(db.get_engine(sqlite_database_url)) as session:
        add_user(session, "ann", PASSWORD, role="agent", team="express")
    folder = tmp_path / "knowledge_base"
    shutil.copytree(REPO_ROOT / "knowledge_base", folder)
    with RasaStandIn(token="banner-test") as rasa:
        config = ConsoleConfig(sqlite_database_url, rasa.url, "banner-test", kb_dir=folder)
        server = ConsoleServer(config).start()
        try:
            yield server.url, folder
        finally:
            server.stop()


def _set_card(folder: Path, start: int, end: int) -> None:
    path = folder / "rates.yml"
    data = yaml.safe_load(path.read_text("utf-8"))
    data["as_of"] = (TODAY + timedelta(days=start)).isoformat()
    data["valid_until"] = (TODAY + timedelta(days=end)).isoformat()
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")


def test_banner_follows_the_card(console_on_card: tuple[str, Path]) -> None:
    url, folder = console_on_card
    _set_card(folder, -30, 60)
    agent = sign_in(url, "ann", PASSWORD)
    assert 'id="rate-card-warning"' not in agent.get(url + "/complaints", timeout=10).text

    _set_card(folder, -30, 3)
    page = agent.get(url + "/complaints", timeout=10).text
    assert 'id="rate-card-warning"' in page
    assert "The rate card runs out in 3 days" in page

    _set_card(folder, -60, -2)
    page = agent.get(url + "/queue", timeout=10).text
    assert "The rate card expired on" in page and "gives no prices" in page

    anonymous = agent.__class__().get(url + "/login", timeout=10).text
    assert 'id="rate-card-warning"' not in anonymous
