"""Two coordinators book one technician into overlapping windows at the same moment, on
PostgreSQL: the lock on the technician's membership lets exactly one through. SQLite
serialises writers, so there is no race to prove there."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django_scopes import scope

from fieldservice import services
from fieldservice.models import WorkOrder
from fieldservice.models import WorkOrderStatus as S
from tests.concurrency import run_at_once
from tests.fieldservice.helpers import make_work_order, window

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: concurrent writers and row locks; SQLite runs one at a time",
    ),
]
ATTEMPTS = 2


def test_two_overlapping_bookings_of_one_technician_at_once_let_one_through(
    tenant_a, admin_a, agent_a
):
    with scope(tenant=tenant_a):
        visits = [make_work_order(tenant_a, admin_a) for _ in range(ATTEMPTS)]
    windows = [window(9), window(10)]

    def book(i):
        start, end = windows[i]
        with scope(tenant=tenant_a):
            return services.work_order_schedule(
                work_order=visits[i], actor=admin_a, technician=agent_a, start=start, end=end
            )

    booked, errors = run_at_once(book, ATTEMPTS)

    assert len(booked) == 1
    assert len(errors) == 1 and isinstance(errors[0], ValidationError), errors
    assert "technician" in errors[0].message_dict
    with scope(tenant=tenant_a):
        statuses = sorted(WorkOrder.objects.values_list("status", flat=True))
    assert statuses == sorted([S.SCHEDULED, S.UNSCHEDULED])
