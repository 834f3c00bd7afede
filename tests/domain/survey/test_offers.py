"""Who may be offered the survey, and the proactive offers through Rasa's HTTP API
(a local stand-in of it), on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.bootstrap import LISTENERS, Services, bootstrap
from bot.domain.events import ComplaintResolved, Event, HandoffClosed
from bot.domain.kpi.surveys import record_offer
from bot.domain.survey.config import SurveyConfig
from bot.domain.survey.offers import (
    OFFER_INTENT,
    SurveyInviter,
    answered_enquiry,
    open_survey,
    recently_offered,
)
from bot.domain.users import add_user
from bot.engine.rasa_client import RasaClient
from bot.storage.db import session_scope
from bot.storage.models import SurveyResponse
from tests.support.rasa_standin import RasaStandIn

DAY = timedelta(hours=24)
NOON = datetime(2026, 11, 26, 4, 0, tzinfo=timezone.utc)
EVERY_TRIGGER = SurveyConfig(
    ("csat", "comment"), frozenset({"handoff_closed", "complaint_resolved", "enquiry"}), DAY
)


def _open(session: Session, response_id: str, sender: str, now: datetime) -> bool:
    row = open_survey(
        session,
        response_id=response_id,
        sender_id=sender,
        channel="telegram",
        cooldown=DAY,
        service="track_shipment",
        now=now,
    )
    return row is not None


def test_one_offer_per_customer_within_the_cooldown(session: Session) -> None:
    assert _open(session, "r-1", "telegram:1", NOON)
    assert not _open(session, "r-2", "telegram:1", NOON + timedelta(hours=23, minutes=59))
    assert _open(session, "r-3", "telegram:2", NOON + timedelta(hours=1))
    assert _open(session, "r-4", "telegram:1", NOON + timedelta(hours=24, seconds=1))
    assert recently_offered(session, "telegram:1", DAY, NOON + timedelta(hours=30))
    assert not recently_offered(session, "telegram:1", DAY, NOON + timedelta(hours=49))
    session.commit()
    senders = session.scalars(select(SurveyResponse.sender_id).order_by(SurveyResponse.id)).all()
    assert senders == ["telegram:1", "telegram:2", "telegram:1"]


def test_the_same_offer_again_is_the_same_row(session: Session) -> None:
    first = open_survey(
        session, response_id="r-9", sender_id="rest:9", channel="rest", cooldown=DAY, now=NOON
    )
    again = open_survey(
        session, response_id="r-9", sender_id="rest:9", channel="rest", cooldown=DAY, now=NOON
    )
    assert first is not None and again is not None and again.id == first.id
    assert session.scalar(select(func.count()).select_from(SurveyResponse)) == 1


def test_offer_stores_what_the_survey_is_about(session: Session) -> None:
    row = open_survey(
        session,
        response_id="r-5",
        sender_id="rest:5",
        channel="rest",
        cooldown=DAY,
        service="complain",
        agent="amy",
        team="complaints_claims",
        complaint_reference="CMP-2026-00042",
        now=NOON,
    )
    assert row is not None
    assert (row.service, row.agent, row.team, row.complaint_reference, row.offered_at) == (
        "complain",
        "amy",
        "complaints_claims",
        "CMP-2026-00042",
        NOON,
    )


@pytest.mark.parametrize(
    ("names", "service"),
    [
        (["action_track_shipment"], "track_shipment"),
        (["action_give_quote", "utter_faq"], "faq"),
        (["action_give_transit_time", "action_listen"], "ask_transit_time"),
        (["action_define_term"], "define_term"),
        (["action_fallback", "utter_greet"], None),
        ([], None),
    ],
)
def test_the_enquiry_answered_last_is_the_service(names: list[str], service: str | None) -> None:
    events = [{"event": "action", "name": name} for name in names]
    assert answered_enquiry(events) == service


def test_an_enquiry_of_an_earlier_session_does_not_count() -> None:
    events = [
        {"event": "action", "name": "action_track_shipment"},
        {"event": "session_started"},
        {"event": "action", "name": "utter_greet"},
    ]
    assert answered_enquiry(events) is None


# -- proactive offers ------------------------------------------------------------------------


@pytest.fixture
def rasa() -> Iterator[RasaStandIn]:
    with RasaStandIn() as server:
        yield server


def _inviter(
    engine: Engine, rasa: RasaStandIn, config: SurveyConfig = EVERY_TRIGGER
) -> SurveyInviter:
    return SurveyInviter(engine, RasaClient(rasa.url, rasa.token, timeout=5), config)


def _closed_handoff(sender: str) -> HandoffClosed:
    return HandoffClosed(7, sender, "amy", "air_freight", {"intent": "ask_rates"})


def _resolved_complaint(sender: str, assigned_to: str | None) -> ComplaintResolved:
    return ComplaintResolved("CMP-2026-00042", sender, assigned_to)


def test_a_closed_handoff_triggers_the_offer_without_blocking_the_console(
    engine: Engine, rasa: RasaStandIn
) -> None:
    inviter = _inviter(engine, rasa)

    async def close_in_the_console() -> None:
        inviter.on_handoff_closed(_closed_handoff("telegram:42"))  # returns at once
        assert rasa.triggered == []
        await inviter.wait()

    asyncio.run(close_in_the_console())
    (request,) = rasa.triggered
    assert request.sender_id == "telegram:42"
    assert request.query == {"output_channel": "latest", "token": rasa.token}
    assert request.body == {
        "name": OFFER_INTENT,
        "entities": {
            "survey_trigger": "handoff_closed",
            "survey_service": "ask_rates",
            "survey_agent": "amy",
            "survey_team": "air_freight",
            "survey_complaint": "",
        },
    }


def test_a_resolved_complaint_names_the_complaint_and_the_agents_team(
    engine: Engine, rasa: RasaStandIn
) -> None:
    with session_scope(engine) as session:
        add_user(session, "ben", "a long enough password", role="agent", team="sea_freight")
    inviter = _inviter(engine, rasa)
    inviter.on_complaint_resolved(_resolved_complaint("rest:1", "ben"))  # the worker: no loop
    inviter.on_complaint_resolved(_resolved_complaint("rest:2", "senior-complaints"))
    first, second = (r.body["entities"] for r in rasa.triggered)
    assert (first["survey_complaint"], first["survey_agent"], first["survey_team"]) == (
        "CMP-2026-00042",
        "ben",
        "sea_freight",
    )
    assert first["survey_service"] == "complain"
    assert (second["survey_agent"], second["survey_team"]) == ("", "complaints_claims")


def test_no_offer_within_the_cooldown_or_while_busy(engine: Engine, rasa: RasaStandIn) -> None:
    with session_scope(engine) as session:
        record_offer(session, "earlier", "rest:asked", "rest")
    rasa.states["rest:paused"] = {"paused": True}
    rasa.states["rest:in-form"] = {"active_loop": {"name": "quote_form"}}
    inviter = _inviter(engine, rasa)
    for sender in ("rest:asked", "rest:paused", "rest:in-form"):
        assert not asyncio.run(inviter.invite(sender, "handoff_closed"))
    assert rasa.triggered == []
    assert asyncio.run(inviter.invite("rest:free", "handoff_closed"))
    assert [r.sender_id for r in rasa.triggered] == ["rest:free"]


def test_a_trigger_switched_off_in_the_settings_offers_nothing(
    engine: Engine, rasa: RasaStandIn
) -> None:
    config = SurveyConfig(("csat",), frozenset({"enquiry"}), DAY)
    inviter = _inviter(engine, rasa, config)
    inviter.on_complaint_resolved(_resolved_complaint("rest:3", None))
    assert rasa.requests == []


def test_rasa_down_is_logged_not_raised(
    engine: Engine, rasa: RasaStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    rasa.fail_status = 500
    inviter = _inviter(engine, rasa)
    inviter.on_complaint_resolved(_resolved_complaint("rest:4", None))
    assert "Could not offer the survey to rest:4" in caplog.text


def test_the_bus_offers_the_survey_after_either_event(engine: Engine, rasa: RasaStandIn) -> None:
    # The listeners are declared once (bot.bootstrap.LISTENERS); every process that builds
    # the bus gets them, with nothing to install.
    bus = bootstrap(engine, RasaClient(rasa.url, rasa.token, timeout=5))
    bus.publish(_resolved_complaint("rest:5", None))  # no event loop: waits for the offer
    bus.publish(_closed_handoff("rest:6"))
    triggers = [(r.sender_id, r.body["entities"]["survey_trigger"]) for r in rasa.triggered]
    assert triggers == [("rest:5", "complaint_resolved"), ("rest:6", "handoff_closed")]


def test_a_failing_listener_is_logged_and_stops_no_other(
    engine: Engine,
    rasa: RasaStandIn,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(services: Services, event: Event) -> None:
        raise RuntimeError("listener broke")

    listeners = dict(LISTENERS)
    listeners[ComplaintResolved] = (broken, *LISTENERS[ComplaintResolved])
    monkeypatch.setattr("bot.bootstrap.LISTENERS", listeners)
    bus = bootstrap(engine, RasaClient(rasa.url, rasa.token, timeout=5))
    bus.publish(_resolved_complaint("rest:7", None))
    assert "broken failed" in caplog.text
    assert [r.sender_id for r in rasa.triggered] == ["rest:7"]
