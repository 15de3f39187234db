"""What a tenant's triggers are, known without reading them on every ticket change.

The shared cache keeps, per tenant, which events have active triggers and a version token
that is new each time that entry is worked out again: a ticket change in a tenant without
triggers for its event costs no query (the creation of a ticket keeps its statement budget),
and each process keeps the triggers it has read under their tenant and version, so a chain
reads them from the database only the first time after a change. Every write of a trigger
forgets the tenant's entry, now and again once the write commits, so no process keeps an old
answer past its next read; the entry also expires after five minutes, the longest a write
made outside the services (a bulk UPDATE in a shell) can go unseen.
"""

import uuid
from collections import OrderedDict
from collections.abc import Callable
from threading import Lock

from django.core.cache import cache
from django.db import transaction

from automations.models import Trigger

TIMEOUT = 300
KEPT = 512  # (tenant, version, event) lists kept per process, the least recently used go


def _key(tenant_id: int) -> str:
    return f"automations:trigger-events:{tenant_id}"


def entry(tenant_id: int) -> tuple[frozenset[str], str]:
    """(the events with active triggers, the version). Precondition: the tenant's scope."""
    known = cache.get(_key(tenant_id))
    if known is None:
        active = Trigger.objects.filter(is_active=True).values_list("event", flat=True)
        known = (frozenset(active.distinct()), uuid.uuid4().hex)
        cache.set(_key(tenant_id), known, TIMEOUT)
    return known


def events_with_triggers(tenant_id: int) -> frozenset[str]:
    return entry(tenant_id)[0]


def forget(tenant_id: int) -> None:
    cache.delete(_key(tenant_id))
    transaction.on_commit(lambda: cache.delete(_key(tenant_id)))


_lists: OrderedDict[tuple[int, str, str], list] = OrderedDict()
_lists_lock = Lock()


def triggers_of(tenant_id: int, version: str, event: str, load: Callable[[], list]) -> list:
    """The tenant's triggers of ``event`` at ``version``: ``load()``'s list, kept in this
    process. The list is shared: nothing may change it or its triggers."""
    key = (tenant_id, version, event)
    with _lists_lock:
        if key in _lists:
            _lists.move_to_end(key)
            return _lists[key]
    triggers = load()
    with _lists_lock:
        _lists[key] = triggers
        while len(_lists) > KEPT:
            _lists.popitem(last=False)
    return triggers
