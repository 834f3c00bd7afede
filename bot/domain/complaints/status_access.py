"""Who may hear where a complaint stands: its own conversation, or whoever proves ownership.

A complaint's status, details and outcome go to the conversation that filed it: the same
sender on the same channel (:func:`own_complaints`). From any other conversation a
customer proves they own it with its reference and the contact they gave, which gets a
one-time code (:func:`request_code`), and then the reference and that code in the same
conversation (:func:`verify_code`).

- A code is 6 random digits, valid for :data:`CODE_TTL`, good for one use and
  :data:`MAX_CODE_TRIES` tries, and only in the conversation that asked for it; it is
  stored as a salted PBKDF2 hash, never as typed. Asking again replaces the earlier code.
- The asker learns nothing before the code: the answer to a reference that does not
  exist, a contact that does not match, a complaint with a contact that cannot be
  reached, and a code really sent is the same (the caller words it once).
- Every such look-up, found or not, is counted: a conversation gets
  :data:`LOOKUP_LIMIT` in :data:`LOOKUP_WINDOW` (code requests and code tries alike).

Functions take an open session and flush; the caller commits.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from bot.domain.clock import moment_of
from bot.domain.complaints.rules import normalise_reference
from bot.domain.complaints.views import ComplaintView, make_view
from bot.domain.contacts import parse_contact
from bot.domain.service_levels import service_levels
from bot.storage.models import Complaint, ComplaintStatusLookup

CODE_DIGITS = 6
CODE_TTL = timedelta(minutes=10)
MAX_CODE_TRIES = 5
LOOKUP_LIMIT = 8
LOOKUP_WINDOW = timedelta(hours=1)
#: Look-up rows older than this are deleted (their codes long expired, their count done).
LOOKUP_KEPT = timedelta(days=1)
_PBKDF2_ROUNDS = 60_000

REQUEST = "request"
VERIFY = "verify"

# ASCII bounds, not \w: Chinese characters are word characters ("驗證碼123456").
_CODE_IN_TEXT = re.compile(rf"(?<![A-Za-z0-9_+-])\d{{{CODE_DIGITS}}}(?![A-Za-z0-9_-])")


@dataclass(frozen=True)
class Asker:
    """The conversation asking: a sender id on a channel (``rest``, ``telegram``, ...)."""

    sender_id: str
    channel: str


@dataclass(frozen=True)
class CodeDelivery:
    """A code to send to a complaint's contact (only ever built for a real match)."""

    reference: str
    contact_kind: str
    contact: str
    code: str


@dataclass(frozen=True)
class CodeRequest:
    """What came of asking for a code.

    Attributes:
        limited: the conversation has used its look-ups; nothing was looked up.
        delivery: the code to send, when the reference and contact matched a complaint
            whose contact can be reached; None otherwise (the asker is told the same).
    """

    limited: bool
    delivery: CodeDelivery | None = None


@dataclass(frozen=True)
class Verification:
    """What came of trying a code.

    Attributes:
        limited: the conversation has used its look-ups; nothing was checked.
        view: the complaint, when the code was right; None otherwise.
    """

    limited: bool
    view: ComplaintView | None = None


def find_code(text: str) -> str | None:
    """A one-time code (6 digits standing alone) in a customer's message, or None."""
    match = _CODE_IN_TEXT.search(text or "")
    return match.group() if match else None


