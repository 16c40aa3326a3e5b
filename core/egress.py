"""Where Whistle may send a request on its own (webhooks): https to public addresses, or http and https to the
private networks a deployment names for its on-premises systems — never loopback, link-local (cloud metadata),
or the rest of the private network. The address is checked when it is resolved, at delivery, and the request
goes to the address that was checked (a name that resolves elsewhere a second later gains nothing)."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class Refused(ValueError):
    """A URL or address Whistle will not send to; ``kind`` is what a caller may be told."""

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(detail)
        self.kind = kind


@dataclass(frozen=True)
class Target:
    """A checked destination: connect to ``address``, but speak to ``host`` (Host header, TLS name)."""

    scheme: str
    host: str
    port: int
    address: Address
    path: str

    @property
    def pinned_url(self) -> str:
        ip = f"[{self.address}]" if self.address.version == 6 else str(self.address)
        return f"{self.scheme}://{ip}:{self.port}{self.path}"

    @property
    def host_header(self) -> str:
        default = 443 if self.scheme == "https" else 80
        host = f"[{self.host}]" if ":" in self.host else self.host  # an IPv6 literal
        return host if self.port == default else f"{host}:{self.port}"


def networks(spec: str) -> tuple[Network, ...]:
    """``10.20.0.0/16, 192.168.7.4``: each an address or a network (ValueError names the bad one)."""
    out = []
    for part in (p.strip() for p in spec.split(",")):
        if part:
            try:
                out.append(ipaddress.ip_network(part, strict=False))
            except ValueError:
                raise ValueError(f"{part!r} is not an address or network (10.0.0.5, 10.0.0.0/24)") from None
    return tuple(out)


def _literal(host: str) -> Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


#: IPv6 prefixes that carry an IPv4 address in their last 32 bits (NAT64, the old IPv4-compatible form)
_EMBEDDING = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"),
              ipaddress.ip_network("::/96"))


def _embedded_v4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if any(address in net for net in _EMBEDDING):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def allowed(address: Address, scheme: str, private: Sequence[Network]) -> bool:
    """A named private network may be reached over http or https; anything else only over https, and only if
    it is a public (globally routable) address — an IPv6 address that carries an IPv4 one (mapped, 6to4,
    Teredo, NAT64) is judged by the IPv4 address it reaches."""
    if isinstance(address, ipaddress.IPv6Address):
        inner = _embedded_v4(address)
        if inner is not None and address.ipv4_mapped is not None:
            return allowed(inner, scheme, private)  # ::ffff:a.b.c.d is a.b.c.d
        if inner is not None and not allowed(inner, scheme, private):
            return False
    if any(address in net for net in private):
        return True
    return scheme == "https" and address.is_global and not address.is_multicast


def check_url(url: str, private: Sequence[Network]) -> tuple[str, str, int, str]:
    """The scheme, host, port and path of a URL Whistle may be asked to post to (before any name is resolved),
    or :class:`Refused` saying why not."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise Refused("scheme-not-allowed", "the URL must be https")
    if parts.username or parts.password:
        raise Refused("credentials-in-url", "the URL must not carry a user name or password")
    host = (parts.hostname or "").lower()
    if not host:
        raise Refused("no-host", "the URL names no host")
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError:
        raise Refused("bad-port", "the URL's port is not a number from 1 to 65535") from None
    literal = _literal(host)
    if literal is not None and not allowed(literal, scheme, private):
        raise Refused("address-not-allowed", "the URL's address is not a public one (loopback, private, link-local "
                      "and reserved addresses are refused, except the networks the deployment names)")
    if literal is None and (host == "localhost" or host.endswith((".localhost", ".local", ".internal"))):
        raise Refused("address-not-allowed", "the URL names this machine or the local network")
    if scheme == "http" and literal is None and not private:
        raise Refused("scheme-not-allowed", "the URL must be https")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return scheme, host, port, path


def resolve(url: str, private: Sequence[Network]) -> Target:
    """Resolve the URL's host now and pick an address Whistle may reach; every address it resolves to must be
    allowed (a name that also points inside is refused whole)."""
    scheme, host, port, path = check_url(url, private)
    literal = _literal(host)
    if literal is not None:
        return Target(scheme, host, port, literal, path)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise Refused("dns-failed", f"the host {host!r} did not resolve") from None
    addresses = [ipaddress.ip_address(info[4][0]) for info in infos]
    if not addresses:
        raise Refused("dns-failed", f"the host {host!r} did not resolve")
    if not all(allowed(a, scheme, private) for a in addresses):
        raise Refused("address-not-allowed", f"{host} resolves to an address Whistle does not send to")
    return Target(scheme, host, port, addresses[0], path)
