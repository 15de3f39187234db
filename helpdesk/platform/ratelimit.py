"""A per-client-address hourly limit for the public portal, counted in the shared cache.

Fixed one-hour windows: simple, and at most twice the limit across a window boundary, which is
enough to stop the form being used to mail-bomb someone. The client address is REMOTE_ADDR;
behind the reverse proxy, ``helpdesk.platform.proxy`` sets it from the proxy's X-Forwarded-For.
"""

import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

WINDOW_SECONDS = 3600


def client_address(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def hit(request: HttpRequest, bucket: str) -> bool:
    """Count one use of ``bucket`` by this client; True if it is over the hourly limit."""
    window = int(time.time() // WINDOW_SECONDS)
    key = f"portal-rate:{bucket}:{client_address(request)}:{window}"
    cache.add(key, 0, timeout=WINDOW_SECONDS + 60)
    try:
        count = cache.incr(key)
    except ValueError:  # the key expired between add and incr
        cache.set(key, 1, timeout=WINDOW_SECONDS + 60)
        count = 1
    return count > settings.HELPDESK_PORTAL_RATE_PER_HOUR
