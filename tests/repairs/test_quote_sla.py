"""End to end with a real SLA policy: a quote waiting for the customer stops the ticket's
clock, and the decision starts it again with the deadline moved by the waiting time."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from repairs import quotes
from sla.models import Calendar, PauseSpan, SlaPolicy, TicketSla
from tests.repairs.quote_helpers import make_unit, set_rates
from tests.tickets.helpers import make_customer, make_ticket

pytestmark = pytest.mark.usefixtures("seeded_scope_a")


def test_a_waiting_quote_pauses_the_clock_and_the_approval_resumes_it(tenant_a, agent_a):
    SlaPolicy.objects.all().delete()
    always = Calendar.objects.get(name="24×7")
    SlaPolicy.objects.create(
        tenant=tenant_a, name="Repairs", calendar=always, first_response_minutes=60,
        resolution_minutes=240,
    )  # fmt: skip
    set_rates(tenant_a, labour="80.00")
    customer = make_customer(tenant_a)
    start = timezone.now() - timedelta(hours=2)
    unit = make_unit(tenant_a, customer, purchased_on=start.date().replace(year=2020))
    ticket = make_ticket(tenant_a, customer=customer, unit=unit, created_at=start)
    due_before = TicketSla.objects.get(ticket=ticket).resolution_due_at
    assert due_before == start + timedelta(minutes=240)

    quote = quotes.quote_send(
        tenant=tenant_a, actor=agent_a, ticket=ticket, labour_hours=Decimal("1"), on_site=False
    )
    sla = TicketSla.objects.get(ticket=ticket)
    span = PauseSpan.objects.get(ticket=ticket)
    assert sla.colour == "paused" and sla.paused_since is not None and span.ended_at is None

    # The customer takes 45 minutes to decide.
    span.started_at -= timedelta(minutes=45)
    span.save(update_fields=["started_at"])
    quotes.quote_approve(tenant=tenant_a, quote=quote, customer=customer)

    sla.refresh_from_db()
    span.refresh_from_db()
    assert span.ended_at is not None and sla.paused_since is None and sla.colour != "paused"
    assert sla.paused_seconds >= 45 * 60
    moved = sla.resolution_due_at - due_before
    assert timedelta(minutes=45) <= moved < timedelta(minutes=46)
