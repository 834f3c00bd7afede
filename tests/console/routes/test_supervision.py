"""A conversation whose agent is away: team leads (their team) and managers reassign,
hand back or close it over HTTP, with CSRF and role checks, the customer told through
the Rasa stand-in, and every change in the console's audit trail."""

from __future__ import annotations

import requests
from sqlalchemy import select

from bot.domain.handoff.wording import closing_text, reassigned_text
from bot.domain.users import add_user
from bot.storage import db
from bot.storage.models import ConsoleAudit, Handoff
from tests.console.harness import PASSWORD, Console
from tests.console.server import page_csrf, sign_in


def _taken_by_ann(console: Console, team: str = "express") -> int:
    handoff_id = console.handoff("alice", team=team)
    ann = sign_in(console.url, "ann", PASSWORD)
    csrf = page_csrf(ann, console.url + "/queue")
    taken = ann.post(f"{console.url}/handoffs/{handoff_id}/take", data={"csrf_token": csrf})
    assert taken.status_code == 200
    return handoff_id


def _row(console: Console, handoff_id: int) -> tuple[str, str | None, list[tuple[str, str]]]:
    with db.session_scope(db.get_engine(console.database_url)) as session:
        handoff = session.get(Handoff, handoff_id)
        assert handoff is not None
        trail = session.execute(
            select(ConsoleAudit.actor, ConsoleAudit.action).where(
                ConsoleAudit.subject == f"handoff:{handoff_id}"
            )
        ).all()
        return handoff.status, handoff.agent, [tuple(t) for t in trail]


def _post(http: requests.Session, url: str, **data: str) -> requests.Response:
    return http.post(url, data=data, timeout=10, allow_redirects=False)


def test_team_lead_reassigns_an_absent_agents_conversation(console: Console) -> None:
    with db.session_scope(db.get_engine(console.database_url)) as session:
        add_user(session, "bob", PASSWORD, role="agent", team="express")
    handoff_id = _taken_by_ann(console)
    url = f"{console.url}/handoffs/{handoff_id}/reassign"

    lee = sign_in(console.url, "lee", PASSWORD)
    queue = lee.get(console.url + "/queue", timeout=10).text
    assert f'data-supervised="{handoff_id}"' in queue and "<option>bob</option>" in queue
    # Shown once, in the page (it once also filled the page's <title>).
    assert queue.count(f'data-supervised="{handoff_id}"') == 1
    assert "<title>Queue - Freight Desk console</title>" in queue
    csrf = page_csrf(lee, console.url + "/queue")
    assert _post(lee, url, agent="bob").status_code == 403  # no CSRF token
    agent = sign_in(console.url, "ann", PASSWORD)
    agent_csrf = page_csrf(agent, console.url + "/queue")
    assert _post(agent, url, agent="bob", csrf_token=agent_csrf).status_code == 403  # an agent
    assert _row(console, handoff_id)[:2] == ("active", "ann")

    done = _post(lee, url, agent="bob", csrf_token=csrf)

    assert done.status_code == 303 and done.headers["Location"] == "/queue?done=reassigned"
    assert _row(console, handoff_id) == ("active", "bob", [("lee", "handoff_reassigned")])
    stored = [e for e in console.rasa.events["alice"] if isinstance(e, dict)]
    told = [e for e in stored if e.get("text") == reassigned_text("en")]
    assert len(told) == 1
    page = lee.get(console.url + done.headers["Location"], timeout=10).text
    assert "The conversation was reassigned and the customer told." in page
    # bob now holds it: he can reply; ann can no longer see it.
    bob = sign_in(console.url, "bob", PASSWORD)
    reply = bob.post(
        f"{console.url}/handoffs/{handoff_id}/messages",
        json={"client_id": "bobmsg001", "text": "Bob here, taking over."},
        headers={"X-CSRF-Token": page_csrf(bob, console.url + "/queue")},
        timeout=10,
    )
    assert reply.json()["status"] == "sent"
    assert agent.get(f"{console.url}/handoffs/{handoff_id}", timeout=10).status_code == 403
    history = lee.get(f"{console.url}/handoffs/{handoff_id}", timeout=10).text
    assert "lee, reassigned (from ann to bob)" in history


def test_manager_closes_an_absent_agents_conversation(console: Console) -> None:
    handoff_id = _taken_by_ann(console)
    mary = sign_in(console.url, "mary", PASSWORD)
    csrf = page_csrf(mary, console.url + "/queue")

    done = _post(mary, f"{console.url}/handoffs/{handoff_id}/close", csrf_token=csrf)

    assert done.status_code == 303 and done.headers["Location"] == "/queue?done=closed"
    status, agent, trail = _row(console, handoff_id)
    assert (status, agent, trail) == ("closed", "ann", [("mary", "handoff_closed")])
    resumed = console.rasa.sent[-1].body
    kinds = [e["event"] for e in resumed]
    assert kinds[0] == "resume" and kinds[-2:] == ["action", "bot"]
    assert resumed[-2]["name"] == "action_listen"
    assert resumed[-1]["text"] == closing_text("en")


def test_team_lead_hands_back_but_not_another_teams_conversation(console: Console) -> None:
    lee = sign_in(console.url, "lee", PASSWORD)
    csrf = page_csrf(lee, console.url + "/queue")
    express = _taken_by_ann(console)
    done = _post(lee, f"{console.url}/handoffs/{express}/hand-back", csrf_token=csrf)
    assert done.headers["Location"] == "/queue?done=handed_back"
    assert _row(console, express)[0] == "handed_back"

    other = console.handoff("bert", team="general")
    refused = _post(lee, f"{console.url}/handoffs/{other}/close", csrf_token=csrf)
    assert refused.headers["Location"] == "/queue?error=supervise_failed"
    assert _row(console, other) == ("waiting", None, [])


def test_an_agent_cannot_finish_a_colleagues_conversation(console: Console) -> None:
    lee = sign_in(console.url, "lee", PASSWORD)
    handoff_id = console.handoff("alice")
    csrf = page_csrf(lee, console.url + "/queue")
    lee.post(f"{console.url}/handoffs/{handoff_id}/take", data={"csrf_token": csrf})
    ann = sign_in(console.url, "ann", PASSWORD)
    ann_csrf = page_csrf(ann, console.url + "/queue")
    refused = _post(ann, f"{console.url}/handoffs/{handoff_id}/close", csrf_token=ann_csrf)
    assert refused.headers["Location"] == f"/handoffs/{handoff_id}?error=finish_failed"
    assert _row(console, handoff_id) == ("active", "lee", [])
