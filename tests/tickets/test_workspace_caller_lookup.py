"""Caller look-up on the phone intake form, and who a logged call is assigned to."""

import pytest
from django.urls import reverse
from django_scopes import scope

from customers.models import Customer, Tier
from tests.conftest import client_for
from tests.factories import CategoryFactory
from tests.products.helpers import make_product, make_unit
from tests.tickets.helpers import make_ticket
from tests.tickets.test_workspace_intake import intake
from tickets.models import Ticket

NEW = reverse("ticket_new")
LOOKUP = reverse("ticket_caller_lookup")


@pytest.fixture
def huang(tenant_a):
    with scope(tenant=tenant_a):
        vip = Tier.objects.create(tenant=tenant_a, code="vip", name="VIP", is_vip=True)
        customer = Customer.objects.create(
            tenant=tenant_a,
            name="Huang Lei",
            email="huang@example.cn",
            phone="13911112222",
            tier=vip,
        )
        product = make_product(tenant_a)
        make_unit(tenant_a, customer=customer, product=product, serial="ACM-1")
        make_unit(tenant_a, customer=customer, product=product, serial="ACM-2")
        make_ticket(tenant_a, customer=customer, subject="Still broken")
    return customer


@pytest.mark.parametrize("typed", ["+86 139 1111 2222", "13911112222", "139-1111-2222"])
def test_it_lists_the_caller_with_tier_units_and_open_tickets(agent_client_a, huang, typed):
    response = agent_client_a.get(LOOKUP, {"customer_phone": typed, "customer_name": ""})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Huang Lei" in page and "1 open ticket" in page and "2 units" in page
    assert '<span class="tier-badge"' in page and ">VIP</span>" in page
    assert "ACM-1" in page and f'name="use_customer" value="{huang.pk}"' in page
    assert 'data-email="huang@example.cn"' in page


def test_it_finds_the_caller_by_name_when_no_number_is_typed(agent_client_a, huang):
    page = agent_client_a.get(LOOKUP, {"customer_name": "huang"}).content.decode()
    assert "Huang Lei" in page


def test_it_says_when_nobody_matches(agent_client_a, huang):
    page = agent_client_a.get(LOOKUP, {"customer_phone": "13800000000"}).content.decode()
    assert "No customer matches this phone number or name" in page


def test_it_says_nothing_while_too_little_is_typed(agent_client_a, huang):
    response = agent_client_a.get(LOOKUP, {"customer_phone": "139", "customer_name": "H"})
    assert response.status_code == 200 and response.content.decode().strip() == ""


def test_it_runs_a_constant_number_of_queries(
    tenant_a, agent_client_a, django_assert_max_num_queries
):
    with scope(tenant=tenant_a):
        for n in range(25):
            Customer.objects.create(tenant=tenant_a, name=f"Huang {n}")
    with django_assert_max_num_queries(6):
        page = agent_client_a.get(LOOKUP, {"customer_name": "huang"}).content.decode()
    assert page.count('name="use_customer"') == 20


def test_it_is_a_404_for_an_outsider(huang, outsider_client):
    assert outsider_client.get(LOOKUP, {"customer_name": "huang"}).status_code == 404


def test_it_looks_the_caller_up_without_javascript(agent_client_a, huang):
    response = agent_client_a.post(
        NEW, intake(customer_phone="139 1111 2222", customer_name="", lookup_caller="1")
    )
    page = response.content.decode()
    assert response.status_code == 200 and "Huang Lei" in page
    assert 'value="Fridge not cooling"' in page  # what was typed stays
    with scope(tenant=huang.tenant):
        assert Ticket.objects.count() == 1  # the fixture's only


def test_it_fills_the_customer_fields_from_the_one_picked_without_javascript(agent_client_a, huang):
    response = agent_client_a.post(
        NEW, intake(customer_phone="139", customer_name="", use_customer=str(huang.pk))
    )
    page = response.content.decode()
    assert 'value="huang@example.cn"' in page and 'value="Huang Lei"' in page
    assert 'value="Fridge not cooling"' in page


def test_it_is_a_404_to_pick_another_tenants_customer(tenant_b, agent_client_a):
    with scope(tenant=tenant_b):
        other = Customer.objects.create(tenant=tenant_b, name="Other", email="o@example.cn")
    response = agent_client_a.post(NEW, intake(use_customer=str(other.pk)))
    assert response.status_code == 404


def test_it_assigns_a_logged_call_to_the_agent_who_took_it(tenant_a, agent_a):
    client_for(agent_a).post(NEW, intake())
    with scope(tenant=tenant_a):
        ticket = Ticket.objects.get()
        assert ticket.assignee == agent_a
        assert ticket.events.filter(action="assigned", actor=agent_a).exists()


def test_it_keeps_the_assignee_that_routing_chose(tenant_a, admin_a, agent_a, team_a):
    category = CategoryFactory(tenant=tenant_a, team=team_a)
    client_for(admin_a).post(NEW, intake(category=category.pk))
    with scope(tenant=tenant_a):
        assert Ticket.objects.get().assignee == agent_a  # routed in the team, not the admin


def test_it_leaves_a_ticket_from_another_channel_to_routing(tenant_a, agent_a):
    client_for(agent_a).post(NEW, intake(channel="email"))
    with scope(tenant=tenant_a):
        assert Ticket.objects.get().assignee is None
