"""The production profile's settings: checked at start, secrets never echoed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.core.settings import REPO_ROOT, Settings, SettingsError
from bot.ops.profiles import (
    ProductionSettings,
    lock_store_config,
    production_endpoints,
    production_settings,
)
from bot.ops.replicas import ReplicaSet

GOOD = {
    "FREIGHTDESK_PROFILE": "production",
    "DATABASE_URL": "postgresql://freightdesk:Vq8-long-db-pass@db.internal:5432/freightdesk",
    "FREIGHTDESK_REDIS_URL": "redis://:R3dis-long-pass@127.0.0.1:6379/1",
    "FREIGHTDESK_RABBITMQ_URL": "amqp://rasa:Rabbit-long-pass@127.0.0.1:5672/freightdesk",
    "RASA_TOKEN": "k2Zb1b9cF0p4mW8xQy7tE3rU6iO5aS1d",
    "FREIGHTDESK_SESSION_SECRET": "p9Lx2Vb7Qw4Er8Ty1Ui6Op3As5Df0Gh2Jk",
    "FREIGHTDESK_ACTION_SECRET": "a7Hn3Kd9Ws2Qe5Rt8Yu1Io4Pl6Mj0Nb3Vc",
    "FREIGHTDESK_SMTP_HOST": "mail.internal",
}


def test_embedded_is_the_default() -> None:
    assert Settings.from_env({}).profile == "embedded"
    assert Settings.from_env({"FREIGHTDESK_PROFILE": "Production"}).profile == "production"


def test_unknown_profile_is_refused() -> None:
    with pytest.raises(SettingsError, match="FREIGHTDESK_PROFILE"):
        Settings.from_env({"FREIGHTDESK_PROFILE": "staging"})


def test_good_production_settings() -> None:
    settings = production_settings(GOOD)
    assert settings == ProductionSettings(
        database_url=GOOD["DATABASE_URL"],
        tracker_database_url=GOOD["DATABASE_URL"],
        redis_url=GOOD["FREIGHTDESK_REDIS_URL"],
        rabbitmq_url=GOOD["FREIGHTDESK_RABBITMQ_URL"],
        rabbitmq_queue="freightdesk_kpi_events",
        rasa_token=GOOD["RASA_TOKEN"],
        replicas=2,
        action_secret=GOOD["FREIGHTDESK_ACTION_SECRET"],
        action_host="127.0.0.1",
        webchat_redis_url=GOOD["FREIGHTDESK_REDIS_URL"],
        webchat_channel="freightdesk:webchat",
    )
    endpoints = production_endpoints(settings)
    assert endpoints["tracker_store"] == {
        "type": "bot.engine.tracker_store.BoundedSQLTrackerStore",
        "dialect": "postgresql",
        "url": GOOD["DATABASE_URL"],
    }
    assert endpoints["lock_store"]["type"] == "bot.engine.lock_store.AtomicRedisLockStore"
    assert endpoints["event_broker"]["type"] == "bot.engine.brokers.LoudPikaEventBroker"
    assert endpoints["event_broker"]["queues"] == ["freightdesk_kpi_events"]
    assert endpoints["event_broker"]["username"] == "rasa"


def test_everything_missing_is_reported_at_once() -> None:
    with pytest.raises(SettingsError) as error:
        production_settings({"FREIGHTDESK_PROFILE": "production"})
    message = str(error.value)
    for variable in (
        "DATABASE_URL",
        "FREIGHTDESK_RABBITMQ_URL",
        "RASA_TOKEN",
        "FREIGHTDESK_SESSION_SECRET",
        "FREIGHTDESK_ACTION_SECRET",
    ):
        assert f"{variable} is not set" in message


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("RASA_TOKEN", "changethis", "RASA_TOKEN is a default"),
        ("RASA_TOKEN", "short-token", "RASA_TOKEN is a default or shorter"),
        ("DATABASE_URL", "sqlite:///var/freightdesk.db", "postgresql:// URL in production"),
        ("DATABASE_URL", "postgresql://postgres:postgres@db.internal/fd", "well-known default"),
        ("DATABASE_URL", "postgresql://fd@db.internal/fd", "needs a password"),
        ("FREIGHTDESK_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/", "well-known default"),
        ("FREIGHTDESK_RABBITMQ_URL", "amqp://127.0.0.1:5672/", "needs a user and password"),
        ("FREIGHTDESK_REDIS_URL", "redis://:password@cache.internal:6379/1", "well-known default"),
        ("FREIGHTDESK_RASA_REPLICAS", "1", "at least 2"),
        ("FREIGHTDESK_SESSION_SECRET", "changethis", "FREIGHTDESK_SESSION_SECRET is a default"),
        ("FREIGHTDESK_SESSION_SECRET", "x" * 31, "shorter than 32 characters"),
        ("FREIGHTDESK_ACTION_SECRET", "", "FREIGHTDESK_ACTION_SECRET is not set"),
        ("FREIGHTDESK_ACTION_SECRET", "changethis", "FREIGHTDESK_ACTION_SECRET is a default"),
        ("FREIGHTDESK_ACTION_SECRET", "y" * 31, "shorter than 32 characters"),
        ("FREIGHTDESK_SMTP_TLS", "none", "FREIGHTDESK_SMTP_TLS is none"),
        (
            "FREIGHTDESK_ACTION_SECRET",
            GOOD["FREIGHTDESK_SESSION_SECRET"],
            "must differ from RASA_TOKEN and the session secret",
        ),
    ],
)
def test_bad_or_default_secret_stops_start(variable: str, value: str, expected: str) -> None:
    with pytest.raises(SettingsError, match=expected) as error:
        production_settings({**GOOD, variable: value})
    # Secrets are named, never shown.
    for secret in ("changethis", "guest:guest", "postgres:postgres", "short-token"):
        assert secret not in str(error.value)


def test_loopback_database_may_use_trust_auth() -> None:
    settings = production_settings({**GOOD, "DATABASE_URL": "postgresql://fd@127.0.0.1/fd"})
    assert settings.database_url.endswith("@127.0.0.1/fd")


def test_the_replicas_share_web_chat_messages_through_the_deployments_redis() -> None:
    settings = production_settings({**GOOD, "FREIGHTDESK_REDIS_PREFIX": "fd-eu"})
    assert settings.replica_env() == {
        "FREIGHTDESK_WEBCHAT_REDIS_URL": GOOD["FREIGHTDESK_REDIS_URL"],
        "FREIGHTDESK_WEBCHAT_REDIS_CHANNEL": "fd-eu:webchat",
    }
    own = production_settings(
        {
            **GOOD,
            "FREIGHTDESK_WEBCHAT_REDIS_URL": "redis://:An0ther-long-pass@10.0.0.9:6379/2",
            "FREIGHTDESK_WEBCHAT_REDIS_CHANNEL": "chat-eu",
        }
    )
    assert own.replica_env() == {
        "FREIGHTDESK_WEBCHAT_REDIS_URL": "redis://:An0ther-long-pass@10.0.0.9:6379/2",
        "FREIGHTDESK_WEBCHAT_REDIS_CHANNEL": "chat-eu",
    }
    for bad, expected in (
        ("http://10.0.0.9:6379", "must be a redis:// URL"),
        ("redis://10.0.0.9:6379/2", "needs a password"),
    ):
        with pytest.raises(SettingsError, match=expected):
            production_settings({**GOOD, "FREIGHTDESK_WEBCHAT_REDIS_URL": bad})


def test_only_the_rasa_replicas_are_given_the_replica_settings(tmp_path: Path) -> None:
    replicas = ReplicaSet(
        model=tmp_path / "model.tar.gz",
        endpoints=tmp_path / "endpoints.yml",
        replica_env=production_settings(GOOD).replica_env(),
        workers={"console": ["console"]},
    )
    programs = {
        program.name: program.environment
        for program in replicas.programs(tmp_path / "endpoints.yml", tmp_path / "haproxy.cfg")
    }
    for name in ("rasa-0", "rasa-1"):
        assert programs[name]["FREIGHTDESK_WEBCHAT_REDIS_CHANNEL"] == "freightdesk:webchat"
    for name in ("actions-0", "actions-1", "console", "haproxy"):
        assert "FREIGHTDESK_WEBCHAT_REDIS_URL" not in programs[name]


def test_lock_store_config_from_redis_url() -> None:
    assert lock_store_config("redis://:p%40ss@10.0.0.5:6380/3", key_prefix="fd") == {
        "type": "bot.engine.lock_store.AtomicRedisLockStore",
        "url": "10.0.0.5",
        "port": 6380,
        "db": 3,
        "key_prefix": "fd",
        "password": "p@ss",
    }


def test_run_refuses_to_start_with_a_default_token(tmp_path: os.PathLike[str]) -> None:
    env = {
        **os.environ,
        **GOOD,
        "RASA_TOKEN": "changethis",
        "FREIGHTDESK_VAR_DIR": str(tmp_path),
        "PYTHONPATH": str(REPO_ROOT),
    }
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 2
    assert "production profile cannot start" in result.stderr
    assert "RASA_TOKEN is a default" in result.stderr
    assert "changethis" not in result.stderr + result.stdout
