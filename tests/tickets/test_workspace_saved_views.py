"""Saved views of the queue: saved from the filters, personal or shared with a team, listed in
the left rail with live counts in a bounded number of queries; another member's is a 404."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django_scopes import scope

from helpdesk.models import ConfigurationEvent, Role
from tests.conftest import client_for
from tests.factories import MembershipFactory, TeamFactory, TicketFactory, UserFactory
from tickets.models import Priority, SavedView
from tickets.saved_views import saved_view_create

QUEUE = reverse("ticket_queue")
NEW = reverse("saved_view_new")


def view_url(view):
    return f"{QUEUE}?view={view.pk}"


def member(tenant, email, role=Role.AGENT, team=None):
    membership = MembershipFactory(tenant=tenant, user=UserFactory(email=email), role=role)
    if team is not None:
        with scope(tenant=tenant):
            team.members.add(membership)
    return membership


def saved(owner, name="Urgent", query=None, team=None):
    with scope(tenant=owner.tenant):
        return saved_view_create(
            owner=owner,
            name=name,
            query={"queue": "open", "priority": "urgent"} if query is None else query,
            shared_with_team=team,
        )


@pytest.fixture
def lead_a(tenant_a, team_a):
    lead = member(tenant_a, "lead@acme.test", Role.TEAM_LEAD, team=team_a)
    with scope(tenant=tenant_a):
        team_a.lead = lead
        team_a.save(update_fields=["lead"])
    return lead


def test_it_saves_the_current_filters_keeping_only_valid_values(tenant_a, agent_a):
    query = "queue=all&priority=urgent&team=999999&sort=-number&columns=status&columns=created"
    response = client_for(agent_a).post(NEW, {"name": " Urgent ones ", "query": query})
    with scope(tenant=tenant_a):
        view = SavedView.objects.get()
        assert ConfigurationEvent.objects.filter(action="created", actor=agent_a).exists()
    assert response["Location"] == view_url(view)
    assert view.name == "Urgent ones" and view.owner == agent_a and view.shared_with_team is None
    assert view.query == {
        "queue": "all",
        "priority": "urgent",
        "sort": "-number",
        "columns": ["status", "created"],
    }


def test_it_opens_a_view_with_its_filters_columns_and_count(tenant_a, agent_a):
    TicketFactory(tenant=tenant_a, subject="Dryer on fire", priority=Priority.URGENT)
    TicketFactory(tenant=tenant_a, subject="Washer squeaks", priority=Priority.LOW)
    view = saved(agent_a, query={"queue": "open", "priority": "urgent", "columns": ["status"]})
    page = client_for(agent_a).get(view_url(view)).content.decode()
    assert "Dryer on fire" in page and "Washer squeaks" not in page
    assert 'class="col-status"' in page and 'class="col-customer"' not in page
    rail_link = f'<a href="{view_url(view)}" aria-current="page">'
    assert rail_link in page
    after_link = page.split(rail_link, 1)[1]
    assert '<span class="rail-count">1</span>' in after_link.split("</a>", 1)[0]


def test_it_shows_a_view_shared_with_a_team_to_that_team_only(tenant_a, lead_a, agent_a, team_a):
    other_team = TeamFactory(tenant=tenant_a, name="Billing")
    outsider_agent = member(tenant_a, "billing@acme.test", team=other_team)
    TicketFactory(tenant=tenant_a, priority=Priority.URGENT)
    TicketFactory(tenant=tenant_a, priority=Priority.URGENT)
    view = saved(lead_a, name="Hot ones", team=team_a)
    page = client_for(agent_a).get(QUEUE).content.decode()
    assert "Hot ones" in page and "shared with Repair" in page
    assert client_for(agent_a).get(view_url(view)).status_code == 200
    assert "Hot ones" not in client_for(outsider_agent).get(QUEUE).content.decode()
    assert client_for(outsider_agent).get(view_url(view)).status_code == 404


def test_it_answers_404_for_another_members_personal_view(tenant_a, admin_a, agent_a):
    view = saved(admin_a)
    client = client_for(agent_a)
    assert client.get(view_url(view)).status_code == 404
    assert client.get(reverse("saved_view_edit", args=[view.pk])).status_code == 404
    assert client.post(reverse("saved_view_delete", args=[view.pk])).status_code == 404
    with scope(tenant=tenant_a):
        assert SavedView.objects.filter(pk=view.pk).exists()


def test_it_answers_404_for_another_tenants_view(tenant_b, outsider, agent_a):
    with scope(tenant=tenant_b):
        view = saved(outsider)
    assert client_for(agent_a).get(view_url(view)).status_code == 404
    assert client_for(agent_a).get(reverse("saved_view_edit", args=[view.pk])).status_code == 404


def test_it_lets_a_lead_share_only_with_the_teams_they_lead(tenant_a, lead_a, team_a, agent_a):
    billing = TeamFactory(tenant=tenant_a, name="Billing")
    response = client_for(lead_a).post(NEW, {"name": "Mine", "shared_with_team": billing.pk})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    with scope(tenant=tenant_a), pytest.raises(ValidationError) as error:
        saved_view_create(owner=agent_a, name="Sneaky", query={}, shared_with_team=team_a)
    assert "shared_with_team" in error.value.message_dict
    with scope(tenant=tenant_a):
        assert not SavedView.objects.exists()


def test_it_refuses_a_second_view_of_the_same_name_with_a_form_error(tenant_a, agent_a):
    saved(agent_a, name="Urgent")
    response = client_for(agent_a).post(NEW, {"name": "Urgent", "query": "queue=all"})
    assert response.status_code == 200
    assert "You already have a view with this name." in response.content.decode()
    response = client_for(agent_a).post(NEW, {"name": "   "})
    assert "This field is required." in response.content.decode()


def test_it_renames_moves_and_deletes_own_views(tenant_a, admin_a, team_a):
    first, second = saved(admin_a, name="First"), saved(admin_a, name="Second")
    client = client_for(admin_a)
    edit = reverse("saved_view_edit", args=[second.pk])
    client.post(edit, {"name": "Second, renamed", "shared_with_team": team_a.pk})
    client.post(reverse("saved_view_move", args=[second.pk]), {"direction": "up"})
    with scope(tenant=tenant_a):
        names = [v.name for v in SavedView.objects.order_by("position")]
        assert names == ["Second, renamed", "First"]
        assert SavedView.objects.get(pk=second.pk).shared_with_team == team_a
    client.post(reverse("saved_view_delete", args=[first.pk]))
    with scope(tenant=tenant_a):
        assert list(SavedView.objects.values_list("name", flat=True)) == ["Second, renamed"]
        assert ConfigurationEvent.objects.filter(action="deleted", actor=admin_a).exists()


@pytest.mark.parametrize(("tickets", "views"), [(3, 2), (30, 10)])
def test_it_renders_the_rail_and_queue_in_a_constant_number_of_queries(
    tenant_a, admin_a, team_a, tickets, views, django_assert_max_num_queries
):
    for n in range(tickets):
        TicketFactory(tenant=tenant_a, team=team_a, priority=Priority.URGENT, subject=f"t{n}")
    for n in range(views):
        saved(admin_a, name=f"View {n}", query={"queue": "all", "team": str(team_a.pk)})
    client = client_for(admin_a)
    client.get(QUEUE)  # warm the session and the tenant's cached reference lists
    # Session, user, membership, saved views, the rail's counts, the rows, the incident banner,
    # the bulk action's templates.
    with django_assert_max_num_queries(8):
        page = client.get(QUEUE, {"queue": "all"}).content.decode()
    assert page.count('name="tickets"') == min(tickets, 25)
    assert page.count(f'<span class="rail-count">{tickets}</span>') >= views
