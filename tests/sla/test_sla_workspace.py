"""SLA in the agent workspace: badges, the breaching-soon queue, sorting by deadline."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_scopes import scope

from helpdesk.services import tenant_seed_defaults
from sla.models import Calendar, SlaPolicy
from tests.tickets.helpers import make_ticket


@pytest.fixture
def tickets(tenant_a):
    """A late ticket, an at-risk one and a fresh one under a 60-minute 24×7 policy."""
    with scope(tenant=tenant_a):
        tenant_seed_defaults(tenant_a)
        SlaPolicy.objects.all().delete()
        SlaPolicy.objects.create(
            tenant=tenant_a,
            name="Hour",
            first_response_minutes=60,
            calendar=Calendar.objects.get(name="24×7"),
        )
        now = timezone.now()
        return {
            "late": make_ticket(
                tenant_a, subject="Late one", created_at=now - timedelta(minutes=70)
            ),
            "risk": make_ticket(
                tenant_a, subject="Risky one", created_at=now - timedelta(minutes=50)
            ),
            "fresh": make_ticket(tenant_a, subject="Fresh one", created_at=now),
        }


def test_the_queue_shows_colour_and_time_left_or_overdue(admin_client_a, tickets):
    page = admin_client_a.get("/tickets/?queue=open").content.decode()
    assert "sla-red" in page and "overdue by 10 min" in page
    assert "sla-amber" in page and "9 min left" in page
    assert "sla-green" in page


def test_the_breaching_soon_queue_holds_amber_and_red_only(admin_client_a, tickets):
    page = admin_client_a.get("/tickets/?queue=breaching").content.decode()
    assert "Late one" in page and "Risky one" in page and "Fresh one" not in page


def test_sorting_by_next_deadline_puts_the_most_urgent_first(admin_client_a, tickets):
    page = admin_client_a.get("/tickets/?queue=open&sort=deadline").content.decode()
    assert page.index("Late one") < page.index("Risky one") < page.index("Fresh one")


def test_the_ticket_page_shows_the_policy_and_due_time(admin_client_a, tickets):
    page = admin_client_a.get(f"/tickets/{tickets['fresh'].number}/").content.decode()
    assert "Hour" in page and "sla-green" in page and "due" in page
