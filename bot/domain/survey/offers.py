"""Who may be offered the survey, recording an offer, and the proactive offers.

Proactive offers go through the conversation engine: :class:`SurveyInviter` triggers
the external intent :data:`OFFER_INTENT` in the customer's conversation (through
:class:`bot.domain.conversations.IntentTrigger`), and the action server's survey action
makes (and records) the offer. The inviter follows
:class:`bot.domain.events.HandoffClosed` and :class:`bot.domain.events.ComplaintResolved`
(declared in :mod:`bot.bootstrap`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.domain.complaints.followups import SENIOR_QUEUE
from bot.domain.conversations import IntentTrigger, NotifyError
from bot.domain.events import ComplaintResolved, HandoffClosed
from bot.domain.kpi.surveys import record_offer
from bot.domain.survey.config import SurveyConfig, survey_config
from bot.storage.db import run_in_session
from bot.storage.models import StaffUser, SurveyResponse, utcnow

logger = logging.getLogger(__name__)

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


def _staff_team(session: Session, agent: str) -> str | None:
    team: str | None = session.scalar(select(StaffUser.team).where(StaffUser.name == agent))
    return team


class SurveyInviter:
    """Asks the conversation engine to offer the survey in a customer's conversation.

    The assistant's survey action decides for good (cool-down, and it records the offer);
    this first checks the database and the conversation so that a customer who may not
    be asked, is talking to an agent, or is in the middle of a form, is not disturbed.

    Args:
        engine: the project's database.
        rasa: the conversation engine (``bot.engine.rasa_client.RasaClient``).
        config: survey settings; default the shipped file as it is when this is built.
    """

    def __init__(
        self, engine: Engine, rasa: IntentTrigger, config: SurveyConfig | None = None
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
        """Ask the engine to offer the survey; True when the request was made.

        Never raises: a survey that cannot be offered is logged and left.
        """
        if trigger not in self.config.offer_after:
            return False
        try:
            cooldown = self.config.cooldown
            if await run_in_session(
                self.engine, lambda s: recently_offered(s, sender_id, cooldown)
            ):
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
            team = await self._team_of(agent)
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

    async def _team_of(self, agent: str | None) -> str | None:
        if not agent:
            return None
        return await run_in_session(self.engine, lambda s: _staff_team(s, agent))

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
