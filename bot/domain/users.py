"""Staff accounts of the agent console: passwords, roles, teams, sessions, sign-in limits.

Passwords are hashed with argon2id (argon2-cffi, the Password Hashing Competition
winner); a hash made with weaker parameters is upgraded at the next sign-in. Sessions live
in the database: the cookie carries a random id and only its SHA-256 digest is stored.
Failed sign-ins are counted per account and per address, and too many in the window lock
both out for a while, which makes guessing passwords slow without locking out a whole
office for one person's typing. A failure is stored as keyed hashes of the typed name and
the address (people type passwords into the name box), and rows older than the window
are purged at every attempt.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from bot.domain.clock import moment_of
from bot.domain.rate_limits import keyed_hash
from bot.domain.teams import UnknownTeam, check_team
from bot.storage.models import STAFF_ROLES, ConsoleSession, LoginAttempt, StaffUser, utcnow

#: How long a console session lasts without signing in again.
SESSION_LIFETIME = timedelta(hours=10)
#: Failed sign-ins allowed per account, and per address, within :data:`ATTEMPT_WINDOW`.
MAX_FAILED_PER_ACCOUNT = 5
MAX_FAILED_PER_ADDRESS = 20
ATTEMPT_WINDOW = timedelta(minutes=15)
MIN_PASSWORD_CHARS = 10

_hasher = PasswordHasher()
# Verifying against this when the account does not exist takes as long as a real check,
# so response times do not tell which names are accounts.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


class UserError(ValueError):
    """An account operation cannot be done; the message says why, for staff."""


@dataclass(frozen=True)
class StaffView:
    """A staff account without its password hash."""

    id: int
    name: str
    role: str
    team: str
    active: bool

    def has_role(self, role: str) -> bool:
        """Tell whether this account has ``role`` or a higher one."""
        return STAFF_ROLES.index(self.role) >= STAFF_ROLES.index(role)


def _view(user: StaffUser) -> StaffView:
    return StaffView(user.id, user.name, user.role, user.team, bool(user.active))


def hash_password(password: str) -> str:
    """Hash a password with argon2id.

    Raises:
        UserError: shorter than :data:`MIN_PASSWORD_CHARS`.
    """
    if len(password or "") < MIN_PASSWORD_CHARS:
        raise UserError(f"the password needs at least {MIN_PASSWORD_CHARS} characters")
    return _hasher.hash(password)


def check_password(password_hash: str, password: str) -> bool:
    """Tell whether ``password`` matches ``password_hash`` (never raises for a mismatch)."""
    try:
        return bool(_hasher.verify(password_hash, password))
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _check_name(name: str) -> str:
    clean = (name or "").strip()
    if not clean or len(clean) > 80 or not all(c.isalnum() or c in "._-" for c in clean):
        raise UserError("a user name is 1-80 letters, digits, dots, dashes or underscores")
    return clean


def _check_role(role: str) -> str:
    if role not in STAFF_ROLES:
        raise UserError(f"unknown role {role!r}: use one of {', '.join(STAFF_ROLES)}")
    return role


def _team(team: str) -> str:
    try:
        return check_team(team)
    except UnknownTeam as exc:
        raise UserError(str(exc)) from None


def add_user(
    session: Session,
    name: str,
    password: str,
    *,
    role: str,
    team: str,
    email: str | None = None,
) -> StaffView:
    """Create a staff account (``email``: where notices about their complaints are mailed).

    Raises:
        UserError: bad name, role, team, password or mail address, or the name is taken.
    """
    clean = _check_name(name)
    address = (email or "").strip() or None
    if address is not None and (
        len(address) > 254 or not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", address)
    ):
        raise UserError(f"{address!r} is not a mail address")
    user = StaffUser(
        name=clean,
        password_hash=hash_password(password),
        role=_check_role(role),
        team=_team(team),
        active=True,
        created_at=utcnow(),
        email=address,
    )
    if session.execute(select(StaffUser.id).where(StaffUser.name == clean)).first():
        raise UserError(f"there is already a user called {clean}")
    session.add(user)
    session.flush()
    return _view(user)


def list_users(session: Session) -> list[StaffView]:
    """Every account, by team and name."""
    rows = session.execute(select(StaffUser).order_by(StaffUser.team, StaffUser.name))
    return [_view(u) for u in rows.scalars()]


def get_user(session: Session, name: str) -> StaffView | None:
    """The account called ``name``, or None."""
    user = session.execute(select(StaffUser).where(StaffUser.name == name)).scalar_one_or_none()
    return None if user is None else _view(user)


def move_user(session: Session, name: str, team: str) -> StaffView:
    """Move an agent to another team (a manager's decision).

    Raises:
        UserError: no such account or unknown team.
    """
    user = session.execute(select(StaffUser).where(StaffUser.name == name)).scalar_one_or_none()
    if user is None:
        raise UserError(f"there is no user called {name}")
    user.team = _team(team)
    session.flush()
    return _view(user)


# -- sign-in and sessions ---------------------------------------------------------------


@dataclass(frozen=True)
class SignIn:
    """A new console session: the cookie value (secret) and the CSRF token."""

    cookie: str
    csrf_token: str
    user: StaffView
    expires_at: datetime


def _digest(cookie: str) -> str:
    return hashlib.sha256(cookie.encode("utf-8")).hexdigest()


def _account_key(account: str) -> str:
    """What a failed sign-in stores for the typed name: a keyed hash, never the name."""
    return keyed_hash("sign-in account", account.strip().lower())


def _address_key(address: str) -> str:
    return keyed_hash("sign-in address", address)


def is_rate_limited(
    session: Session, account: str, address: str, *, now: datetime | None = None
) -> bool:
    """Tell whether sign-ins for this account or from this address are paused."""
    since = moment_of(now) - ATTEMPT_WINDOW
    by_account = session.execute(
        select(func.count(LoginAttempt.id)).where(
            LoginAttempt.account == _account_key(account), LoginAttempt.at > since
        )
    ).scalar_one()
    by_address = session.execute(
        select(func.count(LoginAttempt.id)).where(
            LoginAttempt.address == _address_key(address), LoginAttempt.at > since
        )
    ).scalar_one()
    return int(by_account) >= MAX_FAILED_PER_ACCOUNT or int(by_address) >= MAX_FAILED_PER_ADDRESS


def sign_in(
    session: Session,
    name: str,
    password: str,
    *,
    address: str,
    now: datetime | None = None,
) -> SignIn | None:
    """Check a name and password and open a session.

    Returns None for a wrong name or password, an inactive account, and while the account
    or address is rate limited (the caller checks :func:`is_rate_limited` to say which).
    A failure is recorded; the caller commits so it counts even though nobody signed in.
    """
    moment = moment_of(now)
    account = (name or "").strip()[:80]
    # Failures older than the window no longer count: none is kept longer than that.
    session.execute(delete(LoginAttempt).where(LoginAttempt.at <= moment - ATTEMPT_WINDOW))
    if is_rate_limited(session, account, address, now=moment):
        return None
    user = session.execute(select(StaffUser).where(StaffUser.name == account)).scalar_one_or_none()
    ok = check_password(user.password_hash if user else _DUMMY_HASH, password or "")
    if user is None or not ok or not user.active:
        session.add(
            LoginAttempt(account=_account_key(account), address=_address_key(address), at=moment)
        )
        session.flush()
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    # A successful sign-in clears the account's failures, not the address's: an attacker
    # with one valid account cannot reset the limit for the others.
    session.execute(delete(LoginAttempt).where(LoginAttempt.account == _account_key(account)))
    session.execute(delete(ConsoleSession).where(ConsoleSession.expires_at < moment))
    cookie = secrets.token_urlsafe(32)
    record = ConsoleSession(
        id=_digest(cookie),
        user_id=user.id,
        csrf_token=secrets.token_urlsafe(32),
        created_at=moment,
        expires_at=moment + SESSION_LIFETIME,
    )
    session.add(record)
    session.flush()
    return SignIn(cookie, record.csrf_token, _view(user), record.expires_at)


@dataclass(frozen=True)
class ActiveSession:
    """A valid console session and its account."""

    user: StaffView
    csrf_token: str
    expires_at: datetime


def session_for(
    session: Session, cookie: str | None, *, now: datetime | None = None
) -> ActiveSession | None:
    """The session behind a cookie value, if it exists, has not expired and its user is active."""
    if not cookie or len(cookie) > 200:
        return None
    record = session.get(ConsoleSession, _digest(cookie))
    if record is None or record.expires_at <= moment_of(now) or not record.user.active:
        return None
    return ActiveSession(_view(record.user), record.csrf_token, record.expires_at)


def sign_out(session: Session, cookie: str | None) -> None:
    """End the session behind a cookie value (nothing happens for an unknown one)."""
    if cookie:
        session.execute(delete(ConsoleSession).where(ConsoleSession.id == _digest(cookie)))
