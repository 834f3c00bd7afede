"""Screenshots of each console page for docs/ (``make screenshots``).

Starts the console on a fresh SQLite database with the demo shipments, the dashboard's
hand-made KPI data and a Rasa stand-in, puts two customers in the queue (one who tracked
an air waybill, one filing a complaint), lets the manager take the first, and saves a
PNG of every page in Debian's headless Chromium:

    python -m tests.support.screenshots docs/console
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from playwright.sync_api import sync_playwright
from sqlalchemy import select

from bot.console.config import ConsoleConfig
from bot.domain.complaints.staff_alerts import DUE_SOON, alert_staff
from bot.domain.demo import seed_demo
from bot.domain.handoff.queue import request_handoff
from bot.engine.eventstream.facts import apply_events
from bot.storage import db
from bot.storage.models import Complaint
from tests.console.server import ConsoleServer
from tests.domain.kpi.dashboard_data import PASSWORD, seed
from tests.support.browser import CHROMIUM, CHROMIUM_FLAGS
from tests.support.rasa_standin import RasaStandIn

HKT = ZoneInfo("Asia/Hong_Kong")

#: Page name (the PNG's) and path, as a manager sees them.
PAGES = (
    ("queue", "/queue"),
    ("conversation", "/handoffs/{handoff}"),
    ("complaints", "/complaints"),
    ("search", "/search?q=160-48219371"),
    ("notices", "/notices"),
    ("figures", "/figures"),
    ("dashboard", "/dashboard?from=2026-11-01&to=2026-11-30"),
    ("dashboard-agents", "/dashboard/agents?from=2026-11-01&to=2026-11-30"),
    ("dashboard-conversations", "/dashboard/conversations?from=2026-11-01&to=2026-11-30"),
    ("dashboard-comments", "/dashboard/comments?from=2026-11-01&to=2026-11-30"),
    ("dashboard-targets", "/dashboard/targets"),
    ("team", "/team"),
)


def _customers(database_url: str) -> int:
    """Queue two customers; return the first one's handoff id."""
    now = time.time()
    with db.session_scope(db.get_engine(database_url)) as session:
        seed_demo(session)
        apply_events(
            session,
            [
                {"event": "user", "text": "where is 160-48219371?", "timestamp": now - 300},
                {
                    "event": "bot",
                    "text": "Shipment 160-48219371: in transit.",
                    "timestamp": now - 299,
                },
                {
                    "event": "user",
                    "text": "It was due yesterday, a person please",
                    "timestamp": now - 240,
                },
            ],
            sender_id="web:demo-1",
        )
        first = request_handoff(
            session,
            sender_id="web:demo-1",
            channel="webchat",
            reason="customer_asked",
            team="air_freight",
            summary="",
            context={
                "intent": "track_shipment",
                "slots": {},
                "last_messages": [
                    "where is 160-48219371?",
                    "It was due yesterday, a person please",
                ],
                "shipment": "160-48219371",
            },
        )
        request_handoff(
            session,
            sender_id="telegram:4242",
            channel="telegram",
            reason="high_severity_complaint",
            team="complaints_claims",
            summary="",
            context={
                "intent": "complain",
                "slots": {
                    "complaint_category": "damaged",
                    "complaint_description": (
                        "The pallet arrived crushed and soaked; three cartons of lab "
                        "glassware are broken."
                    ),
                },
                "last_messages": ["I want to complain", "The pallet arrived crushed and soaked"],
            },
        )
        # A notice for the manager: a complaint of the dashboard data falls due soon.
        complaint = session.scalars(select(Complaint).order_by(Complaint.id)).first()
        if complaint is not None:
            moment = datetime.now(timezone.utc)
            alert_staff(
                session, complaint, DUE_SOON, moment + timedelta(minutes=45), moment, HKT, "mary"
            )
    return first.id


def main(out: Path) -> None:
    """Save a PNG of each console page into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        database_url = f"sqlite:///{scratch}/console.db"
        db.upgrade(database_url)
        with db.session_scope(db.get_engine(database_url)) as session:
            seed(session)
        handoff = _customers(database_url)
        with RasaStandIn(token="shots") as rasa:
            server = ConsoleServer(ConsoleConfig(database_url, rasa.url, "shots")).start()
            try:
                with sync_playwright() as playwright:
                    browser = playwright.chromium.launch(
                        executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS
                    )
                    page = browser.new_page(viewport={"width": 1280, "height": 900})
                    page.goto(server.url + "/login")
                    page.get_by_label("Name").fill("mary")
                    page.get_by_label("Password").fill(PASSWORD)
                    page.get_by_role("button", name="Sign in").click()
                    page.wait_for_url(server.url + "/queue")
                    page.screenshot(path=str(out / "queue.png"), full_page=True)
                    page.locator(f'tr[data-handoff="{handoff}"]').get_by_role(
                        "button", name="Take over"
                    ).click()
                    page.wait_for_url(f"{server.url}/handoffs/{handoff}")
                    for name, path in PAGES[1:]:
                        page.goto(server.url + path.format(handoff=handoff))
                        page.wait_for_load_state("networkidle")
                        page.screenshot(path=str(out / f"{name}.png"), full_page=True)
                    browser.close()
            finally:
                server.stop()
    print(f"screenshots of {len(PAGES)} console pages in {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/console"))
