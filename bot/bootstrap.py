"""The one place that says what follows what, and wires it for a process.

:data:`LISTENERS` is the static table of domain events and the listeners that act on
them. :func:`bootstrap` builds the message bus a process passes to domain functions as
their ``publish``: the console (closing a handoff, resolving a complaint), the complaints
follow-up worker and ``complaints resolve`` all get the same listeners, because there is
nothing to install and so nothing to forget.

May import everything below it (engine, domain, storage, core); nothing below imports it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from bot.domain.events import ComplaintResolved, Event, HandoffClosed
from bot.domain.survey.offers import SurveyInviter
from bot.engine.rasa_client import RasaClient

logger = logging.getLogger(__name__)


@dataclass
class Services:
    """What listeners may use; built once per process by :func:`bootstrap`."""

    surveys: SurveyInviter


def offer_survey_after_complaint(services: Services, event: Event) -> None:
    """A resolved complaint's outcome reached the customer: offer the survey."""
    assert isinstance(event, ComplaintResolved)
    services.surveys.on_complaint_resolved(event)


def offer_survey_after_handoff(services: Services, event: Event) -> None:
    """An agent closed a chat: offer the survey."""
    assert isinstance(event, HandoffClosed)
    services.surveys.on_handoff_closed(event)


Listener = Callable[[Services, Event], None]

#: Which listeners follow which event, in the order they run.
LISTENERS: Mapping[type, tuple[Listener, ...]] = {
    ComplaintResolved: (offer_survey_after_complaint,),
    HandoffClosed: (offer_survey_after_handoff,),
}


class MessageBus:
    """Hands each published event to its listeners; one failing listener stops none."""

    def __init__(self, services: Services) -> None:
        self.services = services

    def publish(self, event: Event) -> None:
        """Run every listener of ``event``; a listener's failure is logged, never raised."""
        for listener in LISTENERS[type(event)]:
            try:
                listener(self.services, event)
            except Exception:
                logger.exception("%s failed for %r", listener.__name__, event)


def bootstrap(engine: Engine, rasa: RasaClient) -> MessageBus:
    """The message bus of a process that talks to ``rasa`` and keeps data in ``engine``."""
    return MessageBus(Services(surveys=SurveyInviter(engine, rasa)))
