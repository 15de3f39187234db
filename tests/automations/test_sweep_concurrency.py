"""Two automation sweepers at once on PostgreSQL: every due ticket is fired on exactly once.
SQLite serialises writers, so there is no race to prove there."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from django_scopes import scope

from automations import services, sweep
from automations.models import AutomationRun
from tests.concurrency import run_at_once
from tests.tickets.helpers import make_ticket
from tickets.models import Message, MessageKind, Ticket

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: concurrent writers and row locks; SQLite runs one at a time",
    ),
]
TICKETS = 30


def test_two_sweepers_at_once_fire_each_ticket_once(tenant_a):
    with scope(tenant=tenant_a):
        services.automation_create(
            tenant=tenant_a,
            actor=None,
            values={
                "name": "Quiet 72 h",
                "conditions": {
                    "all": [{"field": "hours_since_updated", "operator": "gt", "value": 72}]
                },
                "actions": [{"type": "add_note", "value": "Still there?"}],
            },
        )
        due = [make_ticket(tenant_a, subject=f"Quiet {i}") for i in range(TICKETS)]
        Ticket.objects.update(updated_at=timezone.now() - timedelta(hours=80))

    fired, errors = run_at_once(lambda _i: sweep.sweep(), 2)

    assert errors == []
    assert sum(fired) == TICKETS
    with scope(tenant=tenant_a):
        runs = list(AutomationRun.objects.values_list("ticket_id", flat=True))
        notes = list(
            Message.objects.filter(kind=MessageKind.INTERNAL).values_list("ticket_id", flat=True)
        )
    assert sorted(runs) == sorted(t.pk for t in due)
    assert sorted(notes) == sorted(t.pk for t in due)
