"""Two sweeps at once escalate every overdue follow-up exactly once (PostgreSQL row locks)."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.utils import timezone
from django_scopes import scope

from helpdesk.models import Notification, Role
from helpdesk.services import tenant_seed_defaults
from surveys.models import FollowUp
from surveys.sweeper import sweep_due
from tests.factories import MembershipFactory, TeamFactory, UserFactory
from tests.tickets.helpers import make_category, make_customer, make_ticket
from tickets.models import TicketEvent

FOLLOW_UPS = 40


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_sweeps_escalate_each_follow_up_exactly_once(tenant_a):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks (SKIP LOCKED); CI runs this on PostgreSQL")
    past = timezone.now() - timedelta(hours=1)
    with scope(tenant=tenant_a):
        tenant_seed_defaults(tenant_a)
        lead = MembershipFactory(
            tenant=tenant_a, user=UserFactory(email="lead@acme.test"), role=Role.TEAM_LEAD
        )
        team = TeamFactory(tenant=tenant_a, name="Desk", lead=lead)
        ticket = make_ticket(
            tenant_a, customer=make_customer(tenant_a), category=make_category(tenant_a, team=team)
        )
        for _ in range(FOLLOW_UPS):
            FollowUp.objects.create(
                tenant=tenant_a,
                ticket=ticket,
                customer=ticket.customer,
                kind="manual",
                due_at=past,
                created_at=past - timedelta(hours=1),
            )
    barrier = threading.Barrier(2)
    handled, errors = [], []

    def sweep():
        try:
            barrier.wait()
            handled.append(sweep_due(batch_size=5)["follow_ups"])
        except Exception as error:  # surfaced by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(handled) == FOLLOW_UPS  # skipped, not double-handled
    with scope(tenant=tenant_a):
        assert not FollowUp.objects.filter(escalated_at__isnull=True).exists()
        assert Notification.objects.filter(recipient=lead).count() == FOLLOW_UPS
        events = TicketEvent.objects.filter(action="follow_up_escalated")
        assert events.count() == FOLLOW_UPS
    assert sweep_due()["follow_ups"] == 0
