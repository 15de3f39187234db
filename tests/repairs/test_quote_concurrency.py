"""Four clicks on Approve at the same moment (a phone on a slow network): the row lock lets
exactly one decide; the others get the clear "already approved" answer and change nothing."""

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django_scopes import scope

from repairs import quotes
from tickets.models import TicketEvent


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_simultaneous_approvals_decide_the_quote_once_on_postgresql(tenant_a, agent_a, repair):
    quote = quotes.quote_send(
        tenant=tenant_a, actor=agent_a, ticket=repair["ticket"], labour_hours=Decimal("1"),
        on_site=False,
    )  # fmt: skip
    barrier = threading.Barrier(4)
    results = []

    def approve():
        try:
            with scope(tenant=tenant_a):
                barrier.wait()
                quotes.quote_approve(tenant=tenant_a, quote=quote, customer=repair["customer"])
            results.append("approved")
        except ValidationError as refused:
            results.append(refused.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=approve) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["approved", "decided", "decided", "decided"]
    assert TicketEvent.objects.filter(action="quote_approved").count() == 1
