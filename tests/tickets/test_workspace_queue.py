"""The queue page: queues and filters, paging without COUNT, bulk actions, bounded queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scope

from helpdesk.models import Role
from tests.conftest import client_for
from tests.factories import (
    CategoryFactory,
    CustomerFactory,
    MembershipFactory,
    TeamFactory,
    TicketFactory,
    TierFactory,
    UserFactory,
)
from tickets import views
from tickets.models import Status, Ticket, TicketEvent

QUEUE = reverse("ticket_queue")
BULK = reverse("ticket_bulk")


def make_tickets(tenant, count, **kwargs):
    tier = TierFactory(tenant=tenant, name="VIP", colour="#b00020")
    category = CategoryFactory(tenant=tenant)
    return [
        TicketFactory(
            tenant=tenant,
            customer=CustomerFactory(tenant=tenant, tier=tier),
            category=category,
            **kwargs,
        )
        for _ in range(count)
    ]


def test_it_lists_the_open_queue_with_its_columns(admin_a, agent_a, team_a):
    TierFactory(tenant=admin_a.tenant)  # a tier nobody uses must not matter
    (ticket,) = make_tickets(admin_a.tenant, 1, team=team_a, assignee=agent_a)
    page = client_for(admin_a).get(QUEUE, {"queue": "open"}).content.decode()
    assert f'href="/tickets/{ticket.number}/"' in page
    assert ticket.subject in page and "VIP" in page and "Repair" in page
    assert str(agent_a.user) in page
    assert f'aria-label="Select ticket #{ticket.number}"' in page


def test_it_shows_only_my_active_tickets_in_mine(tenant_a, admin_a, agent_a):
    mine = TicketFactory(tenant=tenant_a, assignee=agent_a, subject="Mine to do")
    TicketFactory(tenant=tenant_a, assignee=admin_a, subject="Somebody else's")
    TicketFactory(tenant=tenant_a, assignee=agent_a, status=Status.CLOSED, subject="Long done")
    page = client_for(agent_a).get(QUEUE, {"queue": "mine"}).content.decode()
    assert mine.subject in page
    assert "Somebody else" not in page and "Long done" not in page


def test_it_filters_by_priority_tier_and_text(tenant_a, admin_a):
    vip = TierFactory(tenant=tenant_a, name="VIP")
    TicketFactory(tenant=tenant_a, subject="Dryer noisy", priority="urgent")
    TicketFactory(
        tenant=tenant_a,
        subject="Dryer smells",
        priority="urgent",
        customer=CustomerFactory(tenant=tenant_a, tier=vip),
    )
    TicketFactory(tenant=tenant_a, subject="Washer dead", priority="low")
    client = client_for(admin_a)
    page = client.get(QUEUE, {"queue": "all", "priority": "urgent"}).content.decode()
    assert "Dryer noisy" in page and "Dryer smells" in page and "Washer dead" not in page
    page = client.get(QUEUE, {"queue": "all", "tier": vip.pk}).content.decode()
    assert "Dryer smells" in page and "Dryer noisy" not in page
    page = client.get(QUEUE, {"queue": "all", "q": "washer"}).content.decode()
    assert "Washer dead" in page and "Dryer" not in page


def test_it_ignores_nonsense_filter_values_instead_of_failing(admin_a):
    response = client_for(admin_a).get(
        QUEUE, {"queue": "nope", "status": "zzz", "team": "abc", "page": "-3", "sort": "x"}
    )
    assert response.status_code == 200


def test_it_pages_without_counting(tenant_a, admin_a, monkeypatch):
    monkeypatch.setattr(views, "QUEUE_PAGE_SIZE", 3)
    tickets = make_tickets(tenant_a, 7)
    client = client_for(admin_a)
    first = client.get(QUEUE, {"queue": "all"}).content.decode()
    assert 'rel="next"' in first and 'rel="prev"' not in first
    assert f"/tickets/{tickets[-1].number}/" in first  # newest first
    last = client.get(QUEUE, {"queue": "all", "page": 3}).content.decode()
    assert 'rel="prev"' in last and 'rel="next"' not in last
    assert f"/tickets/{tickets[0].number}/" in last
    with CaptureQueriesContext(connection) as queries:
        client.get(QUEUE, {"queue": "all", "page": 2})
    # The left rail's counts are one conditional aggregate (COUNT … FILTER); the page has none.
    counts = [q["sql"].upper() for q in queries if "COUNT(" in q["sql"].upper()]
    assert not [sql for sql in counts if "TICKETS_TICKET" in sql and "FILTER" not in sql]


def test_it_returns_only_the_results_to_htmx(admin_a):
    make_tickets(admin_a.tenant, 1)
    response = client_for(admin_a).get(QUEUE, {"queue": "all"}, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert "<table" in page and "<html" not in page
    assert "HX-Request" in response["Vary"]


@pytest.mark.parametrize("count", [5, 40])
def test_it_renders_the_queue_in_a_constant_number_of_queries(
    tenant_a, admin_a, agent_a, team_a, count, django_assert_max_num_queries
):
    make_tickets(tenant_a, count, team=team_a, assignee=agent_a)
    client = client_for(admin_a)
    client.get(QUEUE)  # warm the session and the tenant's cached reference lists
    # Session, user, membership with its unread count, the saved views, the left rail's
    # counts (one aggregate), the rows, the incident banner and the bulk action's templates.
    with django_assert_max_num_queries(8):
        response = client.get(QUEUE, {"queue": "all"})
    assert response.content.decode().count('name="tickets"') == min(count, views.QUEUE_PAGE_SIZE)


# --- bulk -----------------------------------------------------------------------------------


def test_it_assigns_selected_tickets_in_bulk(tenant_a, admin_a, agent_a):
    first, second = make_tickets(tenant_a, 2)
    response = client_for(admin_a).post(
        BULK,
        {"tickets": [first.number, second.number], "action": "assign", "assignee": agent_a.pk},
        follow=True,
    )
    assert "2 ticket(s) updated." in response.content.decode()
    with scope(tenant=tenant_a):
        assert set(Ticket.objects.values_list("assignee", flat=True)) == {agent_a.pk}
        assert TicketEvent.objects.filter(action="assigned", actor=admin_a).count() == 2


def test_it_reports_each_ticket_a_bulk_status_change_fails_on(tenant_a, admin_a):
    new = TicketFactory(tenant=tenant_a)
    closed = TicketFactory(tenant=tenant_a, status=Status.CLOSED)
    response = client_for(admin_a).post(
        BULK,
        {
            "tickets": [new.number, closed.number, 999999],
            "action": "status",
            "status": Status.PENDING,
            "next": f"{QUEUE}?queue=all",
        },
        follow=True,
    )
    page = response.content.decode()
    assert response.redirect_chain[-1][0] == f"{QUEUE}?queue=all"
    assert "1 ticket(s) updated." in page
    assert f"#{closed.number}: A ticket cannot go from Closed to" in page
    assert "#999999: no such ticket." in page
    with scope(tenant=tenant_a):
        assert Ticket.objects.get(pk=new.pk).status == Status.PENDING
        assert Ticket.objects.get(pk=closed.pk).status == Status.CLOSED


def test_it_does_not_bulk_change_tickets_the_agent_cannot_see(tenant_a, agent_a, team_a):
    other_team = MembershipFactory(tenant=tenant_a, user=UserFactory(), role=Role.AGENT)
    hidden = TicketFactory(tenant=tenant_a, team=TeamFactory(tenant=tenant_a, name="Billing"))
    response = client_for(agent_a).post(
        BULK,
        {"tickets": [hidden.number], "action": "assign", "assignee": other_team.pk},
        follow=True,
    )
    assert f"#{hidden.number}: no such ticket." in response.content.decode()
    with scope(tenant=tenant_a):
        assert Ticket.objects.get(pk=hidden.pk).assignee is None


def test_it_refuses_a_bulk_post_without_tickets_with_a_message(admin_a):
    response = client_for(admin_a).post(BULK, {"action": "assign"}, follow=True)
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()


def test_it_ignores_an_offsite_next_after_bulk(tenant_a, admin_a):
    ticket = TicketFactory(tenant=tenant_a)
    response = client_for(admin_a).post(
        BULK,
        {"tickets": [ticket.number], "action": "assign", "next": "https://evil.example/"},
    )
    assert response["Location"] == QUEUE
