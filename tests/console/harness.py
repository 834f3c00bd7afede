"""What the console tests run against: :class:`Console` (three accounts and a Rasa
stand-in) and :class:`Dashboard` (the hand-made KPI data of ``tests.domain.kpi``).
The fixtures that start them are in ``tests/console/conftest.py``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

import requests

from bot.domain.clock import moment_of
from bot.domain.complaints.records import create_complaint
from bot.domain.complaints.staff_alerts import DUE_SOON, alert_staff
from bot.domain.conversations import AGENT_KEY
from bot.domain.handoff.queue import request_handoff
from bot.storage import db
from bot.storage.models import Complaint
from tests.domain.kpi.dashboard_data import SCRIPT as DASHBOARD_SCRIPT
from tests.domain.kpi.dashboard_data import T0
from tests.support.rasa_standin import RasaStandIn

PASSWORD = "correct horse battery"
SCRIPT = "<script>alert('owned')</script>"

#: The month the dashboard data covers, as a dashboard query string.
PERIOD = "from=2026-11-01&to=2026-11-30"


@dataclass
class Console:
    """The console on SQLite with ann (agent), lee (team lead) and mary (manager)."""

    url: str
    rasa: RasaStandIn
    database_url: str

    def handoff(
        self,
        sender: str,
        summary: str = "wants a person",
        team: str = "express",
        context: dict[str, object] | None = None,
    ) -> int:
        with db.session_scope(db.get_engine(self.database_url)) as session:
            ticket = request_handoff(
                session,
                sender_id=sender,
                channel="rest",
                reason="customer_asked",
                team=team,
                summary=summary,
                context=context or {},
            )
        return ticket.id


@dataclass
class Dashboard:
    """The console on SQLite seeded with the dashboard data; ``ids`` names its rows."""

    url: str
    rasa: RasaStandIn
    database_url: str
    ids: dict[str, int]

    def get(self, http: requests.Session, path: str) -> requests.Response:
        return http.get(self.url + path, timeout=30, allow_redirects=False)


def dashboard_transcript(sender: str) -> list[dict[str, object]]:
    """What Rasa's tracker holds for the dashboard data's quote conversation."""
    start = T0.timestamp() + 3600
    return [
        # A message of the customer's previous session: not part of this conversation.
        {"event": "user", "text": "last month's question", "timestamp": start - 86_400},
        {"event": "session_started", "timestamp": start},
        {
            "event": "user",
            "text": f"{DASHBOARD_SCRIPT} quote to Rotterdam?",
            "timestamp": start + 1,
        },
        {"event": "bot", "text": "Which weight?", "timestamp": start + 2},
        {"event": "pause", "timestamp": start + 100},
        {
            "event": "bot",
            "text": "Ann here, I'll price it now.",
            "metadata": {AGENT_KEY: "ann"},
            "timestamp": start + 200,
        },
    ]


def notice_for_ann(console: Console, description: str) -> str:
    """A complaint assigned to ann falls due soon: the follow-up worker's notice to her.

    Returns:
        The complaint's reference.
    """
    now = moment_of(None)
    with db.session_scope(db.get_engine(console.database_url)) as session:
        receipt = create_complaint(
            session, sender_id="alice", channel="rest", category="late", description=description
        )
        complaint = session.query(Complaint).filter_by(reference=receipt.reference).one()
        complaint.assigned_to = "ann"
        alert_staff(
            session,
            complaint,
            DUE_SOON,
            now + timedelta(minutes=50),
            now,
            ZoneInfo("Asia/Hong_Kong"),
        )
    return receipt.reference
