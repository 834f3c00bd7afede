"""The managers' dashboard in headless Chromium: sign in as a manager, read the tiles,
filter, open a conversation and its transcript, download the CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from bot.console.config import ConsoleConfig
from bot.storage import db
from tests.console.server import ConsoleServer
from tests.domain.kpi.dashboard_data import ACME, PASSWORD, SCRIPT, T0, seed
from tests.support.browser import open_page
from tests.support.rasa_standin import RasaStandIn


@pytest.fixture
def console_url(sqlite_database_url: str) -> Iterator[str]:
    db.upgrade(sqlite_database_url)
    with db.session_scope(db.get_engine(sqlite_database_url)) as session:
        seed(session)
    with RasaStandIn(token="browser-test") as rasa:
        start = T0.timestamp() + 3600
        rasa.events["tg-100"] = [
            {"event": "user", "text": f"{SCRIPT} a quote please", "timestamp": start + 1},
            {"event": "bot", "text": "Which weight?", "timestamp": start + 2},
        ]
        server = ConsoleServer(ConsoleConfig(sqlite_database_url, rasa.url, "browser-test"))
        server.start()
        try:
            yield server.url
        finally:
            server.stop()


@pytest.fixture
def page(tmp_path: Path) -> Iterator[Page]:
    with open_page(
        tmp_path / "profile", viewport={"width": 1280, "height": 900}, accept_downloads=True
    ) as page:
        yield page


def test_manager_uses_the_dashboard(console_url: str, page: Page, tmp_path: Path) -> None:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    missing: list[str] = []
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)

    page.goto(f"{console_url}/dashboard?from=2026-11-01&to=2026-11-30")
    expect(page).to_have_url(f"{console_url}/login")
    page.get_by_label("Name").fill("mary")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Dashboard").click()
    expect(page).to_have_url(f"{console_url}/dashboard")

    # The default period is the last 30 days; choose November 2026.
    filters = page.get_by_role("form", name="Filters")
    filters.get_by_label("From").fill("2026-11-01")
    filters.get_by_label("To").fill("2026-11-30")
    filters.get_by_role("button", name="Show").click()
    containment = page.get_by_role("region", name="Containment (no handoff)")
    expect(containment.locator(".value")).to_have_text("50 %")
    expect(containment.locator(".status")).to_have_text("red")
    expect(page.get_by_role("img", name="Containment (no handoff), per day")).to_be_visible()

    # Filter by a channel: Telegram had one conversation, handed off.
    filters = page.get_by_role("form", name="Filters")
    filters.get_by_label("Channel").select_option("telegram")
    filters.get_by_role("button", name="Show").click()
    expect(page.get_by_role("region", name="Escalation rate").locator(".value")).to_have_text(
        "100 %"
    )
    assert "channel=telegram" in page.url

    # Download the CSV of what is shown.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download CSV (one row per conversation)").click()
    path = tmp_path / "export.csv"
    download_info.value.save_as(path)
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert [(r["channel"], r["agent"], r["account"]) for r in rows] == [("telegram", "ann", ACME)]

    # Open that conversation from the log: the customer's text is text.
    page.get_by_role("link", name="These conversations").click()
    page.get_by_role("link", name="Open").click()
    expect(page.locator(".line-customer .text")).to_have_text(f"{SCRIPT} a quote please")
    assert page.title() != "owned"
    expect(page.locator(".facts").first).to_contain_text("handed off to ann")
    # Nothing the pages load is missing (the browser's own favicon request aside), and no
    # script or policy error was reported.
    assert [url for url in missing if not url.endswith("/favicon.ico")] == []
    assert [e for e in errors if "404" not in e] == []
