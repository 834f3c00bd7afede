"""What the console needs to run: :class:`ConsoleConfig`."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.core.forwarding import Network, trusted_proxies
from bot.core.settings import Settings
from bot.domain.carrier_events.senders import Sender, senders_from_env
from bot.domain.shipment_updates.settings import UpdateSettings
from bot.engine.rasa_client import client_from_settings


@dataclass(frozen=True)
class ConsoleConfig:
    """What the console needs to run.

    Attributes:
        database_url: the project's database.
        rasa_url: base URL of Rasa's HTTP API.
        rasa_token: its token (kept on the server).
        timezone: the service centre's zone, for times on screen.
        secure_cookies: mark cookies ``Secure``; on when served over HTTPS.
        kb_dir: the knowledge base folder (its rate card's validity shows as a banner).
        proxies: proxies whose ``X-Forwarded-For`` names the client, for the sign-in
            limits per address (``FREIGHTDESK_TRUSTED_PROXIES``; none by default).
        event_senders: the systems that may post shipment events, by name
            (``FREIGHTDESK_EVENT_SENDERS``, see :mod:`bot.domain.carrier_events.senders`).
        updates: quiet hours and the ETA slip margin of shipment notices.
    """

    database_url: str
    rasa_url: str
    rasa_token: str
    timezone: str = "Asia/Hong_Kong"
    secure_cookies: bool = False
    kb_dir: Path | None = None
    proxies: tuple[Network, ...] = ()
    event_senders: Mapping[str, Sender] = field(default_factory=dict)
    updates: UpdateSettings = field(default_factory=UpdateSettings)

    @property
    def tz(self) -> ZoneInfo:
        """The service centre's zone."""
        return ZoneInfo(self.timezone)

    @classmethod
    def from_settings(cls, settings: Settings, *, secure_cookies: bool = False) -> ConsoleConfig:
        """The console's settings from the project's (token as the Rasa client finds it)."""
        rasa = client_from_settings(settings)
        return cls(
            database_url=settings.database_url,
            rasa_url=rasa.base_url,
            rasa_token=rasa.token,
            timezone=settings.timezone,
            secure_cookies=secure_cookies,
            kb_dir=settings.kb_dir,
            proxies=trusted_proxies(os.environ),
            event_senders=senders_from_env(os.environ),
            updates=UpdateSettings.from_env(os.environ),
        )
