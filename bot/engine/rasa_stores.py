"""Finding Rasa's SQL stores the way Rasa does: the tracker store and the SQL event broker.

Customers' personal data (:mod:`bot.domain.privacy`) is also in Rasa's own tables; this
module reads the endpoints file with Rasa's reader (environment variables substituted)
and turns its ``tracker_store`` and ``event_broker`` entries into database URLs and
SQLAlchemy engines. Which endpoints file, or whether the profile's own settings name the
store instead, the caller decides (:mod:`bot.commands.customers`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.core.settings import REPO_ROOT, Settings

#: The endpoints file the production runner wrote for this run (the workers get it).
ENDPOINTS_ENV = "FREIGHTDESK_ENDPOINTS"
_SQLITE_FILES = {"tracker store": "rasa_tracker.db", "event broker": "rasa_events.db"}


def rasa_store_urls(settings: Settings, endpoints: Path | None = None) -> dict[str, str]:
    """Database URLs of Rasa's SQL tracker store and SQL event broker, where configured.

    Args:
        settings: the settings (a SQLite store of the embedded profile is the file the
            runner gives Rasa, under ``settings.var_dir``).
        endpoints: the endpoints file; default ``FREIGHTDESK_ENDPOINTS`` or
            ``endpoints.yml``.

    Returns:
        ``{"tracker store": url, "event broker": url}``, each only where it is a SQL
        store (Redis, Mongo or a Pika broker keep nothing to reach with SQL).
    """
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.core.utils import AvailableEndpoints

    path = endpoints or Path(os.environ.get(ENDPOINTS_ENV) or REPO_ROOT / "endpoints.yml")
    config = AvailableEndpoints.read_endpoints(str(path))
    urls: dict[str, str] = {}
    for label, endpoint in (
        ("tracker store", config.tracker_store),
        ("event broker", config.event_broker),
    ):
        if endpoint is None:
            continue
        kwargs = endpoint.kwargs
        kind = str(endpoint.type or "")
        if endpoint.url and endpoint.url.startswith(("postgresql", "sqlite", "mysql")):
            urls[label] = endpoint.url  # a database URL given whole
            continue
        if "dialect" not in kwargs and kind.lower() != "sql" and "SQL" not in kind:
            continue  # Redis, Mongo, Pika, ...: nothing of ours to reach with SQL
        dialect = kwargs.get("dialect", "sqlite")
        if dialect == "sqlite":
            urls[label] = f"sqlite:///{settings.var_dir / _SQLITE_FILES[label]}"
            continue
        urls[label] = str(
            SQLTrackerStore.get_db_url(
                dialect,
                kwargs.get("host") or endpoint.url,
                kwargs.get("port"),
                kwargs.get("db", "rasa"),
                kwargs.get("username") or kwargs.get("login"),
                kwargs.get("password"),
            )
        )
    # The KPI consumer's setting, where the broker's database is not the endpoints' one.
    broker_url = os.environ.get("KPI_EVENT_BROKER_URL")
    if broker_url:
        urls["event broker"] = broker_url
    return urls


def open_stores(urls: Mapping[str, str]) -> dict[str, Engine]:
    """An engine per store URL, leaving out a SQLite file Rasa has not written yet.

    Args:
        urls: label -> database URL, as :func:`rasa_store_urls` returns them.
    """
    engines: dict[str, Engine] = {}
    for label, url in urls.items():
        if url.startswith("sqlite:///") and not Path(url[len("sqlite:///") :]).exists():
            continue  # Rasa has not written it yet: nothing stored there
        engines[label] = sa.create_engine(url, hide_parameters=True)
    return engines
