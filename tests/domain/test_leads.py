"""Sales leads: validation, length caps, de-duplication and listing."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.domain.leads import MAX_LENGTHS, list_leads, save_lead
from bot.storage import db
from bot.storage.models import Lead

LEAD: dict[str, Any] = {
    "sender_id": "tg-4711",
    "channel": "telegram",
    "name": "Chan Tai Man",
    "contact": "+852 9123 4567",
    "company": "Kowloon Trading Ltd",
    "mode": "sea_lcl",
    "origin": "Shenzhen",
    "destination": "Rotterdam",
    "weight_kg": 850.0,
    "volume_cbm": 3.2,
    "quoted_amount": Decimal("4820.50"),
    "currency": "hkd",
    "note": "Ready to ship in two weeks.",
}


def _leads(session: Session) -> int:
    return int(session.execute(select(func.count()).select_from(Lead)).scalar_one())


def test_save_lead_stores_a_new_lead(engine: Engine) -> None:
    with db.session_scope(engine) as session:
        lead_id = save_lead(session, **LEAD)

    with db.session_scope(engine) as session:
        lead = session.get(Lead, lead_id)
    assert lead is not None
    assert (lead.status, lead.contact_kind, lead.contact) == ("new", "phone", "+85291234567")
    assert (lead.currency, lead.quoted_amount) == ("HKD", Decimal("4820.50"))
    assert (lead.origin, lead.destination, lead.volume_cbm) == ("Shenzhen", "Rotterdam", 3.2)


def test_only_name_and_contact_are_required(session: Session) -> None:
    lead_id = save_lead(
        session, sender_id="web-1", channel="web", name="Jo", contact="jo@example.com"
    )

    lead = session.get(Lead, lead_id)
    assert (lead.contact_kind, lead.company, lead.quoted_amount) == ("email", None, None)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"contact": "tomorrow afternoon"}, "doesn't look like an email address or phone"),
        ({"contact": ""}, r"for example name@company\.com or \+852 9123 4567"),
        ({"name": "   "}, "Could you tell me your name"),
        ({"weight_kg": -5}, "The weight should be a positive number"),
        ({"volume_cbm": "lots"}, "The volume should be a number"),
        ({"quoted_amount": "cheap"}, "The quoted amount should be a number"),
        ({"currency": "dollars"}, "three-letter code such as HKD"),
    ],
)
def test_bad_input_raises_a_customer_message_and_stores_nothing(
    session: Session, changes: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        save_lead(session, **{**LEAD, **changes})

    assert _leads(session) == 0


def test_long_free_text_is_capped(session: Session) -> None:
    lead_id = save_lead(
        session, **{**LEAD, "name": "N" * 500, "company": "C" * 500, "note": "x" * 10_000}
    )

    lead = session.get(Lead, lead_id)
    assert len(lead.name) == MAX_LENGTHS["name"]
    assert len(lead.company) == MAX_LENGTHS["company"]
    assert len(lead.note) == MAX_LENGTHS["note"]


def test_same_lead_from_same_sender_within_ten_minutes_is_not_duplicated(
    engine: Engine,
) -> None:
    with db.session_scope(engine) as session:
        first = save_lead(session, **LEAD)
    with db.session_scope(engine) as session:
        # Typed a little differently, normalised the same.
        again = save_lead(session, **{**LEAD, "contact": "9123-4567", "currency": "HKD"})

    assert again == first
    with db.session_scope(engine) as session:
        assert _leads(session) == 1


def test_same_lead_after_ten_minutes_is_a_new_lead(engine: Engine) -> None:
    with db.session_scope(engine) as session:
        first = save_lead(session, **LEAD)
        lead = session.get(Lead, first)
        lead.created_at = lead.created_at - timedelta(minutes=11)

    with db.session_scope(engine) as session:
        second = save_lead(session, **LEAD)

    assert second != first


@pytest.mark.parametrize(
    "changes",
    [{"sender_id": "tg-9999"}, {"destination": "Hamburg"}, {"quoted_amount": Decimal(4999)}],
)
def test_a_different_sender_or_different_details_make_a_new_lead(
    session: Session, changes: dict[str, Any]
) -> None:
    first = save_lead(session, **LEAD)

    assert save_lead(session, **{**LEAD, **changes}) != first
    assert _leads(session) == 2


def test_list_leads_newest_first_with_masked_contacts(session: Session) -> None:
    older = save_lead(session, **LEAD)
    session.get(Lead, older).created_at -= timedelta(hours=1)
    newer = save_lead(session, **{**LEAD, "sender_id": "web-2", "contact": "jo@example.com"})
    session.flush()

    leads = list_leads(session)

    assert [lead.id for lead in leads] == [newer, older]
    assert [lead.masked_contact for lead in leads] == ["j***@example.com", "+852****4567"]
    assert list_leads(session, status="won") == []
    assert len(list_leads(session, limit=1)) == 1
