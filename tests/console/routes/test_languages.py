"""The console in two languages: each conversation's language on the queue and the
conversation page, canned replies offered in it (and switchable), and the dashboard's
KPIs per language and language filter."""

from __future__ import annotations

import html
from datetime import timedelta

import requests
from sqlalchemy import func, select, update

from bot.domain.kpi.formulas import period_bounds
from bot.storage import db
from bot.storage.models import ConversationFact, SurveyResponse, utcnow
from tests.console.harness import PASSWORD, PERIOD, Console, Dashboard
from tests.console.server import page_csrf, sign_in
from tests.domain.kpi.dashboard_data import END, HK, START

GREETING_ZH = "你好，我係 Freight Desk 客戶服務團隊。多謝你耐心等候，我而家幫你睇緊你嘅查詢。"
GREETING_EN = "Hello, this is the Freight Desk service team."


def _fact(console: Console, sender: str, language: str) -> None:
    now = utcnow()
    with db.session_scope(db.get_engine(console.database_url)) as session:
        session.add(
            ConversationFact(
                sender_id=sender,
                session_started_at=now - timedelta(minutes=5),
                first_event_at=now - timedelta(minutes=5),
                last_event_at=now,
                channel="rest",
                intents="request_human",
                user_message_count=2,
                fallback_count=0,
                handed_off=False,
                language=language,
            )
        )


def _row(page: str, marker: str) -> str:
    return page.split(marker, 1)[1].split("</tr>", 1)[0]


def test_the_queue_shows_each_conversations_language(console: Console) -> None:
    chan = console.handoff("chan-tai-man")
    smith = console.handoff("smith")
    console.handoff("new-customer")  # not yet seen by the event stream: the default
    _fact(console, "chan-tai-man", "zh")
    _fact(console, "smith", "en")
    agent = sign_in(console.url, "ann", PASSWORD)
    queue = agent.get(console.url + "/queue", timeout=10).text

    assert '<span class="lang lang-zh" lang="zh">中文</span>' in _row(
        queue, f'data-handoff="{chan}"'
    )
    assert "English" in _row(queue, f'data-handoff="{smith}"')
    assert "中文" not in _row(queue, f'data-handoff="{smith}"')

    csrf = page_csrf(agent, console.url + "/queue")
    agent.post(f"{console.url}/handoffs/{chan}/take", data={"csrf_token": csrf})
    mine = agent.get(console.url + "/queue", timeout=10).text.split("<h1>Waiting</h1>")[0]
    assert "chan-tai-man" in mine and "中文" in mine


def _take(console: Console, sender: str) -> tuple[requests.Session, int, str]:
    handoff_id = console.handoff(sender)
    agent = sign_in(console.url, "ann", PASSWORD)
    csrf = page_csrf(agent, console.url + "/queue")
    agent.post(f"{console.url}/handoffs/{handoff_id}/take", data={"csrf_token": csrf})
    return agent, handoff_id, csrf


def test_canned_replies_are_offered_in_the_conversations_language(console: Console) -> None:
    stamp = utcnow().timestamp()
    console.rasa.events["chan-tai-man"] = [
        {"event": "user", "text": "我想搵真人", "timestamp": stamp - 60},
    ]
    agent, handoff_id, csrf = _take(console, "chan-tai-man")
    page = agent.get(f"{console.url}/handoffs/{handoff_id}", timeout=10).text

    assert 'id="language" lang="zh" data-language="zh">中文</span>' in page
    assert '<option value="zh" selected>中文</option>' in page
    assert '<option value="en">English</option>' in page  # the agent may switch
    greeting = page.split('class="canned-reply"', 1)[1].split("</button>", 1)[0]
    assert f'data-text-zh="{GREETING_ZH}"' in greeting
    assert f'data-text-en="{GREETING_EN}' in html.unescape(greeting)
    assert f'title="{GREETING_ZH}"' in greeting

    # The reply the agent sends is delivered as it stands.
    messages = f"{console.url}/handoffs/{handoff_id}/messages"
    sent = agent.post(
        messages,
        json={"client_id": "canned01", "text": GREETING_ZH},
        headers={"X-CSRF-Token": csrf},
    )
    assert sent.json()["status"] == "sent"
    stored = console.rasa.events["chan-tai-man"]
    delivered = [e for e in stored if isinstance(e, dict) and e.get("event") == "bot"]
    assert delivered[-1]["text"] == GREETING_ZH


