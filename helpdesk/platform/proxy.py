"""Forwarded headers count only when they come from the reverse proxy.

Behind nginx (docker-compose.yml, docker/nginx.conf) every request reaches the app from the
proxy's address; the client's address and scheme arrive in ``X-Forwarded-For`` and
``X-Forwarded-Proto``, which nginx sets itself (it replaces whatever the client sent). From any
other peer those headers are the client's own words: anyone who could reach the app server
directly could pick the address that rate limits and login lockouts count
(``helpdesk.platform.ratelimit``, django-axes) or claim HTTPS (``SECURE_PROXY_SSL_HEADER``).

``TrustedProxyMiddleware`` comes first. When ``REMOTE_ADDR`` is one of
``HELPDESK_TRUSTED_PROXIES`` (addresses or networks), ``REMOTE_ADDR`` becomes the right-most
address of ``X-Forwarded-For`` — the one the proxy added. From every other peer both headers
are dropped. With no trusted proxy configured (``make run``) they are always dropped.
"""

import ipaddress
from functools import lru_cache

from django.conf import settings

FORWARDED_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO")


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry)


def is_trusted_proxy(address: str) -> bool:
    try:
        peer = ipaddress.ip_address(address)
    except ValueError:
        return False
    networks = _networks(tuple(settings.HELPDESK_TRUSTED_PROXIES))
    return any(peer in network for network in networks)


def forwarded_client(value: str) -> str | None:
    """The right-most valid address of an ``X-Forwarded-For`` value."""
    candidate = value.rsplit(",", 1)[-1].strip()
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return None


class TrustedProxyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        meta = request.META
        if is_trusted_proxy(meta.get("REMOTE_ADDR", "")):
            client = forwarded_client(meta.get("HTTP_X_FORWARDED_FOR", ""))
            if client is not None:
                meta["REMOTE_ADDR"] = client
        else:
            for header in FORWARDED_HEADERS:
                meta.pop(header, None)
        return self.get_response(request)
