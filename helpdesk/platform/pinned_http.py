"""HTTP and HTTPS to an address that was checked, never to a second DNS answer.

A URL given by a tenant (a webhook, a single sign-on issuer) is resolved once and every
address checked (``helpdesk.platform.public_addresses``); connecting by name afterwards would
resolve again, and a DNS server that answers a public address first and a private one next
(DNS rebinding) would steer the request inside. These connections open the socket to the
checked address; TLS still verifies the certificate against the URL's host name (SNI).
"""

import http.client
import json
import socket
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

REPLY_LIMIT_BYTES = 1024 * 1024


class PinnedHTTPConnection(http.client.HTTPConnection):
    pinned_address = ""

    def connect(self):
        self.sock = socket.create_connection((self.pinned_address, self.port), self.timeout)


class PinnedHTTPSConnection(http.client.HTTPSConnection):
    pinned_address = ""

    def connect(self):
        sock = socket.create_connection((self.pinned_address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def pinned_connection(
    parts: SplitResult, address: str, *, timeout: float
) -> http.client.HTTPConnection:
    """A connection to ``address`` for the URL ``parts`` (host header and SNI from the URL)."""
    host = parts.netloc.rsplit("@", 1)[-1]
    connection_class = PinnedHTTPSConnection if parts.scheme == "https" else PinnedHTTPConnection
    connection = connection_class(host, timeout=timeout)
    connection.pinned_address = address
    return connection


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes

    def json(self):
        """The body as JSON; ``ValueError`` when it is not."""
        return json.loads(self.body)


def pinned_request(
    method: str,
    url: str,
    address: str,
    *,
    timeout: float,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> Reply:
    """One request to ``url`` over a connection to ``address``; the reply's body is read up to
    ``REPLY_LIMIT_BYTES`` (a longer one is an ``OSError``). Network errors raise ``OSError``
    or ``http.client.HTTPException``."""
    parts = urlsplit(url)
    connection = pinned_connection(parts, address, timeout=timeout)
    try:
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        content = response.read(REPLY_LIMIT_BYTES + 1)
        if len(content) > REPLY_LIMIT_BYTES:
            raise OSError(f"reply longer than {REPLY_LIMIT_BYTES} bytes")
        return Reply(status=response.status, body=content)
    finally:
        connection.close()
