"""Creating a ticket: the statements one creation costs, and that what it no longer reads or
writes row by row (the new SLA row, the webhook subscribers, tags, attachments) comes out as
it did."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_scopes import scope

from automations import registry
from automations.models import Trigger
from helpdesk.models import WebhookDelivery
from helpdesk.webhook_subscriptions import (
    webhook_subscription_create,
    webhook_subscription_set_active,
)
from sla.models import Escalation, TicketSla
from sla.services import SLA_STATE_FIELDS, sla_refresh
from tests.tickets.helpers import make_category, make_customer, make_ticket
from tickets import services
from tickets.models import Tag, Ticket

# Tenant A's default calendars, policies and rules, and its scope, for every test here.
pytestmark = pytest.mark.usefixtures("seeded_scope_a")


@pytest.fixture
def subscription(tenant_a, settings):
    settings.HELPDESK_WEBHOOK_ALLOW_PRIVATE = True
    return webhook_subscription_create(
        tenant=tenant_a,
        url="http://127.0.0.1:9/hooks",
        events=["ticket.created", "ticket.updated"],
    )


def deliveries(event: str) -> int:
    return WebhookDelivery.objects.filter(event=event).count()


def test_it_creates_a_ticket_in_eleven_statements_without_a_savepoint(
    tenant_a, agent_a, team_a, subscription, django_assert_max_num_queries
):
    """A desk whose triggers are all switched off: no team is given, nobody is assigned."""
    with scope(tenant=tenant_a):
        Trigger.objects.update(is_active=False)
        registry.forget(tenant_a.pk)
    category = make_category(tenant_a, team=team_a)
    make_ticket(tenant_a)  # the tenant's first ticket also creates its number counter
    customer = make_customer(tenant_a, email="wang@example.test")
    # The counter, the ticket, an event, the subscribers and a delivery for the creation; the
    # policies with their tiers, categories and holidays, the SLA row; the customer's e-mail.
    with django_assert_max_num_queries(11) as captured:
        ticket = services.ticket_create(
            tenant=tenant_a, customer=customer, subject="Washer leaks", category=category
        )
    statements = [query["sql"] for query in captured.captured_queries]
    assert not [sql for sql in statements if "SAVEPOINT" in sql]
    assert len([sql for sql in statements if "helpdesk_webhooksubscription" in sql]) == 1
    assert ticket.team is None and ticket.assignee is None


def test_the_default_triggers_route_a_new_ticket_in_ten_statements_more(
    tenant_a, agent_a, team_a, subscription, django_assert_max_num_queries
):
    """ " "Route by category" fires: its savepoint, the firing's event, the team read and
    changed (event, delivery, update) and the firing's row, written when the chain ends. The
    triggers themselves are read from the process's copy: no statement."""
    category = make_category(tenant_a, team=team_a)
    make_ticket(tenant_a)  # the first ticket also creates the counter and reads the triggers
    customer = make_customer(tenant_a, email="wang@example.test")
    with django_assert_max_num_queries(25) as captured:
        ticket = services.ticket_create(
            tenant=tenant_a, customer=customer, subject="Washer leaks", category=category
        )
    statements = [query["sql"] for query in captured.captured_queries]
    assert len([sql for sql in statements if "SAVEPOINT" in sql and "RELEASE" not in sql]) == 2
    assert not [sql for sql in statements if 'FROM "automations_trigger"' in sql]
    assert len([sql for sql in statements if "helpdesk_webhooksubscription" in sql]) == 1
    assert ticket.team == team_a and ticket.assignee == agent_a
    assert deliveries("ticket.created") == 2 and deliveries("ticket.updated") == 2


def test_a_subscription_changed_between_two_creations_applies_to_the_second(tenant_a, subscription):
    make_ticket(tenant_a)
    assert deliveries("ticket.created") == 1
    webhook_subscription_set_active(subscription=subscription, active=False)
    make_ticket(tenant_a)
    assert deliveries("ticket.created") == 1
    webhook_subscription_set_active(subscription=subscription, active=True)
    make_ticket(tenant_a)
    assert deliveries("ticket.created") == 2


@pytest.mark.parametrize(
    ("priority", "age"),
    [("normal", timedelta(0)), ("urgent", timedelta(0)), ("urgent", timedelta(days=2))],
)
def test_a_new_tickets_sla_is_what_a_refresh_from_nothing_gives(tenant_a, priority, age):
    ticket = make_ticket(tenant_a, priority=priority, created_at=timezone.now() - age)
    started = TicketSla.objects.get(ticket=ticket)
    recorded = Escalation.objects.filter(ticket=ticket).values_list(
        "target", "cycle", "level", "due_at"
    )
    recorded_at_start = sorted(recorded)
    # Forget both; the refresh an existing ticket gets builds them again at the same moment.
    TicketSla.objects.filter(ticket=ticket).delete()
    Escalation.objects.filter(ticket=ticket).delete()
    sla_refresh(ticket=Ticket.objects.get(pk=ticket.pk), now=started.updated_at)
    refreshed = TicketSla.objects.get(ticket=ticket)
    for field in SLA_STATE_FIELDS:
        assert getattr(refreshed, field.attname) == getattr(started, field.attname), field.name
    assert sorted(recorded) == recorded_at_start
    # Two days old: warning, breach and manager of the first response and of the resolution.
    assert (len(recorded_at_start), started.colour) == ((6, "red") if age else (0, "green"))


def test_it_tags_a_new_ticket_creating_only_the_tags_missing(tenant_a, agent_a):
    Tag.objects.create(tenant=tenant_a, name="leak")
    ticket = make_ticket(tenant_a, tags=[" washer", "leak", "washer ", " "])
    assert list(ticket.tags.values_list("name", flat=True)) == ["leak", "washer"]
    assert Tag.objects.count() == 2
    services.ticket_set_tags(ticket=ticket, actor=agent_a, names=["noisy", "leak"])
    assert list(ticket.tags.values_list("name", flat=True)) == ["leak", "noisy"]
    assert list(Tag.objects.values_list("name", flat=True)) == ["leak", "noisy", "washer"]


def test_it_keeps_every_file_sent_with_the_request_in_order(tenant_a):
    uploads = [SimpleUploadedFile("a.txt", b"first"), SimpleUploadedFile("b.txt", b"second")]
    ticket = make_ticket(tenant_a, attachments=uploads)
    stored = ticket.messages.get().attachments.order_by("pk")
    assert [(a.original_name, a.size_bytes, a.file.read()) for a in stored] == [
        ("a.txt", 5, b"first"),
        ("b.txt", 6, b"second"),
    ]
