"""Where a request comes from: the client's address through the trusted proxies, and whether it was made on
this machine itself (what the embedded mode's sample sign-in and placeholder secret are limited to)."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from urllib.parse import urlsplit

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
        ip = ipaddress.ip_address(text)
    except ValueError:
        return None
    return ip.ipv4_mapped or ip if isinstance(ip, ipaddress.IPv6Address) else ip


def client_address(request: HTTPConnection, proxies: Sequence[Network] = ()) -> str:
    """The client, as the rate limits count it. A request from a trusted proxy is from the last address in its
    ``X-Forwarded-For`` that is not itself a trusted proxy (the ones before it are the client's to invent);
    from anyone else, the peer, whatever the headers say. An IPv6 client is its /64 (one subscriber's
    network: it can pick any address within it)."""
    peer = request.client.host if request.client else "unknown"
    address = _ip(peer)
    if address is None or not any(address in net for net in proxies):
        return _counted(address) if address is not None else peer
    hops = [h for h in ",".join(request.headers.getlist("x-forwarded-for")).split(",") if h.strip()]
    for hop in reversed(hops):
        ip = _ip(hop)
        if ip is None:
            return _counted(address)  # a hop we cannot read: do not guess past it
        if not any(ip in net for net in proxies):
            return _counted(ip)
    return _counted(address)


def _counted(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    return str(ipaddress.ip_network(f"{ip}/64", strict=False)) if ip.version == 6 else str(ip)


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
    """Made on this machine and not forwarded: the peer is loopback, the Host names loopback, no proxy header
    is present (a reverse proxy on the same host forwards the world's requests from 127.0.0.1), and a browser's
    ``Origin``, when there is one, is this machine too (a proxy that adds no header still passes the page's
    origin on)."""
    peer = _ip(request.client.host) if request.client else None
    if peer is None or not peer.is_loopback:
        return False
    if not _loopback_host(request.headers.get("host", "")):
        return False
    origin = request.headers.get("origin")
    if origin is not None and not _loopback_host(urlsplit(origin).netloc):
        return False
    return not any(h in request.headers for h in FORWARDING)
