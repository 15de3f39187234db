"""Reads that every page makes, kept in the shared cache (``HELPDESK_CACHE_URL``) between
requests, and dropped the moment a row they come from changes.

A cache is an optimisation here, never a source of truth: when it cannot be reached, a read
falls back to the database and a write or a drop is logged and skipped. The entries also
expire after ``TIMEOUT_SECONDS``, which bounds how long a drop that failed while the cache
was unreachable can leave an old value behind.
"""

import logging
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache
from django.db import transaction

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 300
T = TypeVar("T")


def remembered(key: str, load: Callable[[], T | None]) -> T | None:
    """The cached value of ``key``, else ``load()`` (cached unless it is ``None``)."""
    try:
        value = cache.get(key)
    except Exception:  # any backend's connection error: serve from the database
        logger.warning("shared cache unreachable; reading %s from the database", key)
        return load()
    if value is None:
        value = load()
        if value is not None:
            try:
                cache.set(key, value, TIMEOUT_SECONDS)
            except Exception:
                logger.warning("shared cache unreachable; %s not cached", key)
    return value


def forget(*keys: str) -> None:
    """Drop cached values after a change to what they were read from (a ``post_save`` or
    ``post_delete`` receiver): now, and again once the change is committed, since a request
    reading between the two would still see the old row and cache it again."""
    _drop(keys)
    transaction.on_commit(lambda: _drop(keys))


def _drop(keys: tuple[str, ...]) -> None:
    try:
        cache.delete_many(keys)
    except Exception:
        logger.warning("shared cache unreachable; %s not dropped", ", ".join(keys))
