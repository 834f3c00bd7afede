"""Complaint status only for its own conversation, or after a one-time code to its contact."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.domain.complaints.records import create_complaint
from bot.domain.complaints.status_access import (
    CODE_TTL,
    LOOKUP_LIMIT,
    LOOKUP_WINDOW,
    MAX_CODE_TRIES,
    Asker,
    CodeRequest,
    find_code,
    own_complaints,
    request_code,
    verify_code,
)
from bot.storage.models import ComplaintStatusLookup
from tests.domain.complaints.conftest import COMPLAINT, THURSDAY_1PM

OWNER = Asker("tg-4711", "telegram")
STRANGER = Asker("web-stranger", "socketio")
EMAIL = "jo.chan@example.com"
BOTH = frozenset({"email", "phone"})


def _file(session: Session, **fields: str) -> str:
    receipt = create_complaint(session, **{**COMPLAINT, **fields}, now=THURSDAY_1PM)
    return receipt.reference


def _ask(session: Session, asker: Asker, reference: str, contact: str, **kw: object) -> CodeRequest:
    return request_code(
        session,
        asker,
        reference=reference,
        contact=contact,
        can_reach=kw.pop("can_reach", BOTH),  # type: ignore[arg-type]
        now=kw.pop("now", THURSDAY_1PM),  # type: ignore[arg-type]
    )


def test_the_filing_conversation_sees_its_own_complaints(session: Session) -> None:
    reference = _file(session)
    assert [v.reference for v in own_complaints(session, OWNER)] == [reference]
    assert [v.reference for v in own_complaints(session, OWNER, reference=reference)] == [reference]


@pytest.mark.parametrize(
    "asker",
    [STRANGER, Asker("tg-4711", "rest"), Asker("tg-47111", "telegram")],
    ids=["stranger", "same-id-other-channel", "other-id"],
)
def test_no_other_conversation_sees_them(session: Session, asker: Asker) -> None:
    reference = _file(session)
    assert own_complaints(session, asker) == []
    assert own_complaints(session, asker, reference=reference) == []


def test_reference_and_contact_get_a_code_that_opens_the_complaint_once(session: Session) -> None:
    reference = _file(session, contact=EMAIL)
    asked = _ask(session, STRANGER, reference.lower().replace("-", " "), "Jo.Chan@Example.com")
    assert not asked.limited and asked.delivery is not None
    assert asked.delivery.contact == EMAIL and asked.delivery.contact_kind == "email"
    code = asked.delivery.code
    assert len(code) == 6 and code.isdigit()
    stored = session.execute(select(ComplaintStatusLookup.code_hash)).scalars().all()
    assert code not in " ".join(h or "" for h in stored)  # hashed, never as typed
    # Only in the conversation that asked.
    assert (
        verify_code(session, OWNER, reference=reference, code=code, now=THURSDAY_1PM).view is None
    )
    opened = verify_code(session, STRANGER, reference=reference, code=code, now=THURSDAY_1PM)
    assert opened.view is not None and opened.view.reference == reference
    # Single use.
    again = verify_code(session, STRANGER, reference=reference, code=code, now=THURSDAY_1PM)
    assert again.view is None


@pytest.mark.parametrize(
    ("reference", "contact", "can_reach"),
    [
        ("CMP-2026-99999", EMAIL, BOTH),  # no such complaint
        (None, "someone.else@example.com", BOTH),  # not its contact
        (None, "+852 9123 4567", BOTH),  # the contact of another complaint
        (None, EMAIL, frozenset({"phone"})),  # a contact that cannot be reached
    ],
    ids=["no-such-reference", "wrong-contact", "other-complaints-contact", "unreachable"],
)
def test_no_match_gives_no_code_and_the_same_answer(
    session: Session, reference: str | None, contact: str, can_reach: frozenset[str]
) -> None:
    _file(session)  # a phone complaint of tg-4711
    ours = _file(session, contact=EMAIL, sender_id="tg-1", description="Box crushed badly.")
    asked = _ask(session, STRANGER, reference or ours, contact, can_reach=can_reach)
    assert asked == CodeRequest(limited=False, delivery=None)


def test_phone_contacts_get_codes_when_phones_can_be_reached(session: Session) -> None:
    reference = _file(session)
    asked = _ask(session, STRANGER, reference, "91234567")
    assert asked.delivery is not None and asked.delivery.contact == "+85291234567"
    assert _ask(session, STRANGER, reference, "91234567", can_reach=frozenset({"email"})) == (
        CodeRequest(limited=False)
    )


def test_a_code_expires(session: Session) -> None:
    reference = _file(session, contact=EMAIL)
    asked = _ask(session, STRANGER, reference, EMAIL)
    assert asked.delivery is not None
    late = THURSDAY_1PM + CODE_TTL + timedelta(seconds=1)
    assert (
        verify_code(session, STRANGER, reference=reference, code=asked.delivery.code, now=late).view
        is None
    )


def test_a_code_dies_after_its_tries(session: Session) -> None:
    reference = _file(session, contact=EMAIL)
    asked = _ask(session, STRANGER, reference, EMAIL)
    assert asked.delivery is not None
    wrong = "000000" if asked.delivery.code != "000000" else "111111"
    for _ in range(MAX_CODE_TRIES):
        verify_code(session, STRANGER, reference=reference, code=wrong, now=THURSDAY_1PM)
    assert (
        verify_code(
            session, STRANGER, reference=reference, code=asked.delivery.code, now=THURSDAY_1PM
        ).view
        is None
    )


def test_a_new_code_replaces_the_old_one(session: Session) -> None:
    reference = _file(session, contact=EMAIL)
    first = _ask(session, STRANGER, reference, EMAIL)
    second = _ask(session, STRANGER, reference, EMAIL)
    assert first.delivery is not None and second.delivery is not None
    if first.delivery.code != second.delivery.code:
        old = verify_code(
            session, STRANGER, reference=reference, code=first.delivery.code, now=THURSDAY_1PM
        )
        assert old.view is None
    new = verify_code(
        session, STRANGER, reference=reference, code=second.delivery.code, now=THURSDAY_1PM
    )
    assert new.view is not None


def test_look_ups_are_limited_per_conversation(session: Session) -> None:
    reference = _file(session, contact=EMAIL)
    for _ in range(LOOKUP_LIMIT):
        assert not _ask(session, STRANGER, "CMP-2026-99999", EMAIL).limited
    assert _ask(session, STRANGER, reference, EMAIL).limited
    assert verify_code(
        session, STRANGER, reference=reference, code="123456", now=THURSDAY_1PM
    ).limited
    # Another conversation is not held back; the same one is, until the window passes.
    assert _ask(session, Asker("web-other", "socketio"), reference, EMAIL).delivery is not None
    later = THURSDAY_1PM + LOOKUP_WINDOW + timedelta(seconds=1)
    assert _ask(session, STRANGER, reference, EMAIL, now=later).delivery is not None


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("CMP-2026-00042 code 482913", "482913"),
        ("my code is 005731", "005731"),
        ("91234567", None),
        ("call me on 6123 4567", None),
        ("4829135", None),
        ("CMP-2026-00042驗證碼482913", "482913"),
        ("驗證碼係482913唔該", "482913"),
        ("電話91234567", None),
    ],
)
def test_find_code(text: str, code: str | None) -> None:
    assert find_code(text.replace("CMP-2026-00042", "")) == code
