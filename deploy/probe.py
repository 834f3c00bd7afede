"""Container health probe: exit 0 when the server in this container is ready, else 1.

Used by the image's HEALTHCHECK, by compose's healthchecks and by the Kubernetes
readiness/liveness probes (exec), so one rule decides "ready" everywhere. Standard
library only: it runs every few seconds and must start in milliseconds.

    python deploy/probe.py rasa         # Rasa answers and has its model loaded
    python deploy/probe.py http URL     # URL answers 2xx (action server /health, console /login)

Rasa answers ``/`` before its model is in. The REST channel's ``/webhooks/rest/ready``
(the route HAProxy checks in the one-host production profile) answers 200 only once the
model is loaded and 503 before; on a build without that route (404) the probe asks Rasa's
``/status``, which names the model file once it is loaded (the rule bot/ops/stack.py
uses) and needs the HTTP API token, read here from the container's environment, never
from the command line.
"""

from __future__ import annotations

import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request

TIMEOUT_S = 4.0


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_S) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, b""
    except (urllib.error.URLError, OSError):
        return 0, b""


def rasa_ready(base_url: str, token: str) -> bool:
    """True when Rasa at ``base_url`` has loaded its model."""
    status, _ = _get(f"{base_url}/webhooks/rest/ready")
    if status != 404:
        return status == 200
    query = "?" + urllib.parse.urlencode({"token": token}) if token else ""
    status, body = _get(f"{base_url}/status{query}")
    if status != 200:
        return False
    try:
        return bool(json.loads(body).get("model_file"))
    except (ValueError, AttributeError):
        return False


def http_ready(url: str) -> bool:
    """True when ``url`` answers with a 2xx status."""
    status, _ = _get(url)
    return 200 <= status < 300


def main(argv: list[str]) -> int:
    if argv[:1] == ["rasa"]:
        port = os.environ.get("RASA_PORT", "5005")
        token = os.environ.get("FREIGHTDESK_RASA_AUTH_TOKEN", "")
        return 0 if rasa_ready(f"http://127.0.0.1:{port}", token) else 1
    if argv[:1] == ["http"] and len(argv) == 2:
        return 0 if http_ready(argv[1]) else 1
    print("usage: probe.py rasa | probe.py http URL", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
