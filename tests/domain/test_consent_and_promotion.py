"""Direct-marketing consent (stored with wording and time, withdrawn for the same contact
across conversations), the service suggestion rules, and the sales figures."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy.orm import Session

from bot.domain import promotion
from bot.domain.consent import consent_in_force, list_consents, record_answer, withdraw
from bot.domain.lead_work import set_status
from bot.domain.leads import save_lead
from bot.domain.sales_events import record_event, sales_figures

T0 = datetime(2026, 12, 2, 3, 0, tzinfo=timezone.utc)


def _answer(session: Session, sender: str, granted: bool, contact: str = "a@example.com") -> None:
    record_answer(
        session,
        sender_id=sender,
        channel="web",
        granted=granted,
        wording="May we use a@example.com for offers?",
        language="en",
        answer="yes" if granted else "no",
        contact=contact,
        now=T0,
    )


def test_consent_is_kept_with_its_wording_time_and_withdrawal(session: Session) -> None:
    _answer(session, "web-1", True)
    assert consent_in_force(session, "web-1")
    (view,) = list_consents(session)
    assert view.wording == "May we use a@example.com for offers?" and view.answered_at == T0
    assert withdraw(session, sender_id="web-1", words="stop", now=T0 + timedelta(hours=1)) == 1
    (view,) = list_consents(session)
    assert view.withdrawn_at == T0 + timedelta(hours=1) and view.withdrawal == "stop"
    assert not view.in_force and not consent_in_force(session, "web-1")
    assert withdraw(session, sender_id="web-1", words="stop") == 0


def test_withdrawal_covers_the_same_contact_from_another_conversation(session: Session) -> None:
    _answer(session, "web-1", True, contact="A@Example.com")
    _answer(session, "telegram-9", True, contact="a@example.com")
    _answer(session, "web-7", True, contact="someone@else.example")
    assert withdraw(session, sender_id="telegram-9", words="unsubscribe") == 2
    assert [v.sender_id for v in list_consents(session, in_force_only=True)] == ["web-7"]


def test_a_no_is_stored_and_never_in_force(session: Session) -> None:
    _answer(session, "web-1", False)
    assert not consent_in_force(session, "web-1")
    assert list_consents(session, in_force_only=True) == []
    with pytest.raises(ValueError):
        record_answer(
            session,
            sender_id="x",
            channel="web",
            granted=True,
            wording=" ",
            language="en",
            answer="yes",
        )


@pytest.mark.parametrize(
    ("mode", "kg", "cbm", "code"),
    [
        ("economy", 1.5, None, "express_documents"),
        ("air", 2, None, "express_documents"),
        ("express", 20, None, "economy"),
        ("express", 3, None, None),
        ("air", 150, None, "lcl_consolidation"),
        ("air", 40, 1.2, "lcl_consolidation"),
        ("air", 40, 0.2, None),
        ("sea_lcl", 500, 2, None),
    ],
)
def test_suggestion_fits_the_quote(
    mode: str, kg: float, cbm: float | None, code: str | None
) -> None:
    suggestion = promotion.after_quote(mode, kg, cbm)
    assert (suggestion.code if suggestion else None) == code


def test_suggestion_offer_round_trip_and_once_only() -> None:
    suggestion = promotion.after_tracking("economy")
    assert suggestion is not None and suggestion.mode == "express"
    assert promotion.after_tracking("express") is None
    offer = promotion.offer_value(suggestion)
    assert promotion.suggestion_of(offer) == suggestion
    assert promotion.suggestion_of("promotion:unknown") is None
    assert promotion.already_suggested([None, "sales_contact", offer, None])
    assert not promotion.already_suggested([None, "sales_contact"])


def test_sales_figures(session: Session) -> None:
    for n in range(4):
        record_event(session, sender_id=f"s{n}", channel="web", kind="quote", now=T0)
    record_event(session, sender_id="s9", channel="web", kind="quote_refused", now=T0)
    record_event(session, sender_id="s1", channel="web", kind="promotion_offered", now=T0)
    record_event(session, sender_id="s2", channel="web", kind="promotion_offered", now=T0)
    record_event(session, sender_id="s1", channel="web", kind="promotion_accepted", now=T0)
    record_event(session, sender_id="old", channel="web", kind="quote", now=T0 - timedelta(days=40))
    won = save_lead(
        session,
        sender_id="s1",
        channel="web",
        name="A",
        contact="a@example.com",
        quoted_amount=10,
        currency="HKD",
        now=T0,
    )
    save_lead(session, sender_id="s2", channel="web", name="B", contact="b@example.com", now=T0)
    set_status(session, won, "won", actor="lee", role="team_lead", now=T0 + timedelta(hours=1))
    f = sales_figures(session, T0 - timedelta(days=1), T0 + timedelta(days=1))
    assert (f.quotes_given, f.quotes_refused, f.leads, f.leads_from_quotes) == (4, 1, 2, 1)
    assert (f.quote_to_lead, f.lead_to_won, f.quote_to_won) == (25.0, 50.0, 25.0)
    assert (f.callbacks_made, f.callbacks_on_time, f.callback_on_time_rate) == (1, 1, 100.0)
    assert (f.promotions_offered, f.promotions_accepted, f.promotion_acceptance) == (2, 1, 50.0)
    empty = sales_figures(session, T0 + timedelta(days=5), T0 + timedelta(days=6))
    assert empty.quote_to_lead is None and empty.leads == 0
    with pytest.raises(ValueError):
        record_event(session, sender_id="x", channel="web", kind="spam")
