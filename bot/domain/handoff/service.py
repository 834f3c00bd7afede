"""Human handoff: the queue of conversations handed to people, and the Rasa operations
an agent's console performs on them.

The Rasa actions call :func:`request_handoff` and :func:`format_handoff_notice`; the
console calls the staff functions (:func:`list_queue`, :func:`take_handoff`, ...) and the
async operations at the end, which talk to Rasa's HTTP API through
:class:`RasaConversations`. The KPI timestamps (queue wait, first human response,
handling time, per agent) are written on the handoff row when each thing happens.

Every agent message is stored before it is sent, under an id the console generates, so a
retried request neither stores nor sends it twice, and a failed delivery stays visible
to the agent (``failed``) until a retry gets it through.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any, TypeVar

import yaml
from sqlalchemy import case, func, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.core.settings import REPO_ROOT
from bot.domain.business_hours import BusinessCalendar, format_promise
from bot.domain.events import HandoffClosed, Publish
from bot.domain.teams import GENERAL_TEAM, check_team, team_label
from bot.engine.rasa_client import NOTICE_KEY, NotifyError, RasaNotifier
from bot.storage.db import session_scope
from bot.storage.models import UTC, Handoff, HandoffMessage, StaffUser, utcnow

logger = logging.getLogger(__name__)

#: Why a conversation was handed over.
REASONS: tuple[str, ...] = (
    "customer_asked",
    "repeated_fallback",
    "high_severity_complaint",
    "keyword",
)

#: The handoff settings file agents may edit (keywords, canned replies, wait estimate).
HANDOFF_CONFIG_FILE = REPO_ROOT / "config" / "handoff.yml"

#: Longest agent message; a longer one is refused rather than cut.
MAX_MESSAGE_CHARS = 2000

#: Metadata key of a bot event that carries the agent's name.
AGENT_KEY = "agent"

HAND_BACK_TEXT = (
    "You're back with the virtual assistant. I can help with tracking, quotes and "
    "questions about our services; just ask, or ask for a person at any time."
)
CLOSING_TEXT = (
    "Thank you for contacting Freight Desk. Our colleague has closed this conversation; "
    "if you need anything else, simply write here and the virtual assistant will help."
)

_OPEN = ("waiting", "active")


class HandoffError(ValueError):
    """A handoff operation cannot be done; the message can be shown to staff as it is."""


class HandoffConfigError(ValueError):
    """The handoff settings file is broken; the message names the file and the entry."""


# -- settings file ----------------------------------------------------------------------


@dataclass(frozen=True)
class CannedReply:
    """A service-standard phrase offered in the console."""

    label: str
    text: str


@dataclass(frozen=True)
class HandoffConfig:
    """The contents of ``config/handoff.yml``."""

    keywords: tuple[str, ...]
    minutes_per_conversation: float
    canned_replies: tuple[CannedReply, ...]


def load_handoff_config(path: Path | None = None) -> HandoffConfig:
    """Read and validate the handoff settings file.

    Args:
        path: the YAML file; default :data:`HANDOFF_CONFIG_FILE`.

    Raises:
        HandoffConfigError: the file is missing, not YAML, or an entry is wrong.
    """
    file = path or HANDOFF_CONFIG_FILE
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise HandoffConfigError(f"{file}: cannot be read ({exc})") from None
    if not isinstance(data, dict):
        raise HandoffConfigError(f"{file}: top level should be a mapping")
    keywords = data.get("keywords") or []
    if not isinstance(keywords, list) or not all(
        isinstance(k, str) and k.strip() for k in keywords
    ):
        raise HandoffConfigError(f"{file}: keywords should be a list of words or phrases")
    minutes = data.get("minutes_per_conversation", 6)
    if isinstance(minutes, bool) or not isinstance(minutes, (int, float)) or minutes <= 0:
        raise HandoffConfigError(f"{file}: minutes_per_conversation should be above 0")
    replies: list[CannedReply] = []
    for index, item in enumerate(data.get("canned_replies") or []):
        if not (
            isinstance(item, dict)
            and isinstance(item.get("label"), str)
            and isinstance(item.get("text"), str)
            and item["text"].strip()
        ):
            raise HandoffConfigError(f"{file}: canned_replies[{index}] needs a label and a text")
        replies.append(CannedReply(item["label"].strip(), item["text"].strip()))
    return HandoffConfig(
        keywords=tuple(k.strip().lower() for k in keywords),
        minutes_per_conversation=float(minutes),
        canned_replies=tuple(replies),
    )


_config_cache: dict[Path, tuple[float, HandoffConfig]] = {}
_config_lock = threading.Lock()


def handoff_config(path: Path | None = None) -> HandoffConfig:
    """The handoff settings, read again whenever the file has changed.

    Agents edit the keyword list while the assistant runs; checking the file's modification
    time costs one ``stat`` and spares them a restart.
    """
    file = path or HANDOFF_CONFIG_FILE
    try:
        mtime = file.stat().st_mtime
    except OSError as exc:
        raise HandoffConfigError(f"{file}: cannot be read ({exc})") from None
    with _config_lock:
        cached = _config_cache.get(file)
        if cached is not None and cached[0] == mtime:
            return cached[1]
    config = load_handoff_config(file)
    with _config_lock:
        _config_cache[file] = (mtime, config)
    return config


def keyword_triggers(path: Path | None = None) -> tuple[str, ...]:
    """The words and phrases that hand a conversation to a person (lower case)."""
    return handoff_config(path).keywords


def matches_keyword(text: str, path: Path | None = None) -> str | None:
    """Find a handoff keyword in a customer's message.

    Whole words only, in any capitalisation, so "police" matches "Police!" but "sue" does
    not match "issue".

    Args:
        text: the customer's message.
        path: settings file; default :data:`HANDOFF_CONFIG_FILE`.

    Returns:
        The keyword found first in the list, or None.
    """
    lowered = (text or "").lower()
    for keyword in keyword_triggers(path):
        words = r"\s+".join(re.escape(word) for word in keyword.split())
        if re.search(rf"(?<!\w){words}(?!\w)", lowered):
            return keyword
    return None


# -- the queue --------------------------------------------------------------------------


@dataclass(frozen=True)
class HandoffTicket:
    """What the customer is told after asking for a person.

    Attributes:
        id: the handoff's id.
        team: the team whose queue it is in.
        position: place in that queue (1 = next); 0 once an agent has taken it.
        expected_wait_minutes: estimated minutes of staffed time before an agent joins.
        staffed_now: whether the service team is working right now.
        next_staffed_at: when the team next starts work (UTC), if not staffed now.
        created: False when an open handoff already existed and was returned.
    """

    id: int
    team: str
    position: int
    expected_wait_minutes: int
    staffed_now: bool
    next_staffed_at: datetime | None
    created: bool


def _moment(now: datetime | None) -> datetime:
    if now is None:
        return utcnow()
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"naive datetime {now!r}: give it a time zone")
    return now.astimezone(UTC)


def _calendar() -> BusinessCalendar:
    # The same opening hours the complaint promises use, so customers hear one story.
    from bot.domain.business_hours import service_levels

    return service_levels().calendar


def _position(session: Session, handoff: Handoff) -> int:
    if handoff.status != "waiting":
        return 0
    ahead = session.execute(
        select(func.count(Handoff.id)).where(
            Handoff.status == "waiting",
            Handoff.team == handoff.team,
            (Handoff.created_at < handoff.created_at)
            | ((Handoff.created_at == handoff.created_at) & (Handoff.id < handoff.id)),
        )
    ).scalar_one()
    return int(ahead) + 1


def _agents_on(session: Session, team: str) -> int:
    count = session.execute(
        select(func.count(StaffUser.id)).where(StaffUser.team == team, StaffUser.active.is_(True))
    ).scalar_one()
    return int(count)


def _ticket(session: Session, handoff: Handoff, moment: datetime, created: bool) -> HandoffTicket:
    position = _position(session, handoff)
    # Each agent on the team works through the queue in parallel; with nobody on the team
    # the general desk picks it up, so count at least one.
    agents = max(1, _agents_on(session, handoff.team))
    per_conversation = handoff_config().minutes_per_conversation
    wait = math.ceil(position * per_conversation / agents) if position else 0
    calendar = _calendar()
    staffed = calendar.is_open(moment)
    return HandoffTicket(
        id=handoff.id,
        team=handoff.team,
        position=position,
        expected_wait_minutes=wait,
        staffed_now=staffed,
        next_staffed_at=None if staffed else calendar.next_opening(moment),
        created=created,
    )


def _open_handoff(session: Session, sender_id: str) -> Handoff | None:
    found: Handoff | None = session.execute(
        select(Handoff).where(Handoff.open_sender == sender_id)
    ).scalar_one_or_none()
    return found


def request_handoff(
    session: Session,
    *,
    sender_id: str,
    channel: str,
    reason: str,
    team: str,
    summary: str,
    context: Mapping[str, Any],
    now: datetime | None = None,
) -> HandoffTicket:
    """Put a conversation in a team's queue for a person, once.

    While the customer already has a waiting or active handoff, that one is returned
    (``created`` False) and nothing is written: asking twice keeps their place. The
    database's unique ``open_sender`` makes this hold for two requests at once as well.

    Args:
        session: open session; the caller commits.
        sender_id: the Rasa conversation id.
        channel: the customer's channel (``rest``, ``telegram``, ...).
        reason: one of :data:`REASONS`.
        team: one of ``bot.domain.teams.TEAMS`` (see ``bot.domain.teams.route_team``).
        summary: what the bot tells the agent: what the customer wanted, slots, last
            messages.
        context: structured details for the console (slots, shipment number, ...);
            must be JSON-serialisable.
        now: the moment of the request; default now.

    Returns:
        The ticket to tell the customer about.

    Raises:
        HandoffError: unknown reason or team, or an empty sender id.
    """
    moment = _moment(now)
    sender = (sender_id or "").strip()
    if not sender:
        raise HandoffError("a handoff needs the conversation's sender id")
    if reason not in REASONS:
        raise HandoffError(f"unknown handoff reason {reason!r}: use one of {', '.join(REASONS)}")
    try:
        team_code = check_team(team)
    except ValueError as exc:
        raise HandoffError(str(exc)) from None
    existing = _open_handoff(session, sender)
    if existing is not None:
        return _ticket(session, existing, moment, created=False)
    handoff = Handoff(
        sender_id=sender,
        open_sender=sender,
        channel=(channel or "")[:50],
        reason=reason,
        team=team_code,
        summary=summary or "",
        context=json.dumps(dict(context), default=str, ensure_ascii=False),
        status="waiting",
        created_at=moment,
    )
    try:
        with session.begin_nested():
            session.add(handoff)
    except IntegrityError:
        # Another action run opened one between our read and our write: use theirs.
        existing = _open_handoff(session, sender)
        if existing is None:
            raise
        return _ticket(session, existing, moment, created=False)
    return _ticket(session, handoff, moment, created=True)


def _minutes(minutes: int) -> str:
    if minutes <= 1:
        return "about a minute"
    if minutes < 60:
        return f"about {minutes} minutes"
    hours = round(minutes / 60)
    return "about an hour" if hours == 1 else f"about {hours} hours"


def format_handoff_notice(ticket: HandoffTicket, tz: tzinfo) -> str:
    """Tell the customer that a person will join, where they are and what happens next.

    Args:
        ticket: from :func:`request_handoff`.
        tz: the service centre's time zone, for the time someone will reply.
    """
    team = team_label(ticket.team)
    if not ticket.created and ticket.position == 0:
        return (
            "A colleague from our team is already looking after this conversation and will "
            "reply here shortly."
        )
    if not ticket.staffed_now and ticket.next_staffed_at is not None:
        return (
            f"Our {team} team is not working just now, so I've put your request in their "
            f"queue (you are number {ticket.position}). A colleague will reply in this chat "
            f"from {format_promise(ticket.next_staffed_at, tz)}; there's no need to ask again."
        )
    opening = (
        "You're still in the queue for a colleague"
        if not ticket.created
        else f"I'm passing you to a colleague in our {team} team"
    )
    return (
        f"{opening}. You are number {ticket.position} in the queue and the expected wait is "
        f"{_minutes(ticket.expected_wait_minutes)}. Please stay in this chat: they will "
        "join you here."
    )


# -- staff side: views ------------------------------------------------------------------


@dataclass(frozen=True)
class MessageView:
    """An agent's message and its delivery state."""

    client_id: str
    agent: str
    text: str
    status: str
    attempts: int
    error: str | None
    created_at: datetime
    sent_at: datetime | None


