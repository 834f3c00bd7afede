"""The project image (deploy/Dockerfile, .dockerignore), checked without a Docker daemon."""

from __future__ import annotations

import fnmatch
import re
from pathlib import Path

import pytest

from bot.core.settings import REPO_ROOT
from tests.ops.deploy_tools import DEPLOY, run, tool

DOCKERFILE = DEPLOY / "Dockerfile"


def _instructions(path: Path = DOCKERFILE) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n", " ", path.read_text(encoding="utf-8"))
    lines = [line.strip() for line in text.splitlines()]
    pairs = [tuple(line.split(None, 1)) for line in lines if line and not line.startswith("#")]
    return [(p[0].upper(), p[1] if len(p) > 1 else "") for p in pairs]


def _final_stage() -> list[tuple[str, str]]:
    instructions = _instructions()
    last_from = max(i for i, (op, _) in enumerate(instructions) if op == "FROM")
    return instructions[last_from:]


def test_hadolint_finds_nothing() -> None:
    result = run([tool("hadolint"), "--no-color", DOCKERFILE])
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == ""


def test_hadolint_fails_a_careless_dockerfile(tmp_path: Path) -> None:
    """The lint step can fail: a floating tag, apt without -y or clean-up, root."""
    careless = tmp_path / "Dockerfile"
    careless.write_text(
        "FROM python:latest\nRUN apt-get update && apt-get install curl\nCOPY . /app\n",
        encoding="utf-8",
    )
    result = run([tool("hadolint"), "--no-color", careless])
    assert result.returncode != 0
    for rule in ("DL3007", "DL3014", "DL3009"):
        assert rule in result.stdout


def test_base_is_python_of_the_project_slim() -> None:
    python_version = (REPO_ROOT / ".python-version").read_text(encoding="utf-8").strip()
    bases = [args for op, args in _instructions() if op == "FROM"]
    assert any(b.startswith(f"python:{python_version}-slim") for b in bases), bases


def test_installs_the_locked_requirements() -> None:
    runs = " ".join(args for op, args in _instructions() if op == "RUN")
    assert "pip install --no-cache-dir -r /tmp/requirements.lock" in runs


def test_runtime_has_the_model_a_non_root_user_and_a_healthcheck() -> None:
    final = _final_stage()
    copies = [args for op, args in final if op == "COPY"]
    assert any("--from=model" in c and "freightdesk.tar.gz" in c for c in copies)
    users = [args for op, args in final if op == "USER"]
    assert users, "the runtime stage must switch to a non-root user"
    assert users[-1] not in {"0", "root"}
    healthcheck = [args for op, args in final if op == "HEALTHCHECK"]
    assert healthcheck and "/app/deploy/probe.py" in healthcheck[0]


def test_every_file_the_command_names_is_in_the_repository() -> None:
    final = dict(_final_stage())
    named = re.findall(r'"/app/([^"]+)"', final["CMD"] + final["HEALTHCHECK"])
    assert named
    for relative in named:
        if relative.startswith(("models/", "web/dist")):
            continue  # built in the image's own stages
        assert (REPO_ROOT / relative).exists(), relative


def _ignored(path: str, patterns: list[str]) -> bool:
    """Docker's rule: the last matching pattern wins, ``!`` re-includes."""
    ignored = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        bare = pattern.lstrip("!").rstrip("/")
        parts = path.split("/")
        prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        matched = any(fnmatch.fnmatch(p, bare) for p in prefixes)
        if bare.startswith("**/"):
            matched = matched or any(fnmatch.fnmatch(part, bare[3:]) for part in parts)
        if matched:
            ignored = not negate
    return ignored


@pytest.fixture(scope="module")
def ignore_patterns() -> list[str]:
    lines = (REPO_ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


@pytest.mark.parametrize(
    "path",
    [
        ".venv/bin/python",
        "var/rasa_token",
        "var/freightdesk.db",
        "models/freightdesk.tar.gz",
        ".git/HEAD",
        "web/node_modules/esbuild/package.json",
        "deploy/compose/.env",
        "bot/__pycache__/x.cpython-310.pyc",
    ],
)
def test_local_state_and_secrets_stay_out_of_the_image(
    path: str, ignore_patterns: list[str]
) -> None:
    assert _ignored(path, ignore_patterns)


@pytest.mark.parametrize(
    "path",
    [
        "requirements.lock",
        "config.yml",
        "domain.yml",
        "data/nlu/tracking.yml",
        "bot/__main__.py",
        "actions/__init__.py",
        "web/package-lock.json",
        "web/src/main.js",
        "credentials.yml",
        "deploy/probe.py",
        "locales/en/responses.yml",
        "deploy/compose/example.env",
    ],
)
def test_what_the_build_copies_is_in_the_context(path: str, ignore_patterns: list[str]) -> None:
    assert not _ignored(path, ignore_patterns)
