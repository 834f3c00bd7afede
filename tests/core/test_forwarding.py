"""The client address behind our proxy: believed from the trusted proxy only."""

from __future__ import annotations

import pytest

from bot.core.forwarding import TRUSTED_PROXIES_ENV, client_address, trusted_proxies
from bot.core.settings import SettingsError

PROXY = trusted_proxies({TRUSTED_PROXIES_ENV: "127.0.0.1, 10.0.0.0/8"})


@pytest.mark.parametrize(
    ("peer", "headers", "expected"),
    [
        # Through the proxy: the address it added (the right-most) is the client.
        ("127.0.0.1", ["203.0.113.9"], "203.0.113.9"),
        ("10.2.3.4", ["198.51.100.1, 203.0.113.9"], "203.0.113.9"),
        ("127.0.0.1", ["198.51.100.1", "203.0.113.9"], "203.0.113.9"),
        ("::ffff:127.0.0.1", ["2001:db8::1"], "2001:db8::1"),
        # Anyone else: their own address, whatever header they send.
        ("192.0.2.5", ["127.0.0.1"], "192.0.2.5"),
        ("127.0.0.2", ["10.0.0.1"], "127.0.0.2"),
        # A proxy that forwarded nothing usable: the proxy's own address.
        ("127.0.0.1", [], "127.0.0.1"),
        ("127.0.0.1", ["not-an-address"], "127.0.0.1"),
    ],
)
def test_client_address(peer: str, headers: list[str], expected: str) -> None:
    assert client_address(peer, headers, PROXY) == expected


def test_no_proxy_is_trusted_by_default() -> None:
    assert trusted_proxies({}) == ()
    assert client_address("127.0.0.1", ["203.0.113.9"], ()) == "127.0.0.1"


def test_a_malformed_setting_is_refused_with_its_name() -> None:
    with pytest.raises(SettingsError, match=TRUSTED_PROXIES_ENV):
        trusted_proxies({TRUSTED_PROXIES_ENV: "127.0.0.1,proxy.example"})