def _hash(code: str, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", code.encode("ascii"), salt, _PBKDF2_ROUNDS)
    return f"pbkdf2_sha256${_PBKDF2_ROUNDS}${salt.hex()}${digest.hex()}"


def _matches(code: str, stored: str) -> bool:
    try:
        scheme, rounds, salt_hex, digest_hex = stored.split("$")
        salt = bytes.fromhex(salt_hex)
        expected = bytes.fromhex(digest_hex)
    except ValueError:
        return False
    if scheme != "pbkdf2_sha256":
        return False
    digest = hashlib.pbkdf2_hmac("sha256", code.encode("ascii"), salt, int(rounds))
    return hmac.compare_digest(digest, expected)


def own_complaints(
    session: Session, asker: Asker, *, reference: str | None = None, now: datetime | None = None
) -> list[ComplaintView]:
    """The complaints the asking conversation filed itself, newest first.

    Args:
        session: open database session.
        asker: the conversation.
        reference: only this complaint, in any spelling; a reference that is not the
            asker's gives the same empty answer as one that does not exist.
        now: the moment the overdue flags are worked out for; default now.
    """
    moment = moment_of(now)
    query = select(Complaint).where(
        Complaint.sender_id == (asker.sender_id or "").strip(),
        Complaint.channel == (asker.channel or "").strip()[:50],
    )
    if reference is not None:
        wanted = normalise_reference(reference)
        if wanted is None:
            return []
        query = query.where(Complaint.reference == wanted)
    rows = session.execute(query.order_by(Complaint.created_at.desc(), Complaint.id.desc()))
    levels = service_levels()
    return [make_view(complaint, moment, levels) for complaint in rows.scalars()]


def _limited(session: Session, asker: Asker, moment: datetime) -> bool:
    session.execute(
        delete(ComplaintStatusLookup).where(ComplaintStatusLookup.created_at < moment - LOOKUP_KEPT)
    )
    used = session.execute(
        select(func.count())
        .select_from(ComplaintStatusLookup)
        .where(
            ComplaintStatusLookup.sender_id == asker.sender_id,
            ComplaintStatusLookup.channel == asker.channel[:50],
            ComplaintStatusLookup.created_at > moment - LOOKUP_WINDOW,
        )
    ).scalar_one()
    return int(used) >= LOOKUP_LIMIT


def _record(session: Session, asker: Asker, kind: str, moment: datetime) -> ComplaintStatusLookup:
    row = ComplaintStatusLookup(
        sender_id=asker.sender_id,
        channel=asker.channel[:50],
        kind=kind,
        created_at=moment,
        attempts=0,
    )
    session.add(row)
    return row


def request_code(
    session: Session,
    asker: Asker,
    *,
    reference: str,
    contact: str,
    can_reach: frozenset[str],
    now: datetime | None = None,
) -> CodeRequest:
    """Ask for a one-time code proving the asker owns complaint ``reference``.

    A code is made only when the reference exists, ``contact`` is the contact the
    complaint was left with, and that kind of contact can be reached; the caller sends
    it with :class:`bot.domain.delivery.ContactMessenger` and answers the asker the same
    way whatever came back. An earlier live code of this conversation for the complaint
    stops working.

    Args:
        session: open database session.
        asker: the conversation asking (the code works only there).
        reference: the complaint reference, in any spelling.
        contact: the email address or phone number the asker says they gave.
        can_reach: the contact kinds (``email``, ``phone``) a message can be sent to.
        now: the moment of the request; default now.
    """
    moment = moment_of(now)
    if _limited(session, asker, moment):
        return CodeRequest(limited=True)
    row = _record(session, asker, REQUEST, moment)
    wanted = normalise_reference(reference)
    given = parse_contact(contact or "")
    complaint = None
    if wanted is not None and given is not None:
        complaint = session.execute(
            select(Complaint).where(Complaint.reference == wanted)
        ).scalar_one_or_none()
    if (
        complaint is None
        or given is None
        or complaint.contact is None
        or complaint.contact_kind not in can_reach
        or complaint.contact_kind != given.kind
        # Mail providers treat the local part without case; so does this check.
        or not hmac.compare_digest(
            complaint.contact.casefold().encode(), given.value.casefold().encode()
        )
    ):
        session.flush()
        return CodeRequest(limited=False)
    # One live code per complaint and conversation: the newest.
    session.execute(
        update(ComplaintStatusLookup)
        .where(
            ComplaintStatusLookup.complaint_id == complaint.id,
            ComplaintStatusLookup.sender_id == asker.sender_id,
            ComplaintStatusLookup.channel == asker.channel[:50],
            ComplaintStatusLookup.used_at.is_(None),
        )
        .values(expires_at=moment)
    )
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    row.complaint_id = complaint.id
    row.code_hash = _hash(code)
    row.expires_at = moment + CODE_TTL
    session.flush()
    return CodeRequest(
        limited=False,
        delivery=CodeDelivery(
            reference=complaint.reference,
            contact_kind=complaint.contact_kind or "",
            contact=complaint.contact,
            code=code,
        ),
    )


def verify_code(
    session: Session,
    asker: Asker,
    *,
    reference: str,
    code: str,
    now: datetime | None = None,
) -> Verification:
    """Try a one-time code for complaint ``reference`` in the conversation that asked.

    A right code (the newest live one of this conversation for the complaint, before it
    expired and within its tries) is used up and gives the complaint; anything else gives
    nothing and costs the live code one of its tries.

    Args:
        session: open database session.
        asker: the conversation trying the code.
        reference: the complaint reference, in any spelling.
        code: the digits the customer typed.
        now: the moment of the try; default now.
    """
    moment = moment_of(now)
    if _limited(session, asker, moment):
        return Verification(limited=True)
    _record(session, asker, VERIFY, moment)
    wanted = normalise_reference(reference)
    if wanted is None:
        session.flush()
        return Verification(limited=False)
    live = session.execute(
        select(ComplaintStatusLookup, Complaint)
        .join(Complaint, Complaint.id == ComplaintStatusLookup.complaint_id)
        .where(
            Complaint.reference == wanted,
            ComplaintStatusLookup.sender_id == asker.sender_id,
            ComplaintStatusLookup.channel == asker.channel[:50],
            ComplaintStatusLookup.kind == REQUEST,
            ComplaintStatusLookup.used_at.is_(None),
            ComplaintStatusLookup.expires_at > moment,
            ComplaintStatusLookup.attempts < MAX_CODE_TRIES,
        )
        .order_by(ComplaintStatusLookup.created_at.desc(), ComplaintStatusLookup.id.desc())
        .limit(1)
    ).first()
    if live is None:
        session.flush()
        return Verification(limited=False)
    lookup, complaint = live
    lookup.attempts = (lookup.attempts or 0) + 1
    if not _matches(code.strip(), lookup.code_hash or ""):
        session.flush()
        return Verification(limited=False)
    lookup.used_at = moment
    session.flush()
    return Verification(limited=False, view=make_view(complaint, moment, service_levels()))
