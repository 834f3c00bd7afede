"""A real SMTP server on loopback that keeps what it receives, for tests.

Python 3.10's standard ``smtpd`` (no new dependency; aiosmtpd is not in the venv) run in
a thread: the code under test speaks real SMTP to it over TCP, and the test reads the
messages it received.
"""

from __future__ import annotations

import re
import socket
import threading
import time
import warnings
from email import message_from_bytes
from email.message import Message
from typing import Any

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import asyncore
    import smtpd


class _Server(smtpd.SMTPServer):
    def __init__(self, mailbox: Mailbox, address: tuple[str, int]) -> None:
        self.mailbox = mailbox
        super().__init__(address, None, decode_data=False)

    def process_message(
        self, peer: Any, mailfrom: str, rcpttos: list[str], data: bytes, **kwargs: Any
    ) -> None:
        with self.mailbox.lock:
            self.mailbox.messages.append((list(rcpttos), message_from_bytes(data)))


class Mailbox:
    """An SMTP server on 127.0.0.1 (plain, no TLS, no login) and the mail it received."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.messages: list[tuple[list[str], Message]] = []
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = int(probe.getsockname()[1])
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> Mailbox:
        """Start listening."""
        self._server = _Server(self, ("127.0.0.1", self.port))
        self._thread = threading.Thread(
            target=asyncore.loop, kwargs={"timeout": 0.1, "use_poll": True}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening."""
        if self._server is not None:
            self._server.close()
        asyncore.close_all()
        if self._thread is not None:
            self._thread.join(timeout=5)

    @property
    def env(self) -> dict[str, str]:
        """The settings that make Freight Desk send its mail here."""
        return {
            "FREIGHTDESK_SMTP_HOST": "127.0.0.1",
            "FREIGHTDESK_SMTP_PORT": str(self.port),
            "FREIGHTDESK_SMTP_TLS": "none",
            "FREIGHTDESK_SMTP_FROM": "Freight Desk <desk@freightdesk.test>",
        }

    def to(self, address: str) -> list[Message]:
        """The messages received for ``address`` so far."""
        with self.lock:
            return [m for rcpt, m in self.messages if address.lower() in (r.lower() for r in rcpt)]

    def wait_for(self, address: str, count: int = 1, timeout: float = 30.0) -> list[Message]:
        """Wait until ``count`` messages for ``address`` have arrived; return them all."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.to(address)
            if len(found) >= count:
                return found
            time.sleep(0.1)
        raise AssertionError(f"no mail for {address} within {timeout} s")


def code_in(message: Message) -> str:
    """The 6-digit code in a received message's text."""
    body = message.get_payload(decode=True)
    assert isinstance(body, bytes)
    match = re.search(r"\bcode is (\d{6})\b", body.decode())
    assert match, body
    return match.group(1)
