"""The agent's ticket page about a unit costs the same number of queries however long the
ticket's history is: messages (with their authors and attachments) and audit events are each
read in one go."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_scopes import scope

from products.services import product_create, unit_register
from tests.conftest import client_for
from tests.factories import CustomerFactory, TicketFactory
from tickets.models import Attachment, Message, MessageKind, TicketEvent


@pytest.fixture
def unit(tenant_a, admin_a):
    with scope(tenant=tenant_a):
        washer = product_create(
            tenant=tenant_a, actor=admin_a, model_code="WM-800", name="Washer", warranty_months=24
        )
        return unit_register(
            tenant=tenant_a,
            actor=admin_a,
            serial="SN-1001",
            product=washer,
            customer=CustomerFactory(tenant=tenant_a, phone="13800138000"),
            purchased_on=date(2026, 3, 1),
            today=date(2026, 12, 7),
        )


def _ticket_with_history(tenant, unit, agent, entries: int):
    """A ticket about ``unit`` with ``entries`` messages (agent replies, customer messages,
    internal notes; every third with an attachment) and as many audit events."""
    ticket = TicketFactory(tenant=tenant, customer=unit.customer, unit=unit)
    start = timezone.now() - timedelta(days=30)
    kinds = (MessageKind.PUBLIC, MessageKind.PUBLIC, MessageKind.INTERNAL)
    with scope(tenant=tenant):
        messages = Message.objects.bulk_create(
            Message(
                tenant=tenant,
                ticket=ticket,
                kind=kinds[n % 3],
                author_member=None if n % 2 else agent,
                author_customer=unit.customer if n % 2 else None,
                body=f"Message {n}: the drum still squeaks.",
                created_at=start + timedelta(minutes=n),
            )
            for n in range(entries)
        )
        Attachment.objects.bulk_create(
            Attachment(
                tenant=tenant,
                message=message,
                file=f"attachments/{tenant.pk}/photo{n}",
                original_name=f"photo{n}.jpg",
                content_type="image/jpeg",
                size_bytes=2048,
            )
            for n, message in enumerate(messages)
            if n % 3 == 0
        )
        TicketEvent.objects.bulk_create(
            TicketEvent(
                tenant=tenant,
                ticket=ticket,
                actor=agent,
                actor_label=str(agent.user),
                action="changed",
                field="status",
                old_value="open" if n % 2 else "pending",
                new_value="pending" if n % 2 else "open",
                created_at=start + timedelta(minutes=n),
            )
            for n in range(entries)
        )
    return ticket


def _queries_of_page(client, ticket) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/tickets/{ticket.number}/")
    assert response.status_code == 200
    return len(queries), response.content.decode()


def test_it_reads_a_long_history_in_as_many_queries_as_a_short_one(tenant_a, agent_a, unit):
    short = _ticket_with_history(tenant_a, unit, agent_a, 5)
    long = _ticket_with_history(tenant_a, unit, agent_a, 200)
    client = client_for(agent_a)
    _queries_of_page(client, short)  # the first request also fills per-process caches
    short_queries, short_page = _queries_of_page(client, short)
    long_queries, long_page = _queries_of_page(client, long)
    assert long_queries == short_queries
    # The pages did render what they were measured with.
    assert "SN-1001" in short_page and "SN-1001" in long_page
    assert short_page.count("the drum still squeaks") == 5
    assert long_page.count("the drum still squeaks") == 200
    assert long_page.count("photo") >= 67
