"""The search page (/search/) and the top bar's search box."""

import pytest
from django.urls import reverse
from django_scopes import scope

from customers.models import Customer
from tests.conftest import client_for
from tests.products.helpers import portal_client_for
from tests.tickets.helpers import make_customer, make_ticket

SEARCH = reverse("search")


@pytest.fixture
def huang(tenant_a):
    with scope(tenant=tenant_a):
        return Customer.objects.create(
            tenant=tenant_a, name="Huang Lei", email="huang@example.cn", phone="+86 139 1111 2222"
        )


def test_it_shows_the_search_box_in_the_top_bar(agent_client_a):
    page = agent_client_a.get(reverse("ticket_queue")).content.decode()
    assert 'action="/search/"' in page and 'for="topbar-search-q"' in page


@pytest.mark.parametrize("typed", ["", "h", " 1 "])
def test_it_shows_a_hint_not_everything_for_a_short_query(tenant_a, agent_client_a, huang, typed):
    with scope(tenant=tenant_a):
        make_ticket(tenant_a, customer=huang, subject="Huang's washer")
    response = agent_client_a.get(SEARCH, {"q": typed})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Type at least 2 characters" in page
    assert "Huang" not in page


def test_it_groups_tickets_customers_and_units(tenant_a, agent_client_a, huang):
    with scope(tenant=tenant_a):
        ticket = make_ticket(tenant_a, customer=huang, subject="Washer leaks")
    page = agent_client_a.get(SEARCH, {"q": "139-1111-2222"}).content.decode()
    assert 'id="search-tickets"' in page and 'id="search-customers"' in page
    assert reverse("ticket_detail", args=[ticket.number]) in page
    assert reverse("customer_detail", args=[huang.pk]) in page
    assert "Found 1 ticket(s), 1 customer(s) and 0 unit(s)." in page


def test_it_escapes_the_query_and_the_rows(tenant_a, agent_client_a):
    with scope(tenant=tenant_a):
        make_ticket(tenant_a, subject="<script>alert(1)</script> leak")
    page = agent_client_a.get(SEARCH, {"q": "<script>alert(1)</script>"}).content.decode()
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_it_speaks_chinese(tenant_a, agent_a, huang):
    client = client_for(agent_a)
    client.cookies["django_language"] = "zh-hans"
    page = client.get(SEARCH, {"q": "Huang"}).content.decode()
    assert "搜索" in page and "客户" in page


def test_it_is_a_404_for_an_outsider_and_shows_nothing_of_the_tenant(huang, outsider_client):
    response = outsider_client.get(SEARCH, {"q": "Huang"})
    assert response.status_code == 404
    assert "Huang" not in response.content.decode()


def test_it_is_closed_to_a_signed_in_portal_customer(tenant_a, huang):
    response = portal_client_for(huang).get(SEARCH, {"q": "Huang"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_it_refuses_a_post(agent_client_a):
    assert agent_client_a.post(SEARCH, {"q": "Huang"}).status_code == 405


def _tickets_and_customers(tenant, count):
    for n in range(count):
        customer = Customer.objects.create(
            tenant=tenant, name=f"Leak customer {n}", phone=f"1391111{n:04d}"
        )
        make_ticket(tenant, customer=customer, subject=f"Leak {n}")


@pytest.mark.parametrize("count", [3, 30])
def test_it_runs_a_constant_number_of_queries(
    tenant_a, agent_client_a, django_assert_max_num_queries, count
):
    with scope(tenant=tenant_a):
        _tickets_and_customers(tenant_a, count)
        make_customer(tenant_a)
    with django_assert_max_num_queries(9):
        response = agent_client_a.get(SEARCH, {"q": "leak"})
    assert response.content.decode().count("Leak customer") >= min(count, 20) * 2
