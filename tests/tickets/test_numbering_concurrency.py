"""Ticket numbers stay unique and consecutive when many tickets are created at once."""

import threading

import pytest
from django.db import connection, connections
from django_scopes import scope

from tests.tickets.helpers import make_customer, make_ticket
from tickets.models import Ticket

THREADS = 8
PER_THREAD = 10


@pytest.mark.django_db(transaction=True)
def test_it_hands_out_unique_consecutive_numbers_under_concurrency(tenant_a):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks; CI runs this on PostgreSQL")
    with scope(tenant=tenant_a):
        customer = make_customer(tenant_a)
    barrier = threading.Barrier(THREADS)
    errors = []

    def create_many():
        try:
            barrier.wait()
            with scope(tenant=tenant_a):
                for i in range(PER_THREAD):
                    make_ticket(tenant_a, customer=customer, subject=f"parallel {i}")
        except Exception as error:  # surfaced by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=create_many) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with scope(tenant=tenant_a):
        numbers = sorted(Ticket.objects.values_list("number", flat=True))
    assert numbers == list(range(1, THREADS * PER_THREAD + 1))
