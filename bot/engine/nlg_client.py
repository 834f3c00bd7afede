"""Rasa's side of the NLG endpoint: ask the action server, fall back to the domain's text.

``endpoints.yml`` names this class (``nlg: type: bot.engine.nlg_client.LocalisedNLG``), so
Rasa builds it however it is started. Each response Rasa sends is requested from the
action server's ``/nlg`` route (:mod:`bot.engine.nlg`), which answers in the conversation's
language. Rasa's own callback generator waits up to five minutes and fails the whole turn
when the endpoint is down; here the call has a short timeout and, when it fails, the
response is rendered from the domain (English) as Rasa would without an endpoint, and the
fault is logged, so an action server outage never silences the greeting or a form's
question.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp
from rasa.core.nlg.callback import CallbackNaturalLanguageGenerator, nlg_request_format
from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.exceptions import RasaException
from rasa.utils.endpoints import EndpointConfig

logger = logging.getLogger(__name__)
faults = logging.getLogger("freightdesk.faults")

#: Seconds one NLG call may take before the domain's text is used instead.
NLG_TIMEOUT = 5.0


class LocalisedNLG(CallbackNaturalLanguageGenerator):
    """The callback generator with a timeout and the domain's responses as fallback."""

    def __init__(self, endpoint_config: EndpointConfig, domain: Domain | None = None) -> None:
        super().__init__(endpoint_config)
        self.fallback = TemplatedNaturalLanguageGenerator(domain.responses if domain else {})

    async def generate(
        self,
        utter_action: str,
        tracker: DialogueStateTracker,
        output_channel: str,
        **kwargs: Any,
    ) -> dict[str, Any] | None:
        """The response from the NLG endpoint, or the domain's when the endpoint fails."""
        arguments = dict(kwargs)
        arguments.pop("domain_responses", None)
        body = nlg_request_format(utter_action, tracker, output_channel, **arguments)
        try:
            response = await self.nlg_endpoint.request(
                method="post", json=body, timeout=NLG_TIMEOUT
            )
            if isinstance(response, dict) and self.validate_response(response):
                return response
            raise RasaException(f"NLG endpoint returned {type(response).__name__}")
        except (
            aiohttp.ClientError,
            asyncio.TimeoutError,
            RasaException,
            OSError,
        ) as exc:
            faults.error(
                "FAULT: NLG endpoint failed for %s in conversation %s (%s): %s; "
                "sending the domain's text",
                utter_action,
                tracker.sender_id,
                self.nlg_endpoint.url,
                exc,
            )
        kwargs.pop("domain_responses", None)
        return await self.fallback.generate(utter_action, tracker, output_channel, **kwargs)
