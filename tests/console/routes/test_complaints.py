"""The complaints screen over HTTP: customer text escaped, a note, and a resolution the
customer is told once."""

from __future__ import annotations

from bot.domain.complaints.records import create_complaint
from bot.storage import db
from tests.console.harness import PASSWORD, SCRIPT, Console
from tests.console.server import page_csrf, sign_in


def test_complaints_screen_note_and_resolve(console: Console) -> None:
    with db.session_scope(db.get_engine(console.database_url)) as session:
        receipt = create_complaint(
            session,
            sender_id="carol",
            channel="rest",
            category="damaged",
            description=f"The box arrived crushed {SCRIPT}",
        )
    agent = sign_in(console.url, "ann", PASSWORD)
    page = agent.get(console.url + "/complaints", timeout=10)
    assert receipt.reference in page.text and SCRIPT not in page.text
    csrf = page_csrf(agent, console.url + "/complaints")

    base = f"{console.url}/complaints/{receipt.reference}"
    noted = agent.post(f"{base}/note", data={"csrf_token": csrf, "text": "Called the depot"})
    assert "note saved" in noted.text
    resolved = agent.post(
        f"{base}/resolve", data={"csrf_token": csrf, "text": "We have refunded the charge."}
    )
    assert f"{receipt.reference} resolved" in resolved.text
    assert receipt.reference not in agent.get(console.url + "/complaints").text.split("</h1>")[1]
    told = [r for r in console.rasa.sent if r.sender_id == "carol"]
    assert len(told) == 1 and "refunded the charge" in told[0].body["text"]
