"""Hourly limits counted in the shared cache: per client address for the public portal, and
per client address or per e-mail address for sign-up and password reset.

Fixed one-hour windows: simple, and at most twice the limit across a window boundary, which is
enough to stop the form being used to mail-bomb someone. The client address is REMOTE_ADDR;
behind the reverse proxy, ``helpdesk.platform.proxy`` sets it from the proxy's X-Forwarded-For.
"""

import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

WINDOW_SECONDS = 3600


def client_address(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def hit(request: HttpRequest, bucket: str) -> bool:
    """Count one use of ``bucket`` by this client; True if it is over the hourly limit."""
    return over_limit(
        bucket=bucket, ident=client_address(request), limit=settings.HELPDESK_PORTAL_RATE_PER_HOUR
    )


def email_ident(email: str) -> str:
    """One budget per mailbox however the address is typed; hashed, so no address is stored
    in the cache and no character of it can break a cache key."""
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


def over_limit(*, bucket: str, ident: str, limit: int) -> bool:
    """Count one use of ``bucket`` by ``ident``; True if it is over ``limit`` this hour."""
    window = int(time.time() // WINDOW_SECONDS)
    key = f"portal-rate:{bucket}:{ident}:{window}"
    cache.add(key, 0, timeout=WINDOW_SECONDS + 60)
    try:
        count = cache.incr(key)
    except ValueError:  # the key expired between add and incr
        cache.set(key, 1, timeout=WINDOW_SECONDS + 60)
        count = 1
    return count > limit
