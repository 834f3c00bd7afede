"""Staff accounts on SQLite and PostgreSQL: hashing, sessions, roles and the sign-in limit
(the ``users`` commands: tests/commands/test_users.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.domain.users import (
    MAX_FAILED_PER_ACCOUNT,
    MAX_FAILED_PER_ADDRESS,
    SESSION_LIFETIME,
    UserError,
    add_user,
    check_password,
    hash_password,
    is_rate_limited,
    move_user,
    session_for,
    sign_in,
    sign_out,
)
from bot.storage.models import LoginAttempt, StaffUser, utcnow

PASSWORD = "correct horse battery"


def test_passwords_are_stored_as_argon2_hashes(session: Session) -> None:
    add_user(session, "ann", PASSWORD, role="agent", team="express")
    stored = session.execute(select(StaffUser.password_hash)).scalar_one()

    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert check_password(stored, PASSWORD) and not check_password(stored, "wrong password")
    assert hash_password(PASSWORD) != hash_password(PASSWORD)  # salted


@pytest.mark.parametrize(
    ("name", "password", "role", "team", "problem"),
    [
        ("ann", "short", "agent", "express", "10 characters"),
        ("ann", PASSWORD, "boss", "express", "role"),
        ("ann", PASSWORD, "agent", "pirates", "team"),
        ("a n", PASSWORD, "agent", "express", "user name"),
    ],
)
def test_bad_accounts_are_refused(
    session: Session, name: str, password: str, role: str, team: str, problem: str
) -> None:
    with pytest.raises(UserError, match=problem):
        add_user(session, name, password, role=role, team=team)


def test_sign_in_session_and_sign_out(session: Session) -> None:
    add_user(session, "ann", PASSWORD, role="team_lead", team="air_freight")
    opened = sign_in(session, "ann", PASSWORD, address="10.0.0.1")
    assert opened is not None

    active = session_for(session, opened.cookie)
    assert active is not None and active.user.name == "ann" and active.csrf_token
    assert active.user.has_role("agent") and active.user.has_role("team_lead")
    assert not active.user.has_role("manager")
    assert session_for(session, opened.cookie + "x") is None
    assert session_for(session, opened.cookie, now=utcnow() + SESSION_LIFETIME) is None

    sign_out(session, opened.cookie)
    assert session_for(session, opened.cookie) is None


def test_wrong_password_is_refused(session: Session) -> None:
    add_user(session, "ann", PASSWORD, role="agent", team="express")
    assert sign_in(session, "ann", "not the password", address="10.0.0.1") is None
    assert sign_in(session, "nobody", PASSWORD, address="10.0.0.1") is None


def test_sign_in_is_limited_per_account_then_allowed_again(session: Session) -> None:
    add_user(session, "ann", PASSWORD, role="agent", team="express")
    for attempt in range(MAX_FAILED_PER_ACCOUNT):
        assert sign_in(session, "ann", "guess", address=f"10.0.0.{attempt}") is None

    assert is_rate_limited(session, "ann", "10.9.9.9")
    # Even the right password waits out the limit...
    assert sign_in(session, "ann", PASSWORD, address="10.9.9.9") is None
    # ...which ends after the window.
    later = utcnow() + timedelta(minutes=16)
    assert sign_in(session, "ann", PASSWORD, address="10.9.9.9", now=later) is not None


def test_manager_moves_an_agent(session: Session) -> None:
    add_user(session, "ann", PASSWORD, role="agent", team="express")
    assert move_user(session, "ann", "sea-freight").team == "sea_freight"
    with pytest.raises(UserError):
        move_user(session, "nobody", "general")


def test_sign_in_is_limited_per_address_across_account_names(session: Session) -> None:
    add_user(session, "ann", PASSWORD, role="agent", team="express")
    # One address trying many names (password spraying) is stopped, even for a real account.
    for attempt in range(MAX_FAILED_PER_ADDRESS):
        assert sign_in(session, f"guess{attempt}", "guess", address="10.6.6.6") is None
    assert is_rate_limited(session, "ann", "10.6.6.6")
    assert sign_in(session, "ann", PASSWORD, address="10.6.6.6") is None
    # Ann herself, from her own address, is not locked out by the stranger.
    assert not is_rate_limited(session, "ann", "10.0.0.7")
    assert sign_in(session, "ann", PASSWORD, address="10.0.0.7") is not None


def test_failed_sign_ins_keep_no_typed_name_and_are_purged_after_the_window(
    session: Session,
) -> None:
    typed = "Ann's password is Tr0ub4dor"  # a password typed into the name box
    assert sign_in(session, typed, "guess", address="10.1.2.3") is None
    assert is_rate_limited(session, typed, "10.9.9.9") is False
    rows = session.execute(select(LoginAttempt.account, LoginAttempt.address)).all()
    assert len(rows) == 1
    stored = " ".join(rows[0])
    assert "Tr0ub4dor" not in stored and typed.lower() not in stored and "10.1.2.3" not in stored
    # The attempt still counts for its name (any case) and address while the window lasts.
    for _ in range(MAX_FAILED_PER_ACCOUNT - 1):
        sign_in(session, typed.upper(), "guess", address="10.1.2.3")
    assert is_rate_limited(session, typed, "10.9.9.9")

    later = utcnow() + timedelta(minutes=16)
    sign_in(session, "someone else", "guess", address="10.4.4.4", now=later)
    # Every row from before the window is gone; only the new failure is kept.
    assert session.execute(select(LoginAttempt.at)).scalars().all() == [later]
