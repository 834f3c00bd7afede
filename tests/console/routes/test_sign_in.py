"""Signing in over HTTP: the form needs its own token, and failures are rate limited."""

from __future__ import annotations

import requests

from bot.domain.users import MAX_FAILED_PER_ACCOUNT
from tests.console.harness import PASSWORD, Console
from tests.console.server import login_token


def test_sign_in_form_needs_its_token(console: Console) -> None:
    response = requests.post(
        console.url + "/login", data={"name": "ann", "password": PASSWORD}, timeout=10
    )
    assert response.status_code == 403


def test_sign_in_is_rate_limited(console: Console) -> None:
    http = requests.Session()
    for _ in range(MAX_FAILED_PER_ACCOUNT):
        token = login_token(http.get(console.url + "/login", timeout=10).text)
        response = http.post(
            console.url + "/login",
            data={"login_token": token, "name": "ann", "password": "wrong guess"},
            timeout=10,
        )
        assert response.status_code == 401
        assert "do not match" in response.text
    token = login_token(http.get(console.url + "/login", timeout=10).text)
    response = http.post(
        console.url + "/login",
        data={"login_token": token, "name": "ann", "password": PASSWORD},
        timeout=10,
    )
    assert response.status_code == 429 and "wait 15 minutes" in response.text
    assert "fd_console" not in http.cookies
