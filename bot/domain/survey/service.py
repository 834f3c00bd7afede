"""The satisfaction survey: settings, reading answers, who may be asked, and the offers.

The survey is offered after an agent closes a handoff, after a resolved complaint's
outcome reached the customer, and when a customer says thanks or goodbye after the bot
answered an enquiry. A customer is asked at most once per cool-down (24 hours), decided
from ``survey_responses`` so every process and replica agrees.

Proactive offers go through Rasa's HTTP API: :class:`SurveyInviter` triggers the external
intent :data:`OFFER_INTENT` in the customer's conversation with ``output_channel=latest``,
and the action server's survey action makes (and records) the offer. The inviter listens
to :class:`bot.domain.events.HandoffClosed` and :class:`bot.domain.events.ComplaintResolved`
(declared in :mod:`bot.bootstrap`).

Questions (which ones run, in which order: ``config/survey.yml``):

- ``csat``: satisfaction, 1 (very dissatisfied) to 5 (very satisfied);
- ``fcr``: "was your issue resolved?", yes or no (first-contact resolution);
- ``ces``: customer effort, 1 (very difficult) to 5 (very easy), so higher is better,
  as for the other scales;
- ``nps``: likelihood to recommend, 0 to 10;
- ``comment``: free text, optional.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
from collections.abc import Coroutine, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.core.settings import REPO_ROOT
from bot.domain.complaints.followups import SENIOR_QUEUE
from bot.domain.events import ComplaintResolved, HandoffClosed
from bot.domain.kpi.surveys import record_offer
from bot.engine.rasa_client import NotifyError, RasaNotifier
from bot.storage.db import session_scope
from bot.storage.models import StaffUser, SurveyResponse, utcnow

logger = logging.getLogger(__name__)

SURVEY_CONFIG_FILE = REPO_ROOT / "config" / "survey.yml"

#: The questions, in their default order.
QUESTIONS: tuple[str, ...] = ("csat", "fcr", "ces", "nps", "comment")
#: When the survey may be offered.
TRIGGERS: tuple[str, ...] = ("handoff_closed", "complaint_resolved", "enquiry")
#: Rasa intent that makes the assistant offer the survey (``trigger_intent``).
OFFER_INTENT = "EXTERNAL_survey_offer"
#: Entity names the offer carries into the conversation.
OFFER_ENTITIES: tuple[str, ...] = (
    "survey_trigger",
    "survey_service",
    "survey_agent",
    "survey_team",
    "survey_complaint",
)
#: Scales of the numeric questions (lowest, highest).
SCALES: dict[str, tuple[int, int]] = {"csat": (1, 5), "ces": (1, 5), "nps": (0, 10)}
#: Longest comment kept; a longer one is refused (asked again), never cut.
MAX_COMMENT_CHARS = 2000

#: The action (or response) that answers an enquiry, and the intent it answers, which is
#: the "service asked about" stored with the survey.
ENQUIRY_ANSWERS: dict[str, str] = {
    "action_track_shipment": "track_shipment",
    "action_give_quote": "ask_rates",
    "action_give_transit_time": "ask_transit_time",
    "action_define_term": "define_term",
    "utter_faq": "faq",
}
#: Team of a resolved complaint whose colleague is not a known staff member.
COMPLAINTS_TEAM = "complaints_claims"


class SurveyConfigError(ValueError):
    """The survey settings file is broken; the message names the file and the entry."""


@dataclass(frozen=True)
class SurveyConfig:
    """The contents of ``config/survey.yml``."""

    questions: tuple[str, ...]
    offer_after: frozenset[str]
    cooldown: timedelta


def load_survey_config(path: Path | None = None) -> SurveyConfig:
    """Read and validate the survey settings file.

    Args:
        path: the YAML file; default :data:`SURVEY_CONFIG_FILE`.

    Raises:
        SurveyConfigError: the file is missing or not YAML, an entry is unknown, a
            question or trigger is misspelt or repeated, or the cool-down is not a
            positive number of hours.
    """
    file = path or SURVEY_CONFIG_FILE
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise SurveyConfigError(f"{file}: cannot be read ({exc})") from None
    if not isinstance(data, dict):
        raise SurveyConfigError(f"{file}: top level should be a mapping")
    unknown = sorted(set(data) - {"questions", "offer_after", "cooldown_hours"})
    if unknown:
        raise SurveyConfigError(f"{file}: unknown entry {unknown[0]!r}")
    questions = _names(file, "questions", data.get("questions"), QUESTIONS)
    if not questions:
        raise SurveyConfigError(f"{file}: questions should list at least one question")
    offer_after = _names(file, "offer_after", data.get("offer_after", list(TRIGGERS)), TRIGGERS)
    hours = data.get("cooldown_hours", 24)
    if isinstance(hours, bool) or not isinstance(hours, (int, float)) or hours <= 0:
        raise SurveyConfigError(f"{file}: cooldown_hours should be a number of hours above 0")
    return SurveyConfig(questions, frozenset(offer_after), timedelta(hours=hours))


def _names(file: Path, entry: str, value: Any, allowed: tuple[str, ...]) -> tuple[str, ...]:
    if value is None:
        value = []
    if not isinstance(value, list):
        raise SurveyConfigError(f"{file}: {entry} should be a list of {', '.join(allowed)}")
    names: list[str] = []
    for index, item in enumerate(value):
        if item not in allowed:
            raise SurveyConfigError(
                f"{file}: {entry}[{index}]: {item!r} is not one of {', '.join(allowed)}"
            )
        if item in names:
            raise SurveyConfigError(f"{file}: {entry}[{index}]: {item!r} is listed twice")
        names.append(item)
    return tuple(names)


@functools.lru_cache(maxsize=1)
def survey_config() -> SurveyConfig:
    """The shipped settings, read and validated once per process."""
    return load_survey_config()


# -- reading answers ----------------------------------------------------------------------

_NUMBER_WORDS = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
}
# "4/5", "4 out of 5", "9 of 10": the scale's top is not a second answer.
_OUT_OF = re.compile(r"\s*(?:/|\bout of\b|\bof\b)\s*(?:5|10|five|ten)\b")
_TOKEN = re.compile(r"[-+]?\d+(?:[.,]\d+)?|[a-z]+")
_STARS = ("\u2b50", "\u2605", "\U0001f31f")
# Words for the 1-5 scales, longest phrases first.
_LABELS: dict[str, tuple[tuple[str, int], ...]] = {
    "csat": (
        ("very dissatisfied", 1),
        ("very unsatisfied", 1),
        ("very satisfied", 5),
        ("dissatisfied", 2),
        ("unsatisfied", 2),
        ("satisfied", 4),
        ("excellent", 5),
        ("terrible", 1),
        ("neutral", 3),
        ("great", 5),
        ("good", 4),
        ("okay", 3),
        ("ok", 3),
        ("poor", 2),
        ("bad", 2),
    ),
    "ces": (
        ("very difficult", 1),
        ("very hard", 1),
        ("very easy", 5),
        ("difficult", 2),
        ("neutral", 3),
        ("easy", 4),
        ("hard", 2),
        ("okay", 3),
        ("ok", 3),
    ),
}


def _normalise(text: str) -> str:
    lowered = text.lower().replace("\u2019", "'")
    return " ".join(re.sub(r"[^\w'/+\-.,\u2b50\u2605\U0001f31f ]", " ", lowered).split())


def parse_score(question: str, text: str) -> int | None:
    """The score in a typed or tapped answer, or None when there is not exactly one.

    Digits ("4", "4/5", "4 out of 5"), number words ("five"), stars and, on the 1-5
    scales, words ("very satisfied", "easy") are understood. Two different numbers
    ("3 or 4", a tracking number), decimals and numbers off the scale are not answers.

    Args:
        question: ``csat``, ``ces`` or ``nps``.
        text: what the customer wrote.
    """
    low, high = SCALES[question]
    clean = _normalise(text)
    if not clean or len(clean) > 200:
        return None
    stars = sum(clean.count(star) for star in _STARS)
    clean = _OUT_OF.sub(" ", clean)
    values: set[int] = set()
    for token in _TOKEN.findall(clean):
        if token[0].isdigit() or token[0] in "+-":
            if not token.lstrip("+-").isdigit():
                return None
            values.add(int(token))
        elif token in _NUMBER_WORDS:
            values.add(_NUMBER_WORDS[token])
    if not values and stars:
        values.add(stars)
    if not values and not re.search(r"\bnot\b|n't\b", clean):
        words = f" {clean} "
        for phrase, value in _LABELS.get(question, ()):
            if f" {phrase} " in words:
                values.add(value)
                break
    if len(values) != 1:
        return None
    value = values.pop()
    return value if low <= value <= high else None


_STRONG_YES = frozenset({"yes", "y", "yeah", "yep", "yup", "ya", "yea"})
_STRONG_NO = frozenset({"no", "n", "nope", "nah"})
_YES_WORDS = frozenset(
    {"resolved", "solved", "sorted", "fixed", "definitely", "absolutely", "sure", "correct"}
)
_NO_WORDS = frozenset({"not", "unresolved", "unsolved", "partly", "partially", "never"})


def parse_yes_no(text: str) -> bool | None:
    """Whether the answer means yes (True) or no (False); None when it says neither.

    "Not really", "partly" and "it wasn't" are no: the issue was not resolved at the
    first contact. "Yes and no" is neither.
    """
    tokens = re.findall(r"[a-z']+", text.lower().replace("\u2019", "'"))
    if not tokens or len(tokens) > 30:
        return None
    strong_yes = any(t in _STRONG_YES for t in tokens)
    strong_no = any(t in _STRONG_NO for t in tokens)
    negated = any(t in _NO_WORDS or t.endswith("n't") for t in tokens)
    if strong_yes and (strong_no or negated):
        return None
    if strong_yes:
        return True
    if strong_no or negated:
        return False
    if any(t in _YES_WORDS for t in tokens):
        return True
    return None


_SKIP = re.compile(
    r"(?:/?skip(?: (?:it|this|that|survey|the survey|all|the rest|question|questions))?"
    r"|no,? thanks?(?: you)?|no,? thank you|not now|maybe later|later|no survey"
    r"|(?:i'?d )?rather not|(?:i )?don'?t want to|(?:i )?do not want to"
    r"|stop(?: (?:it|this|the survey|survey))?|cancel|quit|exit|enough|end(?: survey)?"
    r"|bye|goodbye|good bye)"
)
_NO_COMMENT = frozenset(
    {
        "no",
        "nope",
        "nah",
        "nothing",
        "none",
        "no comment",
        "no comments",
        "nothing else",
        "n/a",
        "na",
        "that's all",
        "thats all",
        "all good",
        "no thanks",
        "no thank you",
    }
)


def is_skip(text: str) -> bool:
    """True when the customer wants out of the survey ("Skip", "no thanks", "not now")."""
    clean = " ".join(re.sub(r"[^\w' /]", " ", text.lower().replace("\u2019", "'")).split())
    return bool(_SKIP.fullmatch(clean))


@dataclass(frozen=True)
class Answer:
    """A reading of one message as the answer to one question.

    ``valid`` is False when the message is not an answer (ask again); ``value`` is the
    score, the yes/no, or the comment ('' for "no comment").
    """

    valid: bool
    value: int | bool | str | None = None
    problem: str = ""


def read_answer(question: str, text: str) -> Answer:
    """Read ``text`` as the answer to ``question``; skipping is checked separately."""
    if question in SCALES:
        score = parse_score(question, text)
        if score is None:
            low, high = SCALES[question]
            return Answer(False, problem=f"Please answer with a number from {low} to {high}")
        return Answer(True, score)
    if question == "fcr":
        resolved = parse_yes_no(text)
        if resolved is None:
            return Answer(False, problem='Please answer "yes" or "no"')
        return Answer(True, resolved)
    if question == "comment":
        comment = text.strip()
        clean = " ".join(re.sub(r"[^\w' /]", " ", comment.lower()).split())
        if not comment or clean in _NO_COMMENT:
            return Answer(True, "")
        if len(comment) > MAX_COMMENT_CHARS:
            return Answer(
                False,
                problem=f"That's {len(comment):,} characters, more than the "
                f"{MAX_COMMENT_CHARS:,} I can keep, so I haven't saved it. Could you "
                "shorten it",
            )
        return Answer(True, comment)
    raise ValueError(f"unknown survey question {question!r}")


# -- what the customer is told ----------------------------------------------------------------


def offer_text(trigger: str, questions: int, *, complaint: str = "", thanked: bool = False) -> str:
    """The invitation said before the first question.

    Args:
        trigger: one of :data:`TRIGGERS`.
        questions: how many questions will be asked.
        complaint: the resolved complaint's reference, after a resolution.
        thanked: the customer just said thanks (so the bot says "you're welcome" first).
    """
    size = "one quick question" if questions == 1 else f"{questions} quick questions"
    ask = f"could you tell us how we did? It's {size}; tap Skip at any time if you'd rather not."
    if trigger == "complaint_resolved" and complaint:
        return f"Now that {complaint} is resolved, {ask}"
    if trigger == "handoff_closed":
        return f"Before you go, {ask}"
    if thanked:
        return f"You're welcome! Before you go, {ask}"
    return f"One more thing before you go: {ask}"


def closing_text(ended: str | None, answered: bool) -> str:
    """What the bot says when the survey ends.

    Args:
        ended: why it ended early (``skipped``, ``invalid``, ``error``), None when every
            question was answered.
        answered: whether at least one answer was stored.
    """
    if ended == "skipped":
        if answered:
            return "No problem, I've kept the answers you gave. Thank you for your time!"
        return "No problem, no survey. Thank you for contacting Freight Desk!"
    if ended == "invalid":
        kept = " The answers you gave are kept." if answered else ""
        return (
            "Sorry, I still couldn't read that as an answer, so I'll stop the survey here."
            f"{kept} Thank you for your time! If you need anything else, just ask."
        )
    if ended == "error":
        kept = " The answers you gave before are kept." if answered else ""
        return (
            "Sorry, I couldn't save that answer just now, so I'll stop the survey here."
            f"{kept} Thank you for your time!"
        )
    return "Thank you for your feedback, it helps us improve. If you need anything else, just ask."


# -- who may be asked -----------------------------------------------------------------------


def recently_offered(
    session: Session, sender_id: str, cooldown: timedelta, now: datetime | None = None
) -> bool:
    """True when this customer was offered a survey within ``cooldown`` before ``now``."""
    since = (now or utcnow()) - cooldown
    found = session.scalar(
        select(SurveyResponse.id)
        .where(SurveyResponse.sender_id == sender_id, SurveyResponse.offered_at > since)
        .limit(1)
    )
    return found is not None


def open_survey(
    session: Session,
    *,
    response_id: str,
    sender_id: str,
    channel: str,
    cooldown: timedelta,
    service: str = "",
    agent: str | None = None,
    team: str | None = None,
    complaint_reference: str | None = None,
    now: datetime | None = None,
) -> SurveyResponse | None:
    """Record the offer of a survey unless the customer had one within the cool-down.

    Returns:
        The survey's row, or None when the customer may not be asked now. The same
        ``response_id`` again returns its row (a redelivered offer is one offer).
    """
    existing = session.scalar(
        select(SurveyResponse).where(SurveyResponse.response_id == response_id)
    )
    if existing is not None:
        return existing
    if recently_offered(session, sender_id, cooldown, now):
        return None
    return record_offer(
        session,
        response_id,
        sender_id,
        channel,
        service=service[:80],
        agent=agent[:80] if agent else None,
        team=team[:30] if team else None,
        complaint_reference=complaint_reference[:20] if complaint_reference else None,
        offered_at=now,
    )


def answered_enquiry(events: Iterable[Mapping[str, Any]]) -> str | None:
    """The intent of the last enquiry the bot answered in this session, if any.

    Args:
        events: the conversation's tracker events, oldest first.
    """
    service: str | None = None
    for event in events:
        kind = event.get("event")
        if kind == "session_started":
            service = None
        elif kind == "action" and event.get("name") in ENQUIRY_ANSWERS:
            service = ENQUIRY_ANSWERS[str(event.get("name"))]
    return service


# -- proactive offers -------------------------------------------------------------------------


class SurveyInviter:
    """Asks Rasa to offer the survey in a customer's conversation.

    The assistant's survey action decides for good (cool-down, and it records the offer);
    this first checks the database and the conversation so that a customer who may not
    be asked, is talking to an agent, or is in the middle of a form, is not disturbed.

    Args:
        engine: the project's database.
        rasa: client of Rasa's HTTP API (token and timeout included).
        config: survey settings; default the shipped ones.
    """

    def __init__(
        self, engine: Engine, rasa: RasaNotifier, config: SurveyConfig | None = None
    ) -> None:
        self.engine = engine
        self.rasa = rasa
        self.config = config or survey_config()
        self._tasks: set[asyncio.Task[bool]] = set()

    async def invite(
        self,
        sender_id: str,
        trigger: str,
        *,
        service: str = "",
        agent: str | None = None,
        team: str | None = None,
        complaint: str | None = None,
    ) -> bool:
        """Ask Rasa to offer the survey; True when the request was made.

        Never raises: a survey that cannot be offered is logged and left.
        """
        if trigger not in self.config.offer_after:
            return False
        try:
            if await asyncio.to_thread(self._recently_offered, sender_id):
                logger.info("No survey for %s: offered within the cool-down", sender_id)
                return False
            state = await self.rasa.conversation_state(sender_id)
            if state.get("paused") or (state.get("active_loop") or {}).get("name"):
                logger.info("No survey for %s: talking to an agent or in a form", sender_id)
                return False
            entities = {
                "survey_trigger": trigger,
                "survey_service": service,
                "survey_agent": agent or "",
                "survey_team": team or "",
                "survey_complaint": complaint or "",
            }
            await self.rasa.trigger_intent(sender_id, OFFER_INTENT, entities)
        except NotifyError as exc:
            logger.warning("Could not offer the survey to %s: %s", sender_id, exc)
            return False
        except Exception:
            logger.exception("Offering the survey to %s failed", sender_id)
            return False
        return True

    def _recently_offered(self, sender_id: str) -> bool:
        with session_scope(self.engine) as session:
            return recently_offered(session, sender_id, self.config.cooldown)

    def _team_of(self, agent: str | None) -> str | None:
        if not agent:
            return None
        with session_scope(self.engine) as session:
            return session.scalar(select(StaffUser.team).where(StaffUser.name == agent))

    def on_handoff_closed(self, event: HandoffClosed) -> None:
        """Offer the survey after an agent closed a chat (returns at once)."""
        self._dispatch(
            self.invite(
                event.sender_id,
                "handoff_closed",
                service=str(event.context.get("intent") or "request_human"),
                agent=event.agent,
                team=event.team,
            )
        )

    def on_complaint_resolved(self, event: ComplaintResolved) -> None:
        """Offer the survey after a complaint's outcome was delivered (returns at once)."""
        self._dispatch(self._invite_after_complaint(event))

    async def _invite_after_complaint(self, event: ComplaintResolved) -> bool:
        agent = event.assigned_to
        try:
            team = await asyncio.to_thread(self._team_of, agent)
        except Exception:
            logger.exception("Could not look up the team of %s", agent)
            team = None
        if team is None:
            # Someone who is not a console user, or the senior queue: the complaints team.
            agent, team = (None if agent == SENIOR_QUEUE else agent), COMPLAINTS_TEAM
        return await self.invite(
            event.sender_id,
            "complaint_resolved",
            service="complain",
            agent=agent,
            team=team,
            complaint=event.reference,
        )

    def _dispatch(self, invitation: Coroutine[Any, Any, bool]) -> None:
        """Run the invitation without holding up the caller's event loop, if it has one."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            asyncio.run(invitation)  # a worker thread or the CLI: just wait for it
            return
        task = loop.create_task(invitation)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def wait(self) -> None:
        """Wait for invitations still running in this event loop (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
