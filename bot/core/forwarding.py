"""The real client address of a request that came through our proxy (HAProxy).

In the production profile HAProxy (bot/ops/haproxy.py) stands in front of the Rasa
replicas and the console, so every connection those servers see comes from the proxy.
HAProxy removes any ``X-Forwarded-For`` the client sent and adds one naming the address
the connection came from. That header is believed only when the connection itself comes
from an address listed in ``FREIGHTDESK_TRUSTED_PROXIES`` (addresses or networks, comma
separated; empty by default: no proxy trusted, the peer address is the client). A client
that talks to a server directly cannot choose its address by sending the header.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping

from bot.core.settings import SettingsError

TRUSTED_PROXIES_ENV = "FREIGHTDESK_TRUSTED_PROXIES"
FORWARDED_FOR_HEADER = "X-Forwarded-For"

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        ip = ipaddress.ip_address(text.strip().strip("[]").split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def trusted_proxies(environ: Mapping[str, str]) -> tuple[Network, ...]:
    """The networks whose ``X-Forwarded-For`` is believed (``FREIGHTDESK_TRUSTED_PROXIES``).

    Raises:
        SettingsError: an entry is not an address or CIDR block.
    """
    networks: list[Network] = []
    for part in environ.get(TRUSTED_PROXIES_ENV, "").split(","):
        if not part.strip():
            continue
        try:
            networks.append(ipaddress.ip_network(part.strip(), strict=False))
        except ValueError as exc:
            raise SettingsError(
                f"{TRUSTED_PROXIES_ENV} must list addresses or networks such as 127.0.0.1 "
                f"or 10.0.0.0/8, separated by commas; {part.strip()!r} is not one."
            ) from exc
    return tuple(networks)


def client_address(peer: str, forwarded_for: Iterable[str], proxies: tuple[Network, ...]) -> str:
    """The client's address: the proxy's ``X-Forwarded-For`` when ``peer`` is a trusted
    proxy, else ``peer`` itself.

    Args:
        peer: the address the connection came from.
        forwarded_for: every ``X-Forwarded-For`` header value, in order.
        proxies: trusted proxy networks (:func:`trusted_proxies`).

    Returns:
        The right-most address of the header (the one our proxy added) when ``peer`` is
        trusted and that address is well formed; otherwise ``peer``.
    """
    peer_ip = _ip(peer)
    if peer_ip is None or not any(
        peer_ip.version == net.version and peer_ip in net for net in proxies
    ):
        return peer
    hops = [hop for value in forwarded_for for hop in value.split(",") if hop.strip()]
    if not hops:
        return peer
    forwarded = _ip(hops[-1])
    return str(forwarded) if forwarded is not None else peer
