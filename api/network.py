"""Where a request comes from: the client's address through the trusted proxies, and whether it was made on
this machine itself (what the embedded mode's sample sign-in and placeholder secret are limited to)."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from starlette.requests import HTTPConnection

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

#: the headers by which a proxy says whom it forwards for; any one of them means "not from this machine"
FORWARDING = ("forwarded", "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "x-real-ip", "via")


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip().strip('"')
    if text.startswith("["):  # [v6]:port
        text = text[1:text.find("]")] if "]" in text else text[1:]
    elif text.count(":") == 1:  # v4:port
        text = text.split(":")[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def client_address(request: HTTPConnection, proxies: Sequence[Network] = ()) -> str:
    """The client's address. A request from a trusted proxy is from the last address in its
    ``X-Forwarded-For`` that is not itself a trusted proxy (the ones before it are the client's to invent);
    from anyone else, the peer, whatever the headers say."""
    peer = request.client.host if request.client else "unknown"
    address = _ip(peer)
    if address is None or not any(address in net for net in proxies):
        return peer
    hops = [h for h in ",".join(request.headers.getlist("x-forwarded-for")).split(",") if h.strip()]
    for hop in reversed(hops):
        ip = _ip(hop)
        if ip is None:
            return peer  # a hop we cannot read: do not guess past it
        if not any(ip in net for net in proxies):
            return str(ip)
    return peer


def _loopback_host(host: str) -> bool:
    name = host.strip().lower()
    if name.startswith("["):
        name = name[1:name.find("]")] if "]" in name else name[1:]
    elif name.count(":") == 1:
        name = name.split(":")[0]
    if name == "localhost":
        return True
    ip = _ip(name)
    return ip is not None and ip.is_loopback


def from_this_machine(request: HTTPConnection) -> bool:
    """Made on this machine and not forwarded: the peer is loopback, the Host names loopback, and no proxy
    header is present (a reverse proxy on the same host forwards the world's requests from 127.0.0.1)."""
    peer = _ip(request.client.host) if request.client else None
    if peer is None or not peer.is_loopback:
        return False
    if not _loopback_host(request.headers.get("host", "")):
        return False
    return not any(h in request.headers for h in FORWARDING)
