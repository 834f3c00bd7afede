"""One settings object, read from the environment and validated at start."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

REPO_ROOT = Path(__file__).resolve().parents[2]

#: RabbitMQ queue that Rasa's Pika event broker (``event_broker: type: pika``, ``queues``)
#: publishes to and the KPI consumer (``python -m bot kpi consume --rabbitmq``) reads.
KPI_EVENTS_QUEUE = "freightdesk_kpi_events"

#: Fanout exchange Rasa's Pika event broker declares and binds its queues to (Rasa's own
#: default, ``rasa.core.brokers.pika.RABBITMQ_EXCHANGE``); the consumer binds to it too.
RASA_EVENTS_EXCHANGE = "rasa-exchange"

#: Suffix of the queue where the KPI consumer parks messages that are not Rasa events.
POISON_QUEUE_SUFFIX = ".poison"


#: Environment variable with the secret Rasa sends the action server (bot/engine/action_server.py).
ACTION_SECRET_ENV = "FREIGHTDESK_ACTION_SECRET"
#: Environment variable with the interface the action server listens on (default loopback;
#: only the production profile lets it be set, bot/ops/profiles.py).
ACTION_HOST_ENV = "FREIGHTDESK_ACTION_HOST"
#: Header Rasa sends the action server's secret in (a header, never the URL, so it is not
#: written to access logs).
ACTION_SECRET_HEADER = "X-Freightdesk-Action-Secret"
#: Redis whose publish/subscribe carries the web chat's socket.io messages between Rasa
#: replicas (unset: one process, messages stay in it; bot/engine/channels/webchat.py).
WEBCHAT_REDIS_URL_ENV = "FREIGHTDESK_WEBCHAT_REDIS_URL"
#: The Redis channel of one deployment's web chat (replicas of another deployment sharing
#: the Redis server use another one).
WEBCHAT_REDIS_CHANNEL_ENV = "FREIGHTDESK_WEBCHAT_REDIS_CHANNEL"


class SettingsError(ValueError):
    """A setting in the environment is missing or malformed."""


def profile_name(env: Mapping[str, str]) -> str:
    """The deployment profile ``FREIGHTDESK_PROFILE`` names (see bot/ops/profiles.py)."""
    name = env.get("FREIGHTDESK_PROFILE", "embedded").strip().lower() or "embedded"
    if name not in ("embedded", "production"):
        raise SettingsError(f"FREIGHTDESK_PROFILE must be embedded or production, not {name!r}")
    return name


#: How the SMTP connection is secured (``FREIGHTDESK_SMTP_TLS``).
SMTP_TLS_MODES = ("starttls", "ssl", "none")


@dataclass(frozen=True)
class MailSettings:
    """The SMTP server customer mail (one-time codes) is handed to.

    Attributes:
        host: SMTP server (``FREIGHTDESK_SMTP_HOST``); '' means no mail can be sent.
        port: its port (``FREIGHTDESK_SMTP_PORT``, default 587 with STARTTLS, 465 with
            SSL, 25 without).
        sender: the From address (``FREIGHTDESK_SMTP_FROM``).
        tls: ``starttls`` (default), ``ssl`` or ``none`` (``FREIGHTDESK_SMTP_TLS``;
            ``none`` only makes sense for a relay on this machine).
        user, password: login, when the server wants one (``FREIGHTDESK_SMTP_USER``,
            ``FREIGHTDESK_SMTP_PASSWORD``; from the environment only, never a file).
        sms_email_gateway: domain of an email-to-SMS gateway (``FREIGHTDESK_SMS_EMAIL_GATEWAY``,
            e.g. the provider's ``sms.provider.example``): a phone contact's code is
            mailed to ``<digits>@<gateway>``, which the provider delivers as a text.
            '' means phone contacts cannot be sent a code.
        timeout: seconds an SMTP conversation may take.
    """

    host: str = ""
    port: int = 587
    sender: str = "Freight Desk <no-reply@freightdesk.invalid>"
    tls: str = "starttls"
    user: str = ""
    password: str = field(default="", repr=False)
    sms_email_gateway: str = ""
    timeout: float = 10.0

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> MailSettings:
        """Read the ``FREIGHTDESK_SMTP_*`` variables.

        Raises:
            SettingsError: a value cannot be used (the password is never repeated).
        """
        tls = (env.get("FREIGHTDESK_SMTP_TLS") or "starttls").strip().lower()
        if tls not in SMTP_TLS_MODES:
            raise SettingsError(
                f"FREIGHTDESK_SMTP_TLS must be one of {', '.join(SMTP_TLS_MODES)}, not {tls!r}"
            )
        default_port = {"starttls": 587, "ssl": 465, "none": 25}[tls]
        port_text = env.get("FREIGHTDESK_SMTP_PORT") or str(default_port)
        try:
            port = int(port_text)
        except ValueError:
            port = 0
        if not 0 < port < 65536:
            raise SettingsError(f"FREIGHTDESK_SMTP_PORT is not a port number: {port_text!r}")
        user = env.get("FREIGHTDESK_SMTP_USER", "")
        password = env.get("FREIGHTDESK_SMTP_PASSWORD", "")
        if user and not password:
            raise SettingsError("FREIGHTDESK_SMTP_USER is set but FREIGHTDESK_SMTP_PASSWORD is not")
        return cls(
            host=env.get("FREIGHTDESK_SMTP_HOST", "").strip(),
            port=port,
            sender=env.get("FREIGHTDESK_SMTP_FROM") or cls.sender,
            tls=tls,
            user=user,
            password=password,
            sms_email_gateway=env.get("FREIGHTDESK_SMS_EMAIL_GATEWAY", "").strip().lstrip("@"),
        )


@dataclass(frozen=True)
class Settings:
    """Runtime settings of every Freight Desk process.

    Attributes:
        database_url: SQLAlchemy URL of the project's database (``DATABASE_URL``).
        kb_dir: folder of the knowledge base files (``FREIGHTDESK_KB_DIR``).
        var_dir: folder for embedded-default state: SQLite files, tokens, logs.
        timezone: the service centre's time zone (``FREIGHTDESK_TIMEZONE``).
        rasa_url: base URL of the Rasa HTTP API (``RASA_URL``).
        rasa_token: token of the Rasa HTTP API (``RASA_TOKEN``), may be empty.
        event_broker_url: database of Rasa's SQL event broker (``KPI_EVENT_BROKER_URL``,
            default the SQLite file ``var/rasa_events.db`` of endpoints.yml).
        rabbitmq_url: AMQP URL of the RabbitMQ server Rasa's Pika event broker publishes
            to (``FREIGHTDESK_RABBITMQ_URL``); empty in the embedded profile.
        rabbitmq_queue: queue of Rasa's events (``FREIGHTDESK_RABBITMQ_QUEUE``, default
            :data:`KPI_EVENTS_QUEUE`).
        profile: ``embedded`` (default) or ``production`` (``FREIGHTDESK_PROFILE``); the
            production profile's own settings are checked by ``bot.ops.profiles``.
        mail: how one-time codes and other mail reach customers (``FREIGHTDESK_SMTP_*``).
    """

    database_url: str
    kb_dir: Path
    var_dir: Path
    timezone: str
    rasa_url: str
    rasa_token: str
    event_broker_url: str = ""
    rabbitmq_url: str = ""
    rabbitmq_queue: str = KPI_EVENTS_QUEUE
    profile: str = "embedded"
    mail: MailSettings = field(default_factory=lambda: MailSettings())

    @property
    def tz(self) -> ZoneInfo:
        """The service centre's time zone as a ``ZoneInfo``."""
        return ZoneInfo(self.timezone)

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        """Read settings from ``environ`` (default: ``os.environ``) and validate them.

        Raises:
            SettingsError: a value cannot be used; the message names the variable.
        """
        env = os.environ if environ is None else environ
        var_dir = Path(env.get("FREIGHTDESK_VAR_DIR", str(REPO_ROOT / "var")))
        database_url = env.get("DATABASE_URL") or f"sqlite:///{var_dir / 'freightdesk.db'}"
        if "://" not in database_url:
            raise SettingsError(f"DATABASE_URL is not a database URL: {database_url!r}")
        kb_dir = Path(env.get("FREIGHTDESK_KB_DIR", str(REPO_ROOT / "knowledge_base")))
        timezone = env.get("FREIGHTDESK_TIMEZONE", "Asia/Hong_Kong")
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise SettingsError(
                f"FREIGHTDESK_TIMEZONE is not a known time zone: {timezone!r}"
            ) from exc
        rabbitmq_url = env.get("FREIGHTDESK_RABBITMQ_URL", "")
        if rabbitmq_url and not rabbitmq_url.startswith(("amqp://", "amqps://")):
            raise SettingsError(
                # The value is not repeated: it may carry a password.
                "FREIGHTDESK_RABBITMQ_URL is not an AMQP URL like "
                "amqp://user:password@127.0.0.1:5672/vhost"
            )
        return cls(
            database_url=database_url,
            kb_dir=kb_dir,
            var_dir=var_dir,
            timezone=timezone,
            rasa_url=env.get("RASA_URL", "http://127.0.0.1:5005").rstrip("/"),
            rasa_token=env.get("RASA_TOKEN", ""),
            event_broker_url=env.get("KPI_EVENT_BROKER_URL")
            or f"sqlite:///{var_dir / 'rasa_events.db'}",
            rabbitmq_url=rabbitmq_url,
            rabbitmq_queue=env.get("FREIGHTDESK_RABBITMQ_QUEUE") or KPI_EVENTS_QUEUE,
            profile=profile_name(env),
            mail=MailSettings.from_env(env),
        )
