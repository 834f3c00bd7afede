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


def test_a_crafted_link_cannot_put_text_on_the_console(console: Console) -> None:
    spoof = "Your session has expired: sign in again at evil.example"
    agent = sign_in(console.url, "ann", PASSWORD)
    for path in (
        f"/complaints?done={spoof}",
        f"/complaints?error={spoof}",
        f"/queue?error={spoof}",
        f"/queue?done={spoof}",
        f"/complaints?done=note_saved&ref={spoof}",  # a known key with a bad value
    ):
        page = agent.get(console.url + path, timeout=10)
        assert page.status_code == 200 and "evil.example" not in page.text, path
        assert 'role="status"' not in page.text and 'role="alert"' not in page.text, path
    noted = agent.get(console.url + "/complaints?done=note_saved&ref=cmp-2026-00042", timeout=10)
    assert "CMP-2026-00042: note saved." in noted.text
    failed = agent.get(console.url + "/queue?error=take_failed", timeout=10)
    assert "That conversation could not be taken" in failed.text


def test_a_refused_change_is_explained_in_the_answer_not_the_address(console: Console) -> None:
    agent = sign_in(console.url, "ann", PASSWORD)
    csrf = page_csrf(agent, console.url + "/complaints")
    refused = agent.post(
        f"{console.url}/complaints/CMP-2026-99999/note",
        data={"csrf_token": csrf, "text": "Called the depot"},
        allow_redirects=False,
    )
    assert refused.status_code == 400 and 'role="alert"' in refused.text
    assert "Location" not in refused.headers
