"""What the engine reads: an event's triggers once per chain and, once read, from the process's
copy until a trigger is written; a definition changed by a plain UPDATE (no service) runs as
changed once the tenant's cached entry is gone (at the latest after five minutes)."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scope

from automations.models import Trigger, TriggerFiring
from tests.automations.helpers import make_trigger, when
from tests.tickets.helpers import make_ticket

pytestmark = pytest.mark.django_db


def _trigger_reads(queries) -> int:
    return sum(
        q["sql"].startswith("SELECT") and 'FROM "automations_trigger"' in q["sql"] for q in queries
    )


def tags(ticket) -> list[str]:
    return sorted(ticket.tags.values_list("name", flat=True))


def test_the_triggers_of_an_event_are_read_once_in_a_chain(tenant_a):
    with scope(tenant=tenant_a):
        make_trigger(tenant_a, name="raise", actions=[{"type": "set_priority", "value": "high"}])
        make_trigger(
            tenant_a,
            name="hot",
            event="ticket.updated",
            position=1,
            conditions=when("priority", "is", "high"),
            actions=[{"type": "add_tags", "value": ["hot"]}],
        )
        make_trigger(
            tenant_a,
            name="seen",
            event="ticket.updated",
            position=2,
            conditions=when("tags", "contains_any", ["hot"]),
            actions=[{"type": "add_tags", "value": ["seen"]}],
        )
        with CaptureQueriesContext(connection) as captured:
            ticket = make_ticket(tenant_a)
        fired = list(TriggerFiring.objects.order_by("pk").values_list("trigger__name", flat=True))

        # created → raise; its priority change → hot; hot's tag → seen; seen's tag → nothing
        # new. Four runs in the chain, two events: two reads, and one of which events the
        # tenant has triggers for (kept in the cache after it); the next chain reads none.
        assert fired == ["raise", "hot", "seen"]
        assert tags(ticket) == ["hot", "seen"]
        assert _trigger_reads(captured.captured_queries) == 3
        with CaptureQueriesContext(connection) as again:
            make_ticket(tenant_a)
        assert _trigger_reads(again.captured_queries) == 0


def test_a_definition_changed_by_a_plain_update_runs_as_changed(tenant_a):
    with scope(tenant=tenant_a):
        trigger = make_trigger(
            tenant_a,
            conditions=when("subject", "contains", "E4"),
            actions=[{"type": "add_tags", "value": ["e4"]}],
        )
        assert tags(make_ticket(tenant_a, subject="Error E4")) == ["e4"]
        Trigger.objects.filter(pk=trigger.pk).update(
            conditions=when("subject", "contains", "E5"),
            actions=[{"type": "add_tags", "value": ["e5"]}],
        )
        # Unseen while the tenant's entry lives (five minutes at most) …
        assert tags(make_ticket(tenant_a, subject="Error E4")) == ["e4"]
        cache.delete(f"automations:trigger-events:{tenant_a.pk}")  # … as when it expires
        assert tags(make_ticket(tenant_a, subject="Error E4")) == []
        assert tags(make_ticket(tenant_a, subject="Error E5")) == ["e5"]
        Trigger.objects.filter(pk=trigger.pk).update(is_active=False)
        cache.delete(f"automations:trigger-events:{tenant_a.pk}")
        assert tags(make_ticket(tenant_a, subject="Error E5")) == []
