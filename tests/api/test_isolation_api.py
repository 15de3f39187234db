"""Another tenant's member, session or token, gets 404 on every API route of tenant A."""

import pytest
from django.urls import reverse
from django_scopes import scope

from customers.models import Organization, Tier
from helpdesk.services import tenant_seed_defaults
from sla.models import SlaPolicy
from tests.api.conftest import token_client
from tests.conftest import HOST_A, HOST_B, client_for
from tests.factories import CustomerFactory
from tests.fieldservice.helpers import fieldservice_objects
from tests.knowledge.helpers import article
from tests.products.catalogue_helpers import catalogue_objects
from tests.repairs.helpers import repairs_objects
from tests.surveys.helpers import answered_survey
from tests.tickets.helpers import make_category, make_ticket
from tests.url_catalogue import POST_ONLY_URL_NAMES, SAMPLE_KWARGS

API_ROUTE_NAMES = (
    "ticket-list",
    "ticket-detail",
    "ticket-messages",
    "ticket-events",
    "category-list",
    "category-detail",
    "customer-list",
    "customer-detail",
    "organization-list",
    "organization-detail",
    "tier-list",
    "tier-detail",
    "sla-policy-list",
    "sla-policy-detail",
    "survey-response-list",
    "survey-response-detail",
    "follow-up-list",
    "follow-up-detail",
    "follow-up-complete",
    "article-list",
    "article-detail",
    "part-list",
    "part-detail",
    "stock-movement-list",
    "product-list",
    "product-detail",
    "unit-list",
    "unit-detail",
    "work-order-list",
    "work-order-detail",
    "work-order-schedule",
    "work-order-move",
)


@pytest.fixture
def objects(tenant_a, admin_a):
    with scope(tenant=tenant_a):
        tenant_seed_defaults(tenant_a)
        ticket = make_ticket(tenant_a, customer=CustomerFactory(tenant=tenant_a), actor=admin_a)
        surveyed = make_ticket(tenant_a, customer=ticket.customer, actor=admin_a)
        # A bad answer: it comes with its follow-up call.
        survey_response = answered_survey(surveyed, actor=admin_a, overall=1)
        return {
            **repairs_objects(tenant_a, admin_a),
            **fieldservice_objects(tenant_a, admin_a),
            **catalogue_objects(tenant_a, admin_a, ticket.customer),
            "survey_response": survey_response,
            "follow_up": survey_response.follow_ups.first(),
            "kb_article": article(tenant=tenant_a, author=admin_a, title="Leaks"),
            "ticket": ticket,
            "category": make_category(tenant_a),
            "organization": Organization.objects.create(tenant=tenant_a, name="ACME Retail"),
            "tier": Tier.objects.first(),
            "sla_policy": SlaPolicy.objects.first(),
        }


def api_urls(objects):
    for name in API_ROUTE_NAMES:
        kwargs = SAMPLE_KWARGS[name](objects) if name in SAMPLE_KWARGS else {}
        yield name, reverse(name, kwargs=kwargs)


def answers(client, url):
    return {
        "get": client.get(url).status_code,
        "post": client.post(url, {}, content_type="application/json").status_code,
        "patch": client.patch(url, {}, content_type="application/json").status_code,
    }


def test_it_returns_404_to_an_outsiders_session_on_every_api_route(objects, outsider):
    client = client_for(outsider, HOST_A)
    leaks = {name: answers(client, url) for name, url in api_urls(objects)}
    assert {name: codes for name, codes in leaks.items() if set(codes.values()) != {404}} == {}


def test_it_returns_404_to_an_outsiders_token_on_every_api_route(objects, outsider):
    client = token_client(outsider, HOST_A)
    leaks = {name: answers(client, url) for name, url in api_urls(objects)}
    assert {name: codes for name, codes in leaks.items() if set(codes.values()) != {404}} == {}


def test_it_serves_every_api_route_to_the_tenant_admin(objects, api_a):
    statuses = {name: api_a.get(url).status_code for name, url in api_urls(objects)}
    post_only = {name: statuses.pop(name) for name in POST_ONLY_URL_NAMES if name in statuses}
    assert set(post_only.values()) == {405}, post_only
    assert set(statuses.values()) == {200}, statuses


def test_it_does_not_find_tenant_as_objects_from_the_outsiders_own_host(objects, outsider):
    client = token_client(outsider, HOST_B)
    ticket, customer = objects["ticket"], objects["ticket"].customer
    assert client.get(f"/api/v1/tickets/{ticket.number}/").status_code == 404
    assert client.get(f"/api/v1/customers/{customer.pk}/").status_code == 404
    assert client.get(f"/api/v1/categories/{objects['category'].pk}/").status_code == 404
    assert client.get("/api/v1/tickets/").json()["results"] == []
