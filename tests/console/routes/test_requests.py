"""The requests screen over HTTP: customer text escaped, assign for team leads only, a note,
and a completion or refusal the customer is told once."""

from __future__ import annotations

from datetime import date, time

from bot.domain.requests.pickups import check_pickup
from bot.domain.requests.records import create_pickup
from bot.domain.service_levels import service_levels
from bot.storage import db
from tests.console.harness import PASSWORD, SCRIPT, Console
from tests.console.server import page_csrf, sign_in
from tests.domain.requests.conftest import THURSDAY_1PM


def _pickup(console: Console, sender: str) -> str:
    slot = check_pickup(
        service_levels().calendar,
        day=date(2026, 11, 27),
        ready=time(14),
        until=time(17),
        pieces=2,
        weight_kg=10,
        service="express",
        now=THURSDAY_1PM,
    )
    with db.session_scope(db.get_engine(console.database_url)) as session:
        return create_pickup(
            session,
            sender_id=sender,
            channel="rest",
            address=f"12/F Harbour Centre {SCRIPT}",
            slot=slot,
            now=THURSDAY_1PM,
        ).reference


def test_requests_screen_note_and_complete(console: Console) -> None:
    reference = _pickup(console, "carol")
    agent = sign_in(console.url, "ann", PASSWORD)
    page = agent.get(console.url + "/requests", timeout=10)
    assert reference in page.text and SCRIPT not in page.text
    # Promised an hour after Thursday 13:00, long past: flagged.
    assert "<strong>overdue</strong>" in page.text
    csrf = page_csrf(agent, console.url + "/requests")

    base = f"{console.url}/requests/{reference}"
    assigned = agent.post(
        f"{base}/assign", data={"csrf_token": csrf, "text": "bo"}, allow_redirects=False
    )
    assert assigned.status_code == 403
    noted = agent.post(f"{base}/note", data={"csrf_token": csrf, "text": "Driver booked"})
    assert f"{reference}: note saved." in noted.text
    done = agent.post(f"{base}/complete", data={"csrf_token": csrf, "text": "Driver Chan, 14:00."})
    assert f"{reference} closed. The customer has been told the outcome." in done.text
    assert "No open requests." in done.text
    told = [r for r in console.rasa.sent if r.sender_id == "carol"]
    assert [r.body["text"] for r in told] == [
        f"Your pick-up request {reference} is done: Driver Chan, 14:00."
    ]


def test_a_refusal_needs_a_reason_and_is_told(console: Console) -> None:
    reference = _pickup(console, "dave")
    agent = sign_in(console.url, "ann", PASSWORD)
    csrf = page_csrf(agent, console.url + "/requests")
    base = f"{console.url}/requests/{reference}"
    empty = agent.post(
        f"{base}/refuse", data={"csrf_token": csrf, "text": " "}, allow_redirects=False
    )
    assert empty.status_code == 400 and 'role="alert"' in empty.text
    refused = agent.post(f"{base}/refuse", data={"csrf_token": csrf, "text": "No van that day."})
    assert f"{reference} closed." in refused.text
    (told,) = [r for r in console.rasa.sent if r.sender_id == "dave"]
    assert "No van that day." in told.body["text"]
