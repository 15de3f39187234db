"""Time-based automations: what the sweep selects, once per ticket and cycle, the API's
refusal of an automation without a time condition."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_scopes import scope

from automations import services, sweep
from automations.models import AutomationRun
from tests.tickets.helpers import make_ticket
from tickets import services as tickets
from tickets.models import Message, MessageKind, Ticket, TicketEvent

pytestmark = pytest.mark.django_db
URL = "/api/v1/automations/"

PENDING_72H = {
    "name": "Pending 72 h",
    "conditions": {
        "all": [
            {"field": "status", "operator": "is", "value": "pending"},
            {"field": "hours_since_updated", "operator": "gt", "value": 72},
        ]
    },
    "actions": [{"type": "add_note", "value": "Reminder sent."}],
}


def aged(ticket: Ticket, hours: float, **columns) -> Ticket:
    then = timezone.now() - timedelta(hours=hours)
    Ticket.objects.filter(pk=ticket.pk).update(updated_at=then, **columns)
    ticket.refresh_from_db()
    return ticket


def notes(ticket) -> int:
    return Message.objects.filter(ticket=ticket, kind=MessageKind.INTERNAL).count()


def test_it_fires_on_the_tickets_its_conditions_select_once_per_cycle(tenant_a):
    with scope(tenant=tenant_a):
        services.automation_create(tenant=tenant_a, actor=None, values=PENDING_72H)
        old_pending = make_ticket(tenant_a)
        tickets.ticket_change_status(ticket=old_pending, actor=None, status="pending")
        aged(old_pending, 80)
        young_pending = make_ticket(tenant_a)
        tickets.ticket_change_status(ticket=young_pending, actor=None, status="pending")
        aged(young_pending, 10)
        old_open = make_ticket(tenant_a)
        aged(old_open, 100)

    first = sweep.sweep()
    with scope(tenant=tenant_a):
        counts = [notes(t) for t in (old_pending, young_pending, old_open)]
        named = TicketEvent.objects.filter(
            ticket=old_pending, actor_label="Automation 'Pending 72 h'", action="automation_fired"
        ).count()
    # 100 h on, the young one is due too; the old one is not fired on twice.
    again = sweep.sweep(now=timezone.now() + timedelta(hours=100))
    with scope(tenant=tenant_a):
        after = [notes(t) for t in (old_pending, young_pending, old_open)]
        # Resolved, reopened by the customer, pending and quiet again: a new cycle.
        tickets.ticket_change_status(ticket=old_pending, actor=None, status="resolved")
        tickets.ticket_customer_reply(ticket=old_pending, customer=old_pending.customer, body="?")
        tickets.ticket_change_status(ticket=old_pending, actor=None, status="pending")
        old_pending = aged(old_pending, 80)
    later = sweep.sweep()
    with scope(tenant=tenant_a):
        runs = sorted(AutomationRun.objects.values_list("ticket_id", "cycle"))
        final = notes(old_pending)

    assert first == 1 and counts == [1, 0, 0] and named == 1
    assert again == 1 and after == [1, 1, 0]
    assert old_pending.reopened_count == 1
    assert later == 1 and final == 2
    assert runs == sorted([(old_pending.pk, 0), (old_pending.pk, 1), (young_pending.pk, 0)])


def test_the_customers_last_message_counts_from_the_request_when_there_is_no_reply(tenant_a):
    with scope(tenant=tenant_a):
        services.automation_create(
            tenant=tenant_a,
            actor=None,
            values={
                "name": "Silent customer",
                "conditions": {
                    "all": [
                        {"field": "hours_since_customer_message", "operator": "gte", "value": 48}
                    ]
                },
                "actions": [{"type": "add_tags", "value": ["silent"]}],
            },
        )
        never_replied = make_ticket(tenant_a)
        Ticket.objects.filter(pk=never_replied.pk).update(
            created_at=timezone.now() - timedelta(hours=50)
        )
        replied_lately = make_ticket(tenant_a)
        Ticket.objects.filter(pk=replied_lately.pk).update(
            created_at=timezone.now() - timedelta(hours=50),
            last_customer_reply_at=timezone.now() - timedelta(hours=1),
        )
    assert sweep.sweep() == 1
    with scope(tenant=tenant_a):
        assert list(never_replied.tags.values_list("name", flat=True)) == ["silent"]
        assert not replied_lately.tags.exists()


def test_the_api_refuses_an_automation_without_a_time_condition(api_a, tenant_a):
    untimed = {**PENDING_72H, "conditions": {"all": [PENDING_72H["conditions"]["all"][0]]}}
    refused = api_a.post(URL, untimed, content_type="application/json")
    made = api_a.post(URL, PENDING_72H, content_type="application/json")
    assert refused.status_code == 400 and "conditions.all" in refused.json()
    assert made.status_code == 201 and made.json()["conditions"]["all"][1]["value"] == 72
    assert api_a.get(f"{URL}{made.json()['id']}/").status_code == 200


def test_agents_get_404_on_automations(api_a, agent_api_a):
    made = api_a.post(URL, PENDING_72H, content_type="application/json").json()
    assert agent_api_a.get(f"{URL}{made['id']}/").status_code == 404
    assert agent_api_a.post(URL, PENDING_72H, content_type="application/json").status_code == 404
