"""Which events a tenant has active triggers for, kept in the shared cache so that a ticket
change in a tenant without triggers for its event costs no query (the creation of a ticket
keeps its statement budget). Every write of a trigger forgets the tenant's entry, now and
again once the write commits, so no process keeps an old answer past the next read; the
entry also expires after five minutes."""

from django.core.cache import cache
from django.db import transaction

from automations.models import Trigger

TIMEOUT = 300


def _key(tenant_id: int) -> str:
    return f"automations:trigger-events:{tenant_id}"


def events_with_triggers(tenant_id: int) -> frozenset[str]:
    """Precondition: the tenant's scope is active."""
    events = cache.get(_key(tenant_id))
    if events is None:
        active = Trigger.objects.filter(is_active=True).values_list("event", flat=True)
        events = frozenset(active.distinct())
        cache.set(_key(tenant_id), events, TIMEOUT)
    return events


def forget(tenant_id: int) -> None:
    cache.delete(_key(tenant_id))
    transaction.on_commit(lambda: cache.delete(_key(tenant_id)))
