"""Who may send events, and checking that a request comes from them.

``FREIGHTDESK_EVENT_SENDERS`` lists the sending systems, comma-separated, each
``name:format:secret`` (format ``dcsa``, ``cargo_imp`` or ``partner``; the secret at least
24 characters). A request proves it comes from ``name`` by either

- ``Authorization: Bearer <secret>``, or
- ``Notification-Signature: sha256=<hex>``, the HMAC-SHA256 of the raw body keyed with the
  secret (as DCSA's subscription callbacks sign them).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass

FORMATS: tuple[str, ...] = ("dcsa", "cargo_imp", "partner")
MIN_SECRET_LENGTH = 24
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


@dataclass(frozen=True)
class Sender:
    """A sending system: its name (in URLs and receipts), its format and its secret."""

    name: str
    format: str
    secret: str = ""

    def __repr__(self) -> str:  # the secret never reaches a log
        return f"Sender({self.name!r}, {self.format!r})"


def senders_from_env(env: Mapping[str, str]) -> dict[str, Sender]:
    """The configured senders by name.

    Raises:
        ValueError: an entry is malformed, a format unknown or a secret too short.
    """
    senders: dict[str, Sender] = {}
    prefix = "FREIGHTDESK_EVENT_SENDERS"
    for entry in filter(
        None, (e.strip() for e in env.get("FREIGHTDESK_EVENT_SENDERS", "").split(","))
    ):
        parts = entry.split(":", 2)
        if len(parts) != 3:
            raise ValueError("FREIGHTDESK_EVENT_SENDERS: each entry is name:format:secret")
        name, fmt, secret = parts
        if not _NAME.match(name):
            raise ValueError(f"FREIGHTDESK_EVENT_SENDERS: bad sender name {name!r}")
        if fmt not in FORMATS:
            raise ValueError(f"{prefix}: {name}: format {fmt!r} is not one of {', '.join(FORMATS)}")
        if len(secret) < MIN_SECRET_LENGTH:
            raise ValueError(
                f"{prefix}: {name}: secret shorter than {MIN_SECRET_LENGTH} characters"
            )
        senders[name] = Sender(name, fmt, secret)
    return senders


def sign(secret: str, body: bytes) -> str:
    """The ``Notification-Signature`` value for ``body``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def authenticate(sender: Sender, headers: Mapping[str, str], body: bytes) -> str | None:
    """Check a request's token or signature.

    Returns:
        None when it is the sender's; else what is wrong, for the 401 answer.
    """
    signature = headers.get("Notification-Signature")
    if signature:
        if hmac.compare_digest(signature.strip().lower(), sign(sender.secret, body)):
            return None
        return "Notification-Signature does not match the body (HMAC-SHA256 of the raw body)"
    authorization = headers.get("Authorization", "")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() == "bearer" and token:
        if hmac.compare_digest(token.strip().encode(), sender.secret.encode()):
            return None
        return "the bearer token is not this sender's"
    return "send Authorization: Bearer <token> or a Notification-Signature"
