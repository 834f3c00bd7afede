"""The managers' dashboard pages over HTTP on hand-made data: every dashboard route is
manager-only (anonymous -> sign-in, agent and team lead -> 403), the target form needs
its CSRF token, customer text is shown as text, and each role's figures."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from bot.domain.kpi import hints
from bot.storage import db
from bot.storage.models import UTC, KpiTarget, KpiTargetChange
from tests.console.harness import PERIOD, Dashboard
from tests.console.server import page_csrf, sign_in
from tests.domain.kpi.dashboard_data import PASSWORD, SCRIPT, T0

MANAGER_PAGES = [
    "/dashboard",
    "/dashboard/agents",
    "/dashboard/targets",
    "/dashboard/conversations",
    "/dashboard/conversations/1",
    "/dashboard/comments",
    "/dashboard/export.csv",
    "/dashboard/review",
    "/dashboard/review.pdf",
]


def test_every_dashboard_route_is_for_managers_only(dashboard: Dashboard) -> None:
    for path in MANAGER_PAGES:
        response = requests.get(dashboard.url + path, allow_redirects=False, timeout=10)
        assert response.status_code == 303 and response.headers["Location"] == "/login", path
    response = requests.post(dashboard.url + "/dashboard/targets", data={"csrf_token": "x"})
    assert response.status_code == 401

    for name in ("ann", "lee"):
        http = sign_in(dashboard.url, name, PASSWORD)
        csrf = page_csrf(http, dashboard.url + "/figures")
        for path in MANAGER_PAGES:
            assert dashboard.get(http, path).status_code == 403, (name, path)
        form = {"csrf_token": csrf, "code": "csat", "target": "99"}
        response = http.post(dashboard.url + "/dashboard/targets", data=form, timeout=10)
        assert response.status_code == 403
        assert "Dashboard" not in http.get(dashboard.url + "/queue", timeout=10).text

    manager = sign_in(dashboard.url, "mary", PASSWORD)
    for path in MANAGER_PAGES:
        response = dashboard.get(manager, f"{path}?{PERIOD}")
        assert response.status_code == 200, (path, response.text[:300])
        assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")
    with db.session_scope(db.get_engine(dashboard.database_url)) as session:
        assert session.scalar(select(func.count()).select_from(KpiTarget)) == 0


def test_pages_that_only_read_answer_while_another_process_writes(dashboard: Dashboard) -> None:
    manager = sign_in(dashboard.url, "mary", PASSWORD)
    # The action server (say) is in the middle of a long write on the embedded database.
    writer = sqlite3.connect(dashboard.database_url.removeprefix("sqlite:///"))
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("DELETE FROM survey_responses")
        for path in [*MANAGER_PAGES, "/queue", "/search?q=invoice"]:
            # Well within SQLite's 15 s wait for the write lock, had the page asked for it.
            response = manager.get(f"{dashboard.url}{path}?{PERIOD}", timeout=8)
            assert response.status_code == 200, (path, response.text[:300])
    finally:
        writer.rollback()
        writer.close()


def test_dashboard_tiles_trends_and_filters(dashboard: Dashboard) -> None:
    manager = sign_in(dashboard.url, "mary", PASSWORD)
    page = dashboard.get(manager, f"/dashboard?{PERIOD}").text
    assert 'data-kpi="containment"' in page and "50 %" in page
    assert "status-red" in page and "status-green" in page
    assert page.count('<svg class="chart"') >= 15 and "<script>" not in page.split("</head>")[1]
    assert 'aria-label="Containment (no handoff), per day"' in page

    telegram = dashboard.get(manager, f"/dashboard?{PERIOD}&channel=telegram").text
    # Escalation on Telegram is 100 % (one conversation, handed off).
    tile = telegram.split('data-kpi="escalation"')[1].split("</section>")[0]
    assert "100 %" in tile and "channel: telegram" in telegram

    bad = dashboard.get(manager, "/dashboard?from=2026-11-30&to=2026-11-01")
    assert bad.status_code == 200 and "ends before it starts" in bad.text


def test_agents_page_shows_hints(
    dashboard: Dashboard, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rules = tmp_path / "agent_hints.yml"
    rules.write_text(
        "min_n: 1\n"
        "recognition:\n  - {kpi: csat, at_least: 90, text: Customers love them}\n"
        "coaching:\n  - {kpi: handling_p50, at_least: 1200, text: Long handling}\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(hints, "HINTS_FILE", rules)
    manager = sign_in(dashboard.url, "mary", PASSWORD)
    page = dashboard.get(manager, f"/dashboard/agents?{PERIOD}").text
    ann = page.split('data-agent="ann"')[1].split("</tr>")[0]
    bob = page.split('data-agent="bob"')[1].split("</tr>")[0]
    assert "Customers love them" in ann and "Long handling" not in ann
    assert "Long handling" in bob and "1,380 s" in bob


def test_target_form_needs_csrf_and_valid_fields(dashboard: Dashboard) -> None:
    manager = sign_in(dashboard.url, "mary", PASSWORD)
    url = dashboard.url + "/dashboard/targets"
    form = {
        "code": "csat",
        "target": "90",
        "amber": "85",
        "benchmark": "84",
        "benchmark_source": "<b>Industry</b> 2026",
    }
    assert manager.post(url, data=form, timeout=10).status_code == 403
    assert manager.post(url, data={**form, "csrf_token": "forged"}, timeout=10).status_code == 403

    csrf = page_csrf(manager, url)
    wrong = manager.post(url, data={**form, "csrf_token": csrf, "amber": "95"}, timeout=10)
    assert wrong.status_code == 400 and "amber threshold must be at or below" in wrong.text
    assert 'value="90"' in wrong.text  # the manager's entries are kept
    with db.session_scope(db.get_engine(dashboard.database_url)) as session:
        assert session.scalar(select(func.count()).select_from(KpiTarget)) == 0

    saved = manager.post(url, data={**form, "csrf_token": csrf}, timeout=10)
    assert saved.status_code == 200 and "target 90 saved" in saved.text
    assert "&lt;b&gt;Industry&lt;/b&gt; 2026" in saved.text
    changes = saved.text.split('class="changes"')[1]
    assert "mary" in changes and "csat" in changes
    with db.session_scope(db.get_engine(dashboard.database_url)) as session:
        change = session.scalars(select(KpiTargetChange)).one()
        assert (change.actor, change.target, change.benchmark) == ("mary", 90.0, 84.0)
    tile = dashboard.get(manager, f"/dashboard?{PERIOD}").text.split('data-kpi="csat"')[1]
    assert "84 %" in tile.split("</section>")[0]


def test_customer_text_is_shown_as_text(dashboard: Dashboard) -> None:
    manager = sign_in(dashboard.url, "mary", PASSWORD)
    comments = dashboard.get(manager, f"/dashboard/comments?{PERIOD}").text
    assert (
        SCRIPT not in comments and "&lt;script&gt;alert(&#39;owned&#39;)&lt;/script&gt;" in comments
    )

    page = dashboard.get(manager, f"/dashboard/conversations/{dashboard.ids['c2']}").text
    assert SCRIPT not in page
    assert "&lt;script&gt;alert(&#39;owned&#39;)&lt;/script&gt; quote to Rotterdam?" in page
    assert "Ann here, I&#39;ll price it now." in page and "last month" not in page
    assert '<span class="who">ann</span><span class="text">Ann here' in page
    assert "handed off to ann" in page and "Ann sorted my quote" in page
    assert [r.path for r in dashboard.rasa.requests] == ["/conversations/tg-100/tracker"]
    assert dashboard.get(manager, "/dashboard/conversations/999").status_code == 404

    dashboard.rasa.fail_status = 500
    down = dashboard.get(manager, f"/dashboard/conversations/{dashboard.ids['c2']}")
    assert down.status_code == 200 and "transcript could not be loaded" in down.text


def test_conversation_log_filters_and_pages(dashboard: Dashboard) -> None:
    manager = sign_in(dashboard.url, "mary", PASSWORD)
    rows = dashboard.get(manager, f"/dashboard/conversations?{PERIOD}").text
    assert rows.count("data-conversation=") == 4
    handed = dashboard.get(manager, f"/dashboard/conversations?{PERIOD}&outcome=handed_off").text
    assert handed.count("data-conversation=") == 2 and "handed off to bob" in handed
    quote = dashboard.get(manager, f"/dashboard/conversations?{PERIOD}&intent=get_quote").text
    assert f'data-conversation="{dashboard.ids["c2"]}"' in quote
    assert quote.count("data-conversation=") == 1


def test_each_role_sees_its_own_figures(dashboard: Dashboard) -> None:
    def figures(name: str) -> str:
        http = sign_in(dashboard.url, name, PASSWORD)
        response = dashboard.get(http, f"/figures?{PERIOD}")
        assert response.status_code == 200
        return response.text

    ann = figures("ann")
    assert "your own conversations" in ann and 'data-agent="ann"' in ann
    assert 'data-agent="bob"' not in ann
    # Her CSAT: one answer of 5.
    assert "100 %" in ann.split('data-kpi="csat"')[1].split("</section>")[0]

    lee = figures("lee")
    assert "team Express" in lee
    assert 'data-agent="ann"' in lee and 'data-agent="bob"' in lee
    assert 'data-agent="sue"' not in lee

    mary = figures("mary")
    assert 'data-agent="sue"' in mary and "everyone" in mary


def test_dates_are_shown_in_the_centre_zone(dashboard: Dashboard) -> None:
    manager = sign_in(dashboard.url, "mary", PASSWORD)
    rows = dashboard.get(manager, f"/dashboard/conversations?{PERIOD}").text
    assert T0.astimezone(UTC).hour == 2 and "10 Nov 2026 10:00" in rows
