"""Deployment profiles: the embedded default and production.

``FREIGHTDESK_PROFILE`` picks one (default ``embedded``):

- ``embedded`` -- what `make run` has always started: one action server, one Rasa
  server, SQLite files under var/ (endpoints.yml).
- ``production`` -- PostgreSQL for the project's database and Rasa's tracker store, the
  atomic Redis lock store (bot/engine/lock_store.py), Rasa's RabbitMQ (Pika) event broker, and
  ``FREIGHTDESK_RASA_REPLICAS`` (>= 2) Rasa replicas, each with its own action server,
  behind HAProxy on the public Rasa port, all supervised by supervisord (bot/ops/replicas.py).

The production settings are checked before anything starts; every problem is reported
at once, and a missing or well-known default secret is one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

# The KPI consumer's queue and Rasa's fanout exchange, named once in bot.core.settings.
from bot.core.settings import (
    ACTION_HOST_ENV,
    ACTION_SECRET_ENV,
    KPI_EVENTS_QUEUE,
    RASA_EVENTS_EXCHANGE,
    WEBCHAT_REDIS_CHANNEL_ENV,
    WEBCHAT_REDIS_URL_ENV,
    SettingsError,
)

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/1"
#: Passwords and tokens found in tutorials and default installs; never a real secret.
DEFAULT_SECRETS = frozenset(
    {
        "",
        "admin",
        "changeit",
        "changeme",
        "changethis",
        "guest",
        "password",
        "postgres",
        "rasa",
        "secret",
        "test",
        "token",
    }
)
MIN_TOKEN_LENGTH = 24
#: Rasa's generator of responses in the conversation's language (bot/engine/nlg_client.py).
NLG_CLASS = "bot.engine.nlg_client.LocalisedNLG"
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1", ""})


@dataclass(frozen=True)
class ProductionSettings:
    """What the production profile runs on (all from the environment).

    Attributes:
        database_url: the project's PostgreSQL database (``DATABASE_URL``).
        tracker_database_url: PostgreSQL database of Rasa's tracker store
            (``RASA_TRACKER_DATABASE_URL``, default ``DATABASE_URL``).
        redis_url: Redis of the lock store (``FREIGHTDESK_REDIS_URL``).
        rabbitmq_url: RabbitMQ of the event broker (``FREIGHTDESK_RABBITMQ_URL``).
        rabbitmq_queue: queue Rasa publishes events to (``FREIGHTDESK_RABBITMQ_QUEUE``).
        rasa_token: token of Rasa's HTTP API (``RASA_TOKEN``).
        replicas: Rasa replicas, each with its own action server
            (``FREIGHTDESK_RASA_REPLICAS``, default 2).
        lock_prefix: prefix of the lock store's Redis keys (``FREIGHTDESK_REDIS_PREFIX``).
        action_secret: the secret Rasa sends the action servers
            (``FREIGHTDESK_ACTION_SECRET``; required).
        action_host: interface the action servers listen on (``FREIGHTDESK_ACTION_HOST``,
            default loopback; set it only to a private interface Rasa reaches them on).
        webchat_redis_url: Redis through which the replicas share the web chat's
            socket.io messages, so a proactive message handled by one replica reaches a
            page connected to another (``FREIGHTDESK_WEBCHAT_REDIS_URL``, default the lock
            store's Redis).
        webchat_channel: that Redis channel, one per deployment
            (``FREIGHTDESK_WEBCHAT_REDIS_CHANNEL``, default ``<lock_prefix>:webchat``).
    """

    database_url: str
    tracker_database_url: str
    redis_url: str
    rabbitmq_url: str
    rabbitmq_queue: str
    rasa_token: str
    replicas: int = 2
    lock_prefix: str = "freightdesk"
    action_secret: str = ""
    action_host: str = "127.0.0.1"
    webchat_redis_url: str = DEFAULT_REDIS_URL
    webchat_channel: str = "freightdesk:webchat"

    def replica_env(self) -> dict[str, str]:
        """What each Rasa replica is told beyond the endpoints: the web chat's Redis."""
        return {
            WEBCHAT_REDIS_URL_ENV: self.webchat_redis_url,
            WEBCHAT_REDIS_CHANNEL_ENV: self.webchat_channel,
        }


def _password_problem(variable: str, url: str, *, service: str) -> str | None:
    parts = urlsplit(url)
    password = unquote(parts.password or "")
    user = unquote(parts.username or "")
    if parts.password is None:
        if (parts.hostname or "") in LOOPBACK:
            return None  # trust/peer auth of a server on this machine
        return f"{variable}: {service} on {parts.hostname} needs a password in the URL"
    if password.lower() in DEFAULT_SECRETS or password.lower() == user.lower():
        return f"{variable}: the {service} password is a well-known default; set a real one"
    return None


def tracker_database_url(env: Mapping[str, str]) -> str:
    """The production tracker store's database URL, read alone.

    The workers (the retention purge) need only this, and are not given the servers'
    secrets, so they must not go through :func:`production_settings`' full check.

    Raises:
        SettingsError: neither ``RASA_TRACKER_DATABASE_URL`` nor ``DATABASE_URL`` is set.
    """
    url = env.get("RASA_TRACKER_DATABASE_URL") or env.get("DATABASE_URL", "")
    if not url.startswith(("postgresql://", "postgresql+psycopg2://")):
        raise SettingsError(
            "The production profile's tracker store needs RASA_TRACKER_DATABASE_URL or "
            "DATABASE_URL (a postgresql:// URL)"
        )
    return url


def production_settings(env: Mapping[str, str]) -> ProductionSettings:
    """Read and check the production profile's settings.

    Raises:
        SettingsError: one line per problem; values are never repeated (they may be
            secrets).
    """
    problems: list[str] = []
    database_url = env.get("DATABASE_URL", "")
    tracker_url = env.get("RASA_TRACKER_DATABASE_URL") or database_url
    for variable, url in (
        ("DATABASE_URL", database_url),
        ("RASA_TRACKER_DATABASE_URL", tracker_url),
    ):
        if not url:
            problems.append(f"{variable} is not set (a postgresql:// URL)")
        elif not url.startswith(("postgresql://", "postgresql+psycopg2://")):
            problems.append(f"{variable} must be a postgresql:// URL in production")
        elif (problem := _password_problem(variable, url, service="PostgreSQL")) is not None:
            problems.append(problem)
    redis_url = env.get("FREIGHTDESK_REDIS_URL") or DEFAULT_REDIS_URL
    if not redis_url.startswith(("redis://", "rediss://")):
        problems.append("FREIGHTDESK_REDIS_URL must be a redis:// URL")
    elif (
        problem := _password_problem("FREIGHTDESK_REDIS_URL", redis_url, service="Redis")
    ) is not None:
        problems.append(problem)
    webchat_redis_url = env.get(WEBCHAT_REDIS_URL_ENV) or redis_url
    if env.get(WEBCHAT_REDIS_URL_ENV):
        if not webchat_redis_url.startswith(("redis://", "rediss://")):
            problems.append(f"{WEBCHAT_REDIS_URL_ENV} must be a redis:// URL")
        elif (
            problem := _password_problem(WEBCHAT_REDIS_URL_ENV, webchat_redis_url, service="Redis")
        ) is not None:
            problems.append(problem)
    rabbitmq_url = env.get("FREIGHTDESK_RABBITMQ_URL", "")
    if not rabbitmq_url:
        problems.append("FREIGHTDESK_RABBITMQ_URL is not set (amqp://user:password@host/vhost)")
    elif not rabbitmq_url.startswith(("amqp://", "amqps://")):
        problems.append("FREIGHTDESK_RABBITMQ_URL must be an amqp:// URL")
    else:
        parts = urlsplit(rabbitmq_url)
        if parts.password is None or not parts.username:
            problems.append("FREIGHTDESK_RABBITMQ_URL needs a user and password (not guest)")
        elif (
            problem := _password_problem(
                "FREIGHTDESK_RABBITMQ_URL", rabbitmq_url, service="RabbitMQ"
            )
        ) is not None:
            problems.append(problem)
    token = env.get("RASA_TOKEN", "")
    if not token:
        problems.append("RASA_TOKEN is not set (the Rasa HTTP API token)")
    elif token.lower() in DEFAULT_SECRETS or len(token) < MIN_TOKEN_LENGTH:
        problems.append(
            f"RASA_TOKEN is a default or shorter than {MIN_TOKEN_LENGTH} characters; "
            "generate one: python -c 'import secrets; print(secrets.token_urlsafe(32))'"
        )
    # The web chat's session tokens are signed with it; every replica must check them
    # alike, so a per-replica generated secret will not do (bot/engine/channels/webchat.py).
    session_secret = env.get("FREIGHTDESK_SESSION_SECRET", "")
    if not session_secret:
        problems.append(
            "FREIGHTDESK_SESSION_SECRET is not set (signs web chat sessions; the same on "
            "every replica)"
        )
    elif session_secret.lower() in DEFAULT_SECRETS or len(session_secret) < 32:
        problems.append(
            "FREIGHTDESK_SESSION_SECRET is a default or shorter than 32 characters; "
            "generate one: python -c 'import secrets; print(secrets.token_urlsafe(32))'"
        )
    # A forged tracker posted to an action server runs any action as any sender, so only
    # Rasa, holding this secret, may call one (bot/engine/action_server.py).
    action_secret = env.get(ACTION_SECRET_ENV, "")
    if not action_secret:
        problems.append(
            f"{ACTION_SECRET_ENV} is not set (Rasa's secret for the action servers); "
            "generate one: python -c 'import secrets; print(secrets.token_urlsafe(32))'"
        )
    elif action_secret.lower() in DEFAULT_SECRETS or len(action_secret) < 32:
        problems.append(
            f"{ACTION_SECRET_ENV} is a default or shorter than 32 characters; "
            "generate one: python -c 'import secrets; print(secrets.token_urlsafe(32))'"
        )
    elif action_secret in (token, session_secret):
        problems.append(f"{ACTION_SECRET_ENV} must differ from RASA_TOKEN and the session secret")
    # One-time codes travel by mail: not in clear text beyond this machine, and not with a
    # tutorial password (bot/core/mail.py).
    smtp_host = env.get("FREIGHTDESK_SMTP_HOST", "").strip()
    smtp_tls = (env.get("FREIGHTDESK_SMTP_TLS") or "starttls").strip().lower()
    if smtp_host and smtp_host not in LOOPBACK and smtp_tls == "none":
        problems.append(
            "FREIGHTDESK_SMTP_TLS is none for a mail server beyond this machine; use "
            "starttls or ssl"
        )
    if env.get("FREIGHTDESK_SMTP_USER") and (
        env.get("FREIGHTDESK_SMTP_PASSWORD", "").lower() in DEFAULT_SECRETS
    ):
        problems.append("FREIGHTDESK_SMTP_PASSWORD is not set or a well-known default")
    replicas_text = env.get("FREIGHTDESK_RASA_REPLICAS", "2")
    try:
        replicas = int(replicas_text)
    except ValueError:
        replicas = 0
    if replicas < 2:
        problems.append("FREIGHTDESK_RASA_REPLICAS must be a whole number of at least 2")
    if problems:
        raise SettingsError("The production profile cannot start:\n  - " + "\n  - ".join(problems))
    lock_prefix = env.get("FREIGHTDESK_REDIS_PREFIX") or "freightdesk"
    return ProductionSettings(
        database_url=database_url,
        tracker_database_url=tracker_url,
        redis_url=redis_url,
        rabbitmq_url=rabbitmq_url,
        rabbitmq_queue=env.get("FREIGHTDESK_RABBITMQ_QUEUE") or KPI_EVENTS_QUEUE,
        rasa_token=token,
        replicas=replicas,
        lock_prefix=lock_prefix,
        action_secret=action_secret,
        action_host=env.get(ACTION_HOST_ENV, "").strip() or "127.0.0.1",
        webchat_redis_url=webchat_redis_url,
        webchat_channel=env.get(WEBCHAT_REDIS_CHANNEL_ENV, "").strip() or f"{lock_prefix}:webchat",
    )


def tracker_store_config(tracker_database_url: str) -> dict[str, Any]:
    """endpoints.yml ``tracker_store`` for a PostgreSQL tracker database."""
    # `dialect` is what bot.engine.rasa_stores (retention, `customers forget`) reads to reach it.
    return {
        "type": "bot.engine.tracker_store.BoundedSQLTrackerStore",
        "dialect": "postgresql",
        "url": tracker_database_url,
    }


def lock_store_config(redis_url: str, key_prefix: str = "freightdesk") -> dict[str, Any]:
    """endpoints.yml ``lock_store`` for the atomic Redis lock store."""
    parts = urlsplit(redis_url)
    config: dict[str, Any] = {
        "type": "bot.engine.lock_store.AtomicRedisLockStore",
        "url": parts.hostname or "127.0.0.1",
        "port": parts.port or 6379,
        "db": int(parts.path.strip("/") or 0),
        "key_prefix": key_prefix,
    }
    if parts.password:
        config["password"] = unquote(parts.password)
    return config


def event_broker_config(rabbitmq_url: str, queue: str) -> dict[str, Any]:
    """endpoints.yml ``event_broker`` for Rasa's Pika broker publishing to ``queue``.

    The broker is Rasa's, made loud about events it could not publish and publishing them
    in order when RabbitMQ is back (:class:`bot.engine.brokers.LoudPikaEventBroker`).
    """
    parts = urlsplit(rabbitmq_url)
    return {
        "type": "bot.engine.brokers.LoudPikaEventBroker",
        # A full amqp:// URL (with its vhost) is used as given by Rasa's broker when the
        # user and password appear in it as written, so they are passed still quoted.
        "url": rabbitmq_url,
        "username": parts.netloc.rpartition("@")[0].partition(":")[0],
        "password": parts.netloc.rpartition("@")[0].partition(":")[2],
        "port": parts.port or 5672,
        "queues": [queue],
        "exchange_name": RASA_EVENTS_EXCHANGE,
    }


def production_endpoints(settings: ProductionSettings) -> dict[str, Any]:
    """The production endpoints (the action URL is filled in per replica by the runner)."""
    return {
        "action_endpoint": {
            "url": "http://127.0.0.1:5055/webhook",
            "enable_selective_domain": True,
        },
        "nlg": {"type": NLG_CLASS, "url": "http://127.0.0.1:5055/nlg"},
        "tracker_store": tracker_store_config(settings.tracker_database_url),
        "lock_store": lock_store_config(settings.redis_url, settings.lock_prefix),
        "event_broker": event_broker_config(settings.rabbitmq_url, settings.rabbitmq_queue),
    }
