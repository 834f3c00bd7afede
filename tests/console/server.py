"""The agent console served on a free loopback port in a background thread, and a
signed-in HTTP client for it; used by the console tests and the end-to-end tests."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import requests

from bot.console.app import create_app
from bot.console.config import ConsoleConfig
from tests.support.threaded_app import ThreadedApp


@dataclass
class ConsoleServer:
    """The console app running in its own event loop thread."""

    config: ConsoleConfig
    port: int = 0
    _server: ThreadedApp | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ConsoleServer:
        self._server = ThreadedApp(lambda: create_app(self.config), "console", access_log=False)
        self._server.start()
        self.port = self._server.port
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None


def login_token(html: str) -> str:
    match = re.search(r'name="login_token" value="([^"]+)"', html)
    assert match, "the sign-in page has no login token"
    return match.group(1)


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf-token" content="([^"]+)"', html)
    assert match and match.group(1), "the page has no CSRF token"
    return match.group(1)


def sign_in(base_url: str, name: str, password: str) -> requests.Session:
    """A requests session signed in to the console (asserts it worked)."""
    http = requests.Session()
    page = http.get(f"{base_url}/login", timeout=10)
    response = http.post(
        f"{base_url}/login",
        data={"login_token": login_token(page.text), "name": name, "password": password},
        timeout=10,
        allow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return http


def page_csrf(http: requests.Session, url: str) -> str:
    response = http.get(url, timeout=10)
    assert response.status_code == 200, response.text
    return csrf_token(response.text)