def test_the_live_language_follows_the_tracker(console: Console) -> None:
    stamp = utcnow().timestamp()
    _fact(console, "wong", "en")  # what the event stream recorded before the switch
    console.rasa.events["wong"] = [
        {"event": "user", "text": "where is my parcel", "timestamp": stamp - 90},
        {"event": "slot", "name": "language", "value": "zh", "timestamp": stamp - 80},
        {"event": "user", "text": "thanks", "timestamp": stamp - 70},
    ]
    agent, handoff_id, _csrf = _take(console, "wong")
    page = agent.get(f"{console.url}/handoffs/{handoff_id}", timeout=10).text
    assert 'data-language="zh">中文</span>' in page

    console.rasa.events["wong"].append(
        {"event": "slot", "name": "language", "value": None, "timestamp": stamp - 10}
    )
    live = agent.get(f"{console.url}/handoffs/{handoff_id}/transcript.json").json()
    assert live["language"] == "en"

    console.rasa.fail_status = 500
    # The transcript is read from the project's tables: Rasa being down does not stop it.
    down = agent.get(f"{console.url}/handoffs/{handoff_id}/transcript.json").json()
    assert down["language"] == "en" and down["problem"] is None
    # Rasa unreachable: the page still opens, with the language the facts recorded.
    page = agent.get(f"{console.url}/handoffs/{handoff_id}", timeout=10).text
    assert 'data-language="en">English</span>' in page


def test_the_dashboard_shows_kpis_per_language_and_filters_by_it(dashboard: Dashboard) -> None:
    engine = db.get_engine(dashboard.database_url)
    with db.session_scope(engine) as session:
        session.execute(
            update(ConversationFact)
            .where(ConversationFact.sender_id == "tg-100")
            .values(language="zh")
        )
        session.execute(
            update(SurveyResponse).where(SurveyResponse.sender_id == "tg-100").values(language="zh")
        )
        begin, until = period_bounds(START, END, HK)
        started = ConversationFact.session_started_at
        in_november = (started >= begin) & (started < until)
        zh = session.scalar(
            select(func.count()).where(ConversationFact.sender_id == "tg-100", in_november)
        )
        total = session.scalar(
            select(func.count()).select_from(ConversationFact).where(in_november)
        )
    manager = sign_in(dashboard.url, "mary", PASSWORD)
    page = dashboard.get(manager, f"/dashboard?{PERIOD}").text

    assert "By conversation language" in page
    zh_row, en_row = _row(page, 'data-language="zh"'), _row(page, 'data-language="en"')
    assert ">中文</span></td><td>" + str(zh) + "</td>" in zh_row
    assert ">English</span></td><td>" + str(total - zh) + "</td>" in en_row
    assert 'data-kpi="csat"' in zh_row

    only_zh = dashboard.get(manager, f"/dashboard?{PERIOD}&language=zh").text
    assert "language: zh" in only_zh
    tile = only_zh.split('data-kpi="containment"')[1].split("</section>")[0]
    assert f"<dt>n</dt><dd>{zh}</dd>" in tile
    assert '<option value="zh" selected>中文</option>' in only_zh

    log = dashboard.get(manager, f"/dashboard/conversations?{PERIOD}&language=zh").text
    assert log.count('<tr data-conversation="') == zh and "中文" in log
    first = log.split('<tr data-conversation="', 1)[1].split('"', 1)[0]
    detail = dashboard.get(manager, f"/dashboard/conversations/{first}").text
    assert '<dt>Language</dt><dd><span class="lang lang-zh" lang="zh">中文</span>' in detail
    csv = dashboard.get(manager, f"/dashboard/export.csv?{PERIOD}").text.splitlines()
    assert csv[0].endswith(",language")
    assert sum(line.endswith(",zh") for line in csv[1:]) == zh
