"""A customer without a tier of their own takes their organization's, for routing, SLA policy
and escalation alike."""

import pytest
from django_scopes import scope

from customers.defaults import seed_tiers
from customers.models import Customer, Organization
from sla.defaults import seed_sla_defaults
from sla.services import policy_for
from tests.tickets.helpers import make_ticket
from tickets.routing import needs_certified_agent


@pytest.fixture
def tiers(tenant_a):
    with scope(tenant=tenant_a):
        tiers = seed_tiers(tenant_a)
        seed_sla_defaults(tenant_a)
        yield tiers


def customer_of(tenant, *, own=None, organization_tier=None) -> Customer:
    organization = Organization.objects.create(
        tenant=tenant, name="Big Buyer Ltd", tier=organization_tier
    )
    return Customer.objects.create(
        tenant=tenant, name="Li", email="li@x.cn", tier=own, organization=organization
    )


def test_it_takes_the_organizations_tier_when_the_customer_has_none(tenant_a, tiers):
    customer = customer_of(tenant_a, organization_tier=tiers["vip"])
    ticket = make_ticket(tenant_a, customer=customer)
    assert customer.effective_tier == tiers["vip"]
    assert needs_certified_agent(ticket)
    assert tiers["vip"] in policy_for(ticket).tiers.all()
    # The default trigger escalates a priority-service customer's ticket on creation.
    assert ticket.escalations.get(level="rule").reason == "a priority-service customer"


def test_it_prefers_the_customers_own_tier(tenant_a, tiers):
    customer = customer_of(tenant_a, own=tiers["regular"], organization_tier=tiers["vip"])
    ticket = make_ticket(tenant_a, customer=customer)
    assert customer.effective_tier == tiers["regular"]
    assert not needs_certified_agent(ticket)
    assert not policy_for(ticket).tiers.exists()
    assert not ticket.escalations.exists()
