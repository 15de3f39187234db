"""Concurrent consumption of the last parts on PostgreSQL: the conditional UPDATE lets exactly
as many through as there are parts, the others get the clear error, and the count never goes
below zero. SQLite serialises writers, so there is no race to prove there."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django_scopes import scope

from helpdesk.models import ConfigurationEvent, Notification
from repairs import services
from repairs.models import MovementKind, StockLevel, StockMovement
from tests.repairs.helpers import stocked_part
from tests.tickets.helpers import make_customer, make_ticket

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: concurrent writers and row locks; SQLite runs one at a time",
    ),
]
THREADS = 8
LAST_PARTS = 5


def run_at_once(work, count: int) -> tuple[list, list]:
    """Run ``work(i)`` in ``count`` threads, each with its own connection, released together."""
    barrier = threading.Barrier(count)
    results, errors = [], []

    def run(i):
        try:
            barrier.wait()
            results.append(work(i))
        except Exception as error:  # collected and asserted on by the caller
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


def test_eight_technicians_consume_the_last_five_parts_at_once(tenant_a, admin_a, team_a):
    with scope(tenant=tenant_a):
        part, location = stocked_part(
            tenant_a, admin_a, quantity=LAST_PARTS, low_stock_threshold=2, responsible_team=team_a
        )
        customer = make_customer(tenant_a)
        tickets = [make_ticket(tenant_a, customer=customer) for _ in range(THREADS)]

    def consume(i):
        with scope(tenant=tenant_a):
            return services.stock_consume(
                tenant=tenant_a,
                actor=admin_a,
                part=part,
                location=location,
                quantity=1,
                ticket=tickets[i],
            )

    consumed, errors = run_at_once(consume, THREADS)

    assert len(consumed) == LAST_PARTS
    assert len(errors) == THREADS - LAST_PARTS
    assert all(isinstance(error, ValidationError) for error in errors), errors
    assert {error.message_dict["quantity"][0] for error in errors} == {
        "Only 0 of part CMP-100 are available at Main warehouse."
    }
    with scope(tenant=tenant_a):
        level = StockLevel.objects.get(part=part, location=location)
        assert (level.on_hand, level.reserved) == (0, 0)
        rows = StockMovement.objects.filter(part=part, kind=MovementKind.CONSUMED)
        assert rows.count() == LAST_PARTS
        assert len(set(rows.values_list("ticket_id", flat=True))) == LAST_PARTS
        # 5 → 0 crossed the threshold of 2 once, whichever thread did it.
        assert ConfigurationEvent.objects.filter(action="stock_low").count() == 1
    with scope(tenant=tenant_a):
        recipients = list(Notification.objects.values_list("recipient", flat=True))
        assert recipients == [team_a.members.get().pk]


def test_concurrent_reservations_never_exceed_what_is_free(tenant_a, admin_a):
    with scope(tenant=tenant_a):
        part, location = stocked_part(tenant_a, admin_a, quantity=3)
        customer = make_customer(tenant_a)
        tickets = [make_ticket(tenant_a, customer=customer) for _ in range(THREADS)]

    def reserve(i):
        with scope(tenant=tenant_a):
            return services.stock_reserve(
                tenant=tenant_a,
                actor=admin_a,
                part=part,
                location=location,
                quantity=1,
                ticket=tickets[i],
            )

    reserved, errors = run_at_once(reserve, THREADS)

    assert (len(reserved), len(errors)) == (3, THREADS - 3)
    with scope(tenant=tenant_a):
        level = StockLevel.objects.get(part=part, location=location)
        assert (level.on_hand, level.reserved) == (3, 3)
