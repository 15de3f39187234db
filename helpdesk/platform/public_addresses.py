"""Is this address public? The one rule for every connection the desk makes on a tenant's
behalf (webhook deliveries, the tenant's IMAP mailbox): a tenant must not make the server
reach loopback, a private network, link-local (the cloud metadata service at
169.254.169.254), reserved or multicast addresses.

IPv6 has forms that carry an IPv4 address and reach it through a translator or a tunnel;
for those the embedded IPv4 address must pass the IPv4 rule:

* IPv4-mapped ``::ffff:a.b.c.d`` and the deprecated IPv4-compatible ``::a.b.c.d``;
* NAT64 ``64:ff9b::/96`` (RFC 6052: the last 32 bits);
* 6to4 ``2002::/16`` (bits 16–47).

Refused whatever they carry: the local-use NAT64 prefix ``64:ff9b:1::/48`` (RFC 8215: a
site's own translator, its embedding varies) and Teredo ``2001::/32`` (not globally
reachable; the server and client it carries are not both checkable destinations).
"""

import ipaddress
import socket

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

NAT64 = ipaddress.ip_network("64:ff9b::/96")
LOCAL_NAT64 = ipaddress.ip_network("64:ff9b:1::/48")
TEREDO = ipaddress.ip_network("2001::/32")
IPV4_COMPATIBLE = ipaddress.ip_network("::/96")


def is_public_address(address: str) -> bool:
    """True when ``address`` (an IP literal, IPv6 zone allowed) may be connected to."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if ip.version == 6:
        if ip in LOCAL_NAT64 or ip in TEREDO:
            return False
        embedded = embedded_ipv4(ip)
        if embedded is not None:
            ip = embedded
    return ip.is_global and not ip.is_multicast


def embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address reaches through mapping, NAT64 or 6to4; else None."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in NAT64 or (ip in IPV4_COMPATIBLE and int(ip) > 1):  # not :: and ::1
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to, in the resolver's order, without repeats.
    ``OSError`` (or ``UnicodeError``/``ValueError`` for a malformed name) when it does not."""
    found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(info[4][0] for info in found))


def all_public(addresses: list[str]) -> bool:
    return bool(addresses) and all(map(is_public_address, addresses))


class HostRefused(ValueError):
    """The host does not resolve (``resolved`` False) or reaches a non-public address."""

    def __init__(self, host: str, *, resolved: bool):
        super().__init__(host)
        self.resolved = resolved


def connectable_addresses(host: str, port: int, *, allow_private: bool) -> list[str]:
    """The addresses to connect to for ``host``: all of them public unless ``allow_private``
    (development and tests). Connect to one of these, never to the name again: a second
    lookup could answer differently (DNS rebinding). ``HostRefused`` otherwise."""
    try:
        addresses = resolve(host, port)
    except (OSError, UnicodeError, ValueError):
        raise HostRefused(host, resolved=False) from None
    if not addresses or not (allow_private or all_public(addresses)):
        raise HostRefused(host, resolved=bool(addresses))
    return addresses


def has_line_break_or_nul(text: str) -> bool:
    """CR, LF or NUL: what ends or cuts a line-based protocol's command (IMAP, SMTP)."""
    return any(character in text for character in "\r\n\x00")
