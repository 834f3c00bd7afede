"""The console fixtures: ``console`` (three accounts, a Rasa stand-in) and ``dashboard``
(the hand-made KPI data), each served on a free loopback port for one test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.console.config import ConsoleConfig
from bot.domain.users import add_user
from bot.storage import db
from tests.console.harness import PASSWORD, Console, Dashboard, dashboard_transcript
from tests.console.server import ConsoleServer
from tests.domain.kpi.dashboard_data import seed
from tests.support.rasa_standin import RasaStandIn


@pytest.fixture
def console(sqlite_database_url: str) -> Iterator[Console]:
    """The console with ann (agent), lee (team lead, express) and mary (manager)."""
    db.upgrade(sqlite_database_url)
    with db.session_scope(db.get_engine(sqlite_database_url)) as session:
        add_user(session, "ann", PASSWORD, role="agent", team="express")
        add_user(session, "lee", PASSWORD, role="team_lead", team="express")
        add_user(session, "mary", PASSWORD, role="manager", team="general")
    with RasaStandIn(token="console-test") as rasa:
        config = ConsoleConfig(sqlite_database_url, rasa.url, "console-test")
        server = ConsoleServer(config).start()
        try:
            yield Console(server.url, rasa, sqlite_database_url)
        finally:
            server.stop()


@pytest.fixture
def dashboard(sqlite_database_url: str) -> Iterator[Dashboard]:
    """The console on the dashboard data, Rasa holding the quote conversation's transcript."""
    db.upgrade(sqlite_database_url)
    with db.session_scope(db.get_engine(sqlite_database_url)) as session:
        ids = seed(session)
    with RasaStandIn(token="dash-test") as rasa:
        rasa.events["tg-100"] = dashboard_transcript("tg-100")
        server = ConsoleServer(ConsoleConfig(sqlite_database_url, rasa.url, "dash-test")).start()
        try:
            yield Dashboard(server.url, rasa, sqlite_database_url, ids)
        finally:
            server.stop()
