"""The compose file for the whole stack (deploy/compose/), checked without Docker.

Validated against the Compose Specification's JSON schema (vendored, see
deploy/compose/schema/SOURCE.md), plus what the schema cannot know: the whole stack is
there, the workers that must not run twice run once, no secret is written in the file,
every variable Rasa's endpoints need reaches Rasa, and HAProxy's configuration is valid.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from typing import Any

import jsonschema
import pytest
import yaml

from tests.ops.deploy_tools import DEPLOY, endpoints_variables, run, tool

COMPOSE = DEPLOY / "compose" / "compose.yaml"
SCHEMA = DEPLOY / "compose" / "schema" / "compose-spec.json"
SECRET_NAME = re.compile(r"PASSWORD|SECRET|TOKEN|_KEY$")
REQUIRED_VAR = re.compile(r"^\$\{[A-Z_]+:\?[^}]+\}$")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def _errors(document: dict[str, Any]) -> list[jsonschema.ValidationError]:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.validators.validator_for(schema)
    return list(validator(schema, format_checker=validator.FORMAT_CHECKER).iter_errors(document))


def test_vendored_schema_is_the_published_one() -> None:
    recorded = re.search(r"\b[0-9a-f]{64}\b", (SCHEMA.parent / "SOURCE.md").read_text())
    assert recorded is not None
    assert hashlib.sha256(SCHEMA.read_bytes()).hexdigest() == recorded.group(0)


def test_compose_file_follows_the_compose_specification(compose: dict[str, Any]) -> None:
    assert [e.message for e in _errors(compose)] == []


@pytest.mark.parametrize(
    ("service", "key", "value"),
    [
        ("rasa", "deploy", {"replica": 2}),  # misspelt
        ("haproxy", "ports", "5005:5005"),  # a string where a list belongs
        ("actions", "healthcheck", {"test": ["CMD", "true"], "intervall": "5s"}),
        ("console", "depends_on", {"migrate": {"condition": "service_done"}}),
    ],
)
def test_schema_check_catches_a_mistake(
    compose: dict[str, Any], service: str, key: str, value: Any
) -> None:
    broken = copy.deepcopy(compose)
    broken["services"][service][key] = value
    assert _errors(broken)


def test_the_whole_stack_is_there(compose: dict[str, Any]) -> None:
    assert set(compose["services"]) >= {
        "postgres", "redis", "rabbitmq", "migrate", "rasa", "actions", "haproxy", "console",
        "kpi-consumer", "telegram-poller", "complaints-watch", "customers-purge",
    }  # fmt: skip
    assert compose["services"]["rasa"]["deploy"]["replicas"] >= 2


@pytest.mark.parametrize("service", ["kpi-consumer", "telegram-poller", "complaints-watch"])
def test_workers_that_must_not_run_twice_run_once(compose: dict[str, Any], service: str) -> None:
    assert compose["services"][service]["deploy"]["replicas"] == 1


def _environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        return dict(item.split("=", 1) for item in env)
    return {key: str(value) for key, value in env.items()}


def test_no_secret_is_written_in_the_file(compose: dict[str, Any]) -> None:
    """A secret is always `${VAR:?message}`: from .env, and required."""
    for name, service in compose["services"].items():
        for key, value in _environment(service).items():
            if SECRET_NAME.search(key) and value:
                assert REQUIRED_VAR.match(value) or value.startswith("${TELEGRAM_"), (name, key)
            # A URL with a password carries it by interpolation only.
            for password in re.findall(r"://[^:/@]*:([^@]+)@", value):
                assert REQUIRED_VAR.match(password), (name, key)


def test_rasa_gets_every_variable_its_endpoints_name(compose: dict[str, Any]) -> None:
    needed = endpoints_variables()
    assert len(needed) >= 8
    for name in ("rasa", "customers-purge"):
        assert needed <= set(_environment(compose["services"][name])), name
    targets = [c["target"] for c in compose["services"]["rasa"]["configs"]]
    assert "/etc/freightdesk/endpoints.yml" in targets


def test_files_the_compose_file_names_exist(compose: dict[str, Any]) -> None:
    for config in compose["configs"].values():
        assert (COMPOSE.parent / config["file"]).is_file(), config
    build = compose["services"]["migrate"]["build"]
    assert (COMPOSE.parent / build["context"] / build["dockerfile"]).resolve() == (
        DEPLOY / "Dockerfile"
    )


def test_haproxy_configuration_is_valid() -> None:
    result = run(
        [tool("haproxy"), "-c", "-f", DEPLOY / "compose" / "haproxy.cfg"],
        env={"RASA_TOKEN": "a-token-for-the-check-only", "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_haproxy_routes_only_to_ready_replicas_and_keeps_web_chat_sticky() -> None:
    config = (DEPLOY / "compose" / "haproxy.cfg").read_text(encoding="utf-8")
    assert "http-check expect string model_file" in config
    assert re.search(r"^\s*cookie \w+ insert", config, re.MULTILINE)
    assert "option forwardfor" in config
    for timeout in ("connect", "client", "server", "http-request"):
        assert re.search(rf"^\s*timeout {timeout} \d+s", config, re.MULTILINE), timeout


def test_servers_believe_only_haproxys_forwarded_address(compose: dict[str, Any]) -> None:
    haproxy_ip = compose["services"]["haproxy"]["networks"]["default"]["ipv4_address"]
    for name in ("rasa", "console"):
        trusted = _environment(compose["services"][name])["FREIGHTDESK_TRUSTED_PROXIES"]
        assert trusted == f"{haproxy_ip}/32", name
