"""What an agent's console does to a handed-over conversation: take it over, send a
message, hand it back to the assistant, close it; and what a team lead or manager does
when its agent is away: reassign it, hand it back or close it (audited).

Each pairs a change of the queue (:mod:`bot.domain.handoff.staff`, run off the event loop
through :func:`bot.storage.db.run_in_session`) with the conversation engine, reached
through :class:`bot.domain.conversations.ConversationControl`, in the order that loses
nothing when the engine cannot be reached.
"""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.core.i18n import conversation_language
from bot.domain.conversations import ConversationControl, NotifyError, agent_message_notice
from bot.domain.events import HandoffClosed, Publish
from bot.domain.handoff.queue import get_handoff
from bot.domain.handoff.rules import OPEN, HandoffError
from bot.domain.handoff.staff import (
    Supervisor,
    check_agent,
    check_supervisor,
    claim_delivery,
    finish_handoff,
    mark_message,
    reassign_handoff,
    record_agent_message,
    take_handoff,
)
from bot.domain.handoff.views import HandoffView, MessageView
from bot.domain.handoff.wording import closing_text, hand_back_text, reassigned_text
from bot.storage.db import run_in_session
from bot.storage.models import Handoff


class EngineUnavailable(HandoffError):
    """The conversation engine could not be reached: nothing was changed, try again."""


async def _language(client: ConversationControl, sender_id: str) -> str:
    """The conversation's language, from its events in Rasa.

    Raises:
        NotifyError: the engine could not be asked.
    """
    return conversation_language(await client.tracker_events(sender_id))


async def take_over(
    engine: Engine, client: ConversationControl, handoff_id: int, *, agent: str
) -> HandoffView:
    """Take a handoff and pause the bot in that conversation.

    The pause comes first: if Rasa cannot be reached the handoff stays in the queue and
    the agent is told, rather than holding a conversation the bot keeps answering.

    Raises:
        HandoffError: the handoff cannot be taken, or Rasa could not pause it.
    """
    handoff = await run_in_session(engine, lambda s: get_handoff(s, handoff_id))
    if handoff.status == "active" and handoff.agent != agent:
        raise HandoffError(f"{handoff.agent} has already taken this conversation")
    if handoff.status not in OPEN:
        raise HandoffError("this conversation has already ended")
    try:
        await client.pause(handoff.sender_id)
    except NotifyError as exc:
        raise EngineUnavailable(f"the assistant could not be paused: {exc}") from None
    return await run_in_session(engine, lambda s: take_handoff(s, handoff_id, agent=agent))


async def send_message(
    engine: Engine,
    client: ConversationControl,
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
        HandoffError: the message cannot be stored (see
            :func:`bot.domain.handoff.staff.record_agent_message`).
    """

    def store(session: Session) -> tuple[MessageView, str]:
        message, _created = record_agent_message(
            session, handoff_id, agent=agent, client_id=client_id, text=text
        )
        return message, get_handoff(session, handoff_id).sender_id

    message, sender = await run_in_session(engine, store)
    if message.status == "sent":
        return message
    claimed = await run_in_session(
        engine, lambda s: claim_delivery(s, message.client_id, message.attempts)
    )
    if not claimed:
        return message
    notice = agent_message_notice(message.client_id)
    try:
        if message.attempts and await client.was_sent(sender, notice):
            delivered = True
        else:
            await client.send_agent_message(
                sender, message.text, agent=agent, client_id=message.client_id
            )
            delivered = True
        error = None
    except NotifyError as exc:
        delivered, error = False, str(exc)
    return await run_in_session(
        engine, lambda s: mark_message(s, message.client_id, sent=delivered, error=error)
    )


async def hand_back(
    engine: Engine,
    client: ConversationControl,
    handoff_id: int,
    *,
    agent: str,
    supervisor: Supervisor | None = None,
) -> HandoffView:
    """Give the conversation back to the assistant, which tells the customer so.

    With ``supervisor``, a team lead or manager does it for an absent agent (audited).

    Raises:
        HandoffError: the agent does not hold it, or Rasa could not resume it (the
            handoff then stays with the agent, so nothing is lost).
    """
    return await _finish(
        engine, client, handoff_id, agent=agent, outcome="handed_back", supervisor=supervisor
    )


async def close(
    engine: Engine,
    client: ConversationControl,
    handoff_id: int,
    *,
    agent: str,
    publish: Publish,
    supervisor: Supervisor | None = None,
) -> HandoffView:
    """Close the conversation with a closing message, then publish :class:`HandoffClosed`.

    With ``supervisor``, a team lead or manager closes it for an absent agent (audited).

    Raises:
        HandoffError: as for :func:`hand_back`.
    """
    view = await _finish(
        engine, client, handoff_id, agent=agent, outcome="closed", supervisor=supervisor
    )
    publish(HandoffClosed(view.id, view.sender_id, view.agent, view.team, view.context))
    return view


async def _finish(
    engine: Engine,
    client: ConversationControl,
    handoff_id: int,
    *,
    agent: str,
    outcome: str,
    supervisor: Supervisor | None = None,
) -> HandoffView:

    def check(session: Session) -> str:
        handoff = session.get(Handoff, handoff_id)
        if handoff is None:
            raise HandoffError(f"there is no handoff {handoff_id}")
        if supervisor is None:
            check_agent(handoff, agent)
        else:
            check_supervisor(handoff, supervisor)
        return str(handoff.sender_id)

    sender = await run_in_session(engine, check)
    try:
        language = await _language(client, sender)
        text = hand_back_text(language) if outcome == "handed_back" else closing_text(language)
        # Said by the assistant, not the agent, so no AGENT_KEY: the transcript shows it as
        # the bot's.
        by = supervisor.name if supervisor else agent
        await client.resume(sender, text, metadata={"handoff": outcome, "by": by})
    except NotifyError as exc:
        raise EngineUnavailable(f"the conversation could not be resumed: {exc}") from None
    return await run_in_session(
        engine,
        lambda s: finish_handoff(
            s, handoff_id, agent=agent, outcome=outcome, supervisor=supervisor
        ),
    )


async def reassign(
    engine: Engine,
    client: ConversationControl,
    handoff_id: int,
    *,
    to_agent: str,
    supervisor: Supervisor,
    notice_id: str,
) -> tuple[HandoffView, bool]:
    """Give a conversation to another agent (audited), then tell the customer.

    The change is stored first: the customer's conversation must not wait on an agent
    who is away because the engine could not be reached. The note to the customer is
    sent in the supervisor's name under ``notice_id``.

    Returns:
        The handoff, and whether the customer was told.

    Raises:
        HandoffError: see :func:`bot.domain.handoff.staff.reassign_handoff`.
    """
    view = await run_in_session(
        engine,
        lambda s: reassign_handoff(s, handoff_id, to_agent=to_agent, supervisor=supervisor),
    )
    try:
        text = reassigned_text(await _language(client, view.sender_id))
        await client.send_agent_message(
            view.sender_id, text, agent=supervisor.name, client_id=notice_id
        )
    except NotifyError:
        return view, False
    return view, True
