"""The leads screen: a team lead assigns, the agent works the lead to won in headless
Chromium, every step in the history; agents see only their own; lost needs a reason; a
manager sees the sales figures and downloads the marketing consents."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from bot.domain import consent
from bot.domain.leads import save_lead
from bot.domain.sales_events import record_event
from bot.storage import db
from bot.storage.models import utcnow
from tests.console.harness import PASSWORD, SCRIPT, Console
from tests.console.server import page_csrf, sign_in
from tests.support.browser import open_page


def _seed(console: Console) -> tuple[int, int]:
    with db.session_scope(db.get_engine(console.database_url)) as session:
        first = save_lead(
            session,
            sender_id="web-lead-1",
            channel="socketio",
            name=f"Chan Tai Man {SCRIPT}",
            contact="tm.chan@example.com",
            mode="air",
            origin="Hong Kong",
            destination="Hamburg",
            weight_kg=120,
            quoted_amount=4350,
            currency="HKD",
            now=utcnow() - timedelta(minutes=5),
        )
        second = save_lead(
            session,
            sender_id="web-lead-2",
            channel="telegram",
            name="Wong Siu Ming",
            contact="+852 9123 4567",
        )
        record_event(session, sender_id="web-lead-1", channel="socketio", kind="quote")
        consent.record_answer(
            session,
            sender_id="web-lead-1",
            channel="socketio",
            granted=True,
            wording="May we also use tm.chan@example.com to send you news?",
            language="en",
            answer="yes",
            contact="tm.chan@example.com",
            lead_id=first,
        )
    return first, second


@pytest.fixture
def page(tmp_path: Path) -> Iterator[Page]:
    with open_page(tmp_path / "profile", viewport={"width": 1280, "height": 900}) as page:
        yield page


def _sign_in(page: Page, url: str, name: str) -> None:
    page.goto(f"{url}/login")
    page.get_by_label("Name").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_lead_worked_to_won_in_the_browser(console: Console, page: Page) -> None:
    first, _ = _seed(console)
    ref = f"LEAD-{first:05d}"
    missing: list[str] = []
    page.on("response", lambda r: missing.append(r.url) if r.status >= 400 else None)

    _sign_in(page, console.url, "lee")
    page.get_by_role("link", name="Leads").click()
    expect(page.get_by_role("heading", name="Sales leads")).to_be_visible()
    page.get_by_label(f"Assign {ref} to").fill("ann")
    page.locator(f"#{ref}").get_by_role("button", name="Assign").click()
    expect(page.get_by_role("status")).to_have_text(f"{ref}: assignment saved.")
    page.get_by_role("button", name="Sign out").click()

    _sign_in(page, console.url, "ann")
    page.goto(f"{console.url}/leads")
    expect(page.get_by_role("heading", name="My leads")).to_be_visible()
    rows = page.locator("table.leads tbody tr")
    expect(rows).to_have_count(1)  # only ann's lead
    assert SCRIPT not in page.content()  # the customer's text is escaped
    for status, note in (("contacted", "marked contacted."), ("quoted", "marked quoted.")):
        page.get_by_label(f"New status of {ref}").select_option(status)
        page.locator(f"#{ref}").get_by_role("button", name="Update").click()
        expect(page.get_by_role("status")).to_have_text(f"{ref}: {note}")
    expect(page.locator(f"#{ref}")).to_contain_text("called on time")
    page.get_by_label(f"New status of {ref}").select_option("won")
    page.locator(f"#{ref}").get_by_role("button", name="Update").click()
    expect(page.get_by_role("status")).to_have_text(f"{ref}: won.")
    expect(page.locator("table.leads")).to_have_count(0)  # closed leads leave the list
    page.get_by_role("link", name="Include won and lost").click()
    row = page.locator(f"#{ref}")
    expect(row).to_contain_text("won")
    row.get_by_text("History").click()
    for step in ("lee: assigned to ann", "ann: called back", "ann: contacted", "ann: won"):
        expect(row).to_contain_text(step)
    assert [url for url in missing if not url.endswith("/favicon.ico")] == []


def test_rules_of_the_leads_screen(console: Console) -> None:
    first, second = _seed(console)
    lead = sign_in(console.url, "lee", PASSWORD)
    csrf = page_csrf(lead, console.url + "/leads")
    lead.post(
        f"{console.url}/leads/LEAD-{first:05d}/assign", data={"csrf_token": csrf, "agent": "ann"}
    )

    agent = sign_in(console.url, "ann", PASSWORD)
    page = agent.get(console.url + "/leads").text
    assert f"LEAD-{first:05d}" in page and f"LEAD-{second:05d}" not in page
    agent_csrf = page_csrf(agent, console.url + "/leads")
    refused = agent.post(
        f"{console.url}/leads/LEAD-{second:05d}/status",
        data={"csrf_token": agent_csrf, "status": "contacted"},
    )
    assert refused.status_code == 400 and "is not assigned to you" in refused.text
    no_reason = agent.post(
        f"{console.url}/leads/LEAD-{first:05d}/status",
        data={"csrf_token": agent_csrf, "status": "lost", "reason": ""},
    )
    assert no_reason.status_code == 400 and "Say why the lead was lost" in no_reason.text
    assign = agent.post(
        f"{console.url}/leads/LEAD-{first:05d}/assign",
        data={"csrf_token": agent_csrf, "agent": "ann"},
    )
    assert assign.status_code == 403
    assert agent.get(console.url + "/leads/consents.csv").status_code == 403

    manager = sign_in(console.url, "mary", PASSWORD)
    page = manager.get(console.url + "/leads").text
    assert "Quotes given: <strong>1</strong>" in page and "Leads: <strong>2</strong>" in page
    export = manager.get(console.url + "/leads/consents.csv")
    assert export.status_code == 200 and export.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert len(rows) == 1
    assert rows[0]["contact"] == "tm.chan@example.com" and rows[0]["in_force"] == "yes"
    assert rows[0]["wording"].startswith("May we also use tm.chan@example.com")
    assert rows[0]["lead"] == f"LEAD-{first:05d}"