@dataclass(frozen=True)
class HandoffView:
    """A handoff as the console shows it; no ORM object escapes the session."""

    id: int
    sender_id: str
    channel: str
    reason: str
    team: str
    summary: str
    context: dict[str, Any]
    status: str
    agent: str | None
    created_at: datetime
    taken_at: datetime | None
    first_agent_reply_at: datetime | None
    handed_back_at: datetime | None
    closed_at: datetime | None
    messages: tuple[MessageView, ...] = ()

    def waiting_minutes(self, now: datetime | None = None) -> int:
        """Whole minutes the customer has waited (until taken, or until ``now``)."""
        end = self.taken_at or _moment(now)
        return max(0, int((end - self.created_at).total_seconds() // 60))

    @property
    def team_label(self) -> str:
        """The team's name for people."""
        return team_label(self.team)


def _message_view(message: HandoffMessage) -> MessageView:
    return MessageView(
        client_id=message.client_id,
        agent=message.agent,
        text=message.text,
        status=message.status,
        attempts=message.attempts,
        error=message.error,
        created_at=message.created_at,
        sent_at=message.sent_at,
    )


def _view(handoff: Handoff, with_messages: bool = False) -> HandoffView:
    try:
        context = json.loads(handoff.context or "{}")
    except ValueError:
        context = {}
    return HandoffView(
        id=handoff.id,
        sender_id=handoff.sender_id,
        channel=handoff.channel,
        reason=handoff.reason,
        team=handoff.team,
        summary=handoff.summary,
        context=context if isinstance(context, dict) else {},
        status=handoff.status,
        agent=handoff.agent,
        created_at=handoff.created_at,
        taken_at=handoff.taken_at,
        first_agent_reply_at=handoff.first_agent_reply_at,
        handed_back_at=handoff.handed_back_at,
        closed_at=handoff.closed_at,
        messages=tuple(_message_view(m) for m in handoff.messages) if with_messages else (),
    )


def list_queue(session: Session, *, team: str | None = None) -> list[HandoffView]:
    """Waiting handoffs, the ones for ``team`` first, then the general queue, then the rest.

    Args:
        session: open session.
        team: the viewing agent's team; None lists every team's in order of arrival.
    """
    rank = case(
        (Handoff.team == (team or ""), 0),
        (Handoff.team == GENERAL_TEAM, 1),
        else_=2,
    )
    query = select(Handoff).where(Handoff.status == "waiting")
    query = (
        query.order_by(rank, Handoff.created_at, Handoff.id)
        if team
        else query.order_by(Handoff.created_at, Handoff.id)
    )
    return [_view(h) for h in session.execute(query).scalars()]


def agent_conversations(session: Session, agent: str) -> list[HandoffView]:
    """The handoffs ``agent`` has taken and not yet handed back or closed."""
    query = (
        select(Handoff)
        .where(Handoff.status == "active", Handoff.agent == agent)
        .order_by(Handoff.taken_at, Handoff.id)
    )
    return [_view(h) for h in session.execute(query).scalars()]


def get_handoff(session: Session, handoff_id: int) -> HandoffView:
    """One handoff with the agents' messages.

    Raises:
        HandoffError: there is no such handoff.
    """
    handoff = session.get(Handoff, handoff_id)
    if handoff is None:
        raise HandoffError(f"there is no handoff {handoff_id}")
    return _view(handoff, with_messages=True)


def _locked(session: Session, handoff_id: int) -> Handoff:
    handoff = session.execute(
        select(Handoff).where(Handoff.id == handoff_id).with_for_update()
    ).scalar_one_or_none()
    if handoff is None:
        raise HandoffError(f"there is no handoff {handoff_id}")
    return handoff


# -- staff side: changes ----------------------------------------------------------------


def take_handoff(
    session: Session, handoff_id: int, *, agent: str, now: datetime | None = None
) -> HandoffView:
    """Give a waiting handoff to ``agent`` (taking it again is harmless).

    Raises:
        HandoffError: no such handoff, another agent has it, or it has ended.
    """
    moment = _moment(now)
    handoff = _locked(session, handoff_id)
    if handoff.status == "active" and handoff.agent == agent:
        return _view(handoff, with_messages=True)
    if handoff.status == "active":
        raise HandoffError(f"{handoff.agent} has already taken this conversation")
    if handoff.status != "waiting":
        raise HandoffError("this conversation has already ended")
    handoff.status = "active"
    handoff.agent = agent
    handoff.taken_at = moment
    session.flush()
    return _view(handoff, with_messages=True)


def _check_agent(handoff: Handoff, agent: str) -> None:
    if handoff.status != "active":
        raise HandoffError("this conversation is not with an agent")
    if handoff.agent != agent:
        raise HandoffError(f"this conversation is with {handoff.agent}")


def record_agent_message(
    session: Session,
    handoff_id: int,
    *,
    agent: str,
    client_id: str,
    text: str,
    now: datetime | None = None,
) -> tuple[MessageView, bool]:
    """Store an agent's message before it is sent, exactly once per ``client_id``.

    Args:
        session: open session; the caller commits.
        handoff_id: the conversation's handoff.
        agent: who wrote it (must hold the handoff).
        client_id: id the console generated for this message; a retry sends the same.
        text: the message.
        now: when it was written; default now.

    Returns:
        The message and whether it was stored now (False: it was already there).

    Raises:
        HandoffError: empty or too long text, a bad id, or the agent does not hold the
            conversation; also when the id belongs to another conversation.
    """
    moment = _moment(now)
    key = (client_id or "").strip()
    if not re.fullmatch(r"[A-Za-z0-9_-]{8,64}", key):
        raise HandoffError("the message id is missing or malformed")
    existing = session.execute(
        select(HandoffMessage).where(HandoffMessage.client_id == key)
    ).scalar_one_or_none()
    if existing is not None:
        if existing.handoff_id != handoff_id:
            raise HandoffError("the message id belongs to another conversation")
        return _message_view(existing), False
    body = (text or "").strip()
    if not body:
        raise HandoffError("the message is empty")
    if len(body) > MAX_MESSAGE_CHARS:
        raise HandoffError(f"the message is longer than {MAX_MESSAGE_CHARS} characters")
    _check_agent(_locked(session, handoff_id), agent)
    message = HandoffMessage(
        handoff_id=handoff_id,
        client_id=key,
        agent=agent,
        text=body,
        status="pending",
        attempts=0,
        created_at=moment,
    )
    try:
        with session.begin_nested():
            session.add(message)
    except IntegrityError:
        again = session.execute(
            select(HandoffMessage).where(HandoffMessage.client_id == key)
        ).scalar_one()
        return _message_view(again), False
    return _message_view(message), True


def claim_delivery(session: Session, client_id: str, seen_attempts: int) -> bool:
    """Claim the next delivery attempt of a message; only one concurrent caller wins.

    The claim raises ``attempts`` from the value the caller read, so two retries of the
    same message cannot both send it.
    """
    result = session.execute(
        update(HandoffMessage)
        .where(
            HandoffMessage.client_id == client_id,
            HandoffMessage.status != "sent",
            HandoffMessage.attempts == seen_attempts,
        )
        .values(attempts=seen_attempts + 1)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)


def mark_message(
    session: Session,
    client_id: str,
    *,
    sent: bool,
    error: str | None = None,
    now: datetime | None = None,
) -> MessageView:
    """Record how a delivery attempt ended; the first sent message sets the first response.

    Raises:
        HandoffError: there is no message with that id.
    """
    moment = _moment(now)
    message = session.execute(
        select(HandoffMessage).where(HandoffMessage.client_id == client_id).with_for_update()
    ).scalar_one_or_none()
    if message is None:
        raise HandoffError("there is no such message")
    if sent:
        message.status, message.sent_at, message.error = "sent", moment, None
        handoff = _locked(session, message.handoff_id)
        if handoff.first_agent_reply_at is None:
            handoff.first_agent_reply_at = moment
    elif message.status != "sent":
        message.status, message.error = "failed", (error or "not delivered")[:300]
    session.flush()
    return _message_view(message)


def finish_handoff(
    session: Session,
    handoff_id: int,
    *,
    agent: str,
    outcome: str,
    now: datetime | None = None,
) -> HandoffView:
    """End an agent's handoff: ``handed_back`` to the bot or ``closed``.

    Raises:
        HandoffError: unknown outcome, or the agent does not hold the conversation.
    """
    if outcome not in ("handed_back", "closed"):
        raise HandoffError(f"unknown outcome {outcome!r}")
    moment = _moment(now)
    handoff = _locked(session, handoff_id)
    _check_agent(handoff, agent)
    handoff.status = outcome
    handoff.open_sender = None
    if outcome == "handed_back":
        handoff.handed_back_at = moment
    else:
        handoff.closed_at = moment
    session.flush()
    return _view(handoff, with_messages=True)


# -- Rasa ---------------------------------------------------------------------------------


class RasaConversations(RasaNotifier):
    """The Rasa HTTP API operations of a handoff: pause, agent replies, resume, transcript.

    Built like :class:`bot.engine.rasa_client.RasaNotifier` (same base URL, token and
    timeout), whose request handling it reuses.
    """

    async def append(
        self, sender_id: str, events: Sequence[Mapping[str, Any]], *, side_effects: bool
    ) -> None:
        """Append ``events`` in one request; with side effects bot events are delivered.

        Raises:
            NotifyError: Rasa could not be reached or did not answer 200.
        """
        extra = {"output_channel": "latest", "execute_side_effects": "true"} if side_effects else {}
        await self._request(
            "POST",
            self._url(sender_id, "tracker/events"),
            self._params(**extra),
            [dict(event) for event in events],
        )

    async def pause(self, sender_id: str) -> None:
        """Pause the conversation: Rasa logs the customer's messages but does not answer."""
        await self.append(sender_id, [{"event": "pause"}], side_effects=False)

    async def resume(self, sender_id: str, text: str, *, metadata: Mapping[str, Any]) -> None:
        """Resume the conversation and tell the customer, in one request.

        ``action_listen`` goes with ``resume``: without it a conversation in which an
        action ran during the pause stays silent after resuming.
        """
        await self.append(
            sender_id,
            [
                {"event": "resume"},
                {"event": "action", "name": "action_listen"},
                {"event": "bot", "text": text, "metadata": dict(metadata)},
            ],
            side_effects=True,
        )

    async def send_agent_message(
        self, sender_id: str, text: str, *, agent: str, client_id: str
    ) -> None:
        """Deliver an agent's message on the customer's channel, tagged with the agent."""
        await self.send(
            sender_id,
            text,
            metadata={AGENT_KEY: agent, NOTICE_KEY: _notice_id(client_id)},
        )

    async def tracker_events(self, sender_id: str) -> list[dict[str, Any]]:
        """The conversation's events, oldest first."""
        tracker = await self._request(
            "GET", self._url(sender_id, "tracker"), self._params(include_events="ALL"), None
        )
        events = tracker.get("events") if isinstance(tracker, dict) else None
        return [e for e in events or [] if isinstance(e, dict)]


def _notice_id(client_id: str) -> str:
    return f"handoff-message:{client_id}"


@dataclass(frozen=True)
class TranscriptLine:
    """One line of the transcript shown to the agent."""

    who: str
    text: str
    at: datetime | None
    agent: str | None = None


def transcript(events: Sequence[Mapping[str, Any]]) -> list[TranscriptLine]:
    """The customer's and the bot's messages from a tracker's events, oldest first.

    Args:
        events: Rasa tracker events.

    Returns:
        Lines with ``who`` ``customer``, ``bot`` or ``agent`` (a bot event carrying the
        agent's name), and ``paused``/``resumed`` markers.
    """
    lines: list[TranscriptLine] = []
    for event in events:
        kind = event.get("event")
        stamp = event.get("timestamp")
        at = datetime.fromtimestamp(stamp, UTC) if isinstance(stamp, (int, float)) else None
        if kind == "user":
            metadata = event.get("metadata") if isinstance(event.get("metadata"), dict) else {}
            if (metadata or {}).get("is_external"):
                continue  # an intent triggered through the API (the survey), not typed
            lines.append(TranscriptLine("customer", str(event.get("text") or ""), at))
        elif kind == "bot":
            metadata = event.get("metadata") if isinstance(event.get("metadata"), dict) else {}
            agent = (metadata or {}).get(AGENT_KEY)
            text = str(event.get("text") or "")
            if not text:
                continue
            who = "agent" if agent else "bot"
            lines.append(TranscriptLine(who, text, at, str(agent) if agent else None))
        elif kind in ("pause", "resume"):
            lines.append(TranscriptLine("system", "paused" if kind == "pause" else "resumed", at))
    return lines


# -- operations the console performs ----------------------------------------------------

_T = TypeVar("_T")


async def _db(engine: Engine, work: Callable[[Session], _T]) -> _T:
    """Run ``work`` in one session in a worker thread, keeping the event loop free."""

    def run() -> _T:
        with session_scope(engine) as session:
            return work(session)

    return await asyncio.to_thread(run)


async def take_over(
    engine: Engine, client: RasaConversations, handoff_id: int, *, agent: str
) -> HandoffView:
    """Take a handoff and pause the bot in that conversation.

    The pause comes first: if Rasa cannot be reached the handoff stays in the queue and
    the agent is told, rather than holding a conversation the bot keeps answering.

    Raises:
        HandoffError: the handoff cannot be taken, or Rasa could not pause it.
    """
    handoff = await _db(engine, lambda s: get_handoff(s, handoff_id))
    if handoff.status == "active" and handoff.agent != agent:
        raise HandoffError(f"{handoff.agent} has already taken this conversation")
    if handoff.status not in _OPEN:
        raise HandoffError("this conversation has already ended")
    try:
        await client.pause(handoff.sender_id)
    except NotifyError as exc:
        raise HandoffError(f"the assistant could not be paused: {exc}") from None
    return await _db(engine, lambda s: take_handoff(s, handoff_id, agent=agent))


async def send_message(
    engine: Engine,
    client: RasaConversations,
    handoff_id: int,
    *,
    agent: str,
    client_id: str,
    text: str,
) -> MessageView:
    """Store an agent's message once and deliver it; a retry resends only an unsent one.

    Before a retry the conversation is checked for the message, so an attempt that got
    through but whose answer was lost is not sent twice.

    Returns:
        The message with status ``sent``, ``failed`` (with the reason), or ``pending``
        while another request is delivering it.

    Raises:
        HandoffError: the message cannot be stored (see :func:`record_agent_message`).
    """

    def store(session: Session) -> tuple[MessageView, str]:
        message, _created = record_agent_message(
            session, handoff_id, agent=agent, client_id=client_id, text=text
        )
        return message, get_handoff(session, handoff_id).sender_id

    message, sender = await _db(engine, store)
    if message.status == "sent":
        return message
    claimed = await _db(engine, lambda s: claim_delivery(s, message.client_id, message.attempts))
    if not claimed:
        return message
    try:
        if message.attempts and await client.was_sent(sender, _notice_id(message.client_id)):
            delivered = True
        else:
            await client.send_agent_message(
                sender, message.text, agent=agent, client_id=message.client_id
            )
            delivered = True
        error = None
    except NotifyError as exc:
        delivered, error = False, str(exc)
    return await _db(
        engine, lambda s: mark_message(s, message.client_id, sent=delivered, error=error)
    )


async def hand_back(
    engine: Engine, client: RasaConversations, handoff_id: int, *, agent: str
) -> HandoffView:
    """Give the conversation back to the assistant, which tells the customer so.

    Raises:
        HandoffError: the agent does not hold it, or Rasa could not resume it (the
            handoff then stays with the agent, so nothing is lost).
    """
    return await _finish(engine, client, handoff_id, agent=agent, outcome="handed_back")


async def close(
    engine: Engine,
    client: RasaConversations,
    handoff_id: int,
    *,
    agent: str,
    publish: Publish,
) -> HandoffView:
    """Close the conversation with a closing message, then publish :class:`HandoffClosed`.

    Raises:
        HandoffError: as for :func:`hand_back`.
    """
    view = await _finish(engine, client, handoff_id, agent=agent, outcome="closed")
    publish(HandoffClosed(view.id, view.sender_id, view.agent, view.team, view.context))
    return view


async def _finish(
    engine: Engine, client: RasaConversations, handoff_id: int, *, agent: str, outcome: str
) -> HandoffView:

    def check(session: Session) -> str:
        handoff = session.get(Handoff, handoff_id)
        if handoff is None:
            raise HandoffError(f"there is no handoff {handoff_id}")
        _check_agent(handoff, agent)
        return str(handoff.sender_id)

    sender = await _db(engine, check)
    text = HAND_BACK_TEXT if outcome == "handed_back" else CLOSING_TEXT
    try:
        # Said by the assistant, not the agent, so no AGENT_KEY: the transcript shows it as
        # the bot's.
        await client.resume(sender, text, metadata={"handoff": outcome, "by": agent})
    except NotifyError as exc:
        raise HandoffError(f"the conversation could not be resumed: {exc}") from None
    return await _db(engine, lambda s: finish_handoff(s, handoff_id, agent=agent, outcome=outcome))
