"""Customers, organizations, tiers, categories and SLA policies through the API."""

from django_scopes import scope

from customers.models import Customer, Organization, Tier
from helpdesk.services import tenant_seed_defaults
from sla.models import SlaPolicy
from tests.api.conftest import post_json
from tests.tickets.helpers import make_category, make_customer

CUSTOMERS = "/api/v1/customers/"


def test_it_lists_and_searches_customers_newest_first(api_a, tenant_a):
    with scope(tenant=tenant_a):
        older = make_customer(tenant_a, email="li.lei@example.test")
        newer = Customer.objects.create(tenant=tenant_a, name="Han Meimei", email="han@x.test")
    rows = api_a.get(CUSTOMERS).json()["results"]
    assert [r["id"] for r in rows] == [newer.pk, older.pk]
    found = api_a.get(CUSTOMERS, {"search": "li.lei"}).json()["results"]
    assert [r["id"] for r in found] == [older.pk]


def test_it_shows_one_customer_and_404s_an_unknown_one(api_a, tenant_a):
    with scope(tenant=tenant_a):
        customer = make_customer(tenant_a, tier_code="vip", is_vip=True)
    body = api_a.get(f"{CUSTOMERS}{customer.pk}/").json()
    assert body["email"] == customer.email
    assert body["tier"]["code"] == "vip"
    assert api_a.get(f"{CUSTOMERS}{customer.pk + 100}/").status_code == 404
    assert api_a.get(f"{CUSTOMERS}abc/").status_code == 404


def test_it_creates_a_customer(api_a, tenant_a):
    with scope(tenant=tenant_a):
        tier = Tier.objects.create(tenant=tenant_a, code="gold", name="Gold")
        organization = Organization.objects.create(tenant=tenant_a, name="ACME Retail")
    response = post_json(
        api_a,
        CUSTOMERS,
        {
            "name": "Wang Fang",
            "email": "Wang.Fang@Example.test",
            "tier": tier.pk,
            "organization": organization.pk,
            "tags": ["price-sensitive"],
        },
        **{"Idempotency-Key": "c-1"},
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["email"] == "wang.fang@example.test"
    assert (body["tier"]["id"], body["organization"]["id"]) == (tier.pk, organization.pk)
    assert body["tags"] == ["price-sensitive"]


def test_it_wants_something_to_identify_a_new_customer(api_a):
    response = post_json(api_a, CUSTOMERS, {"name": " "})
    assert response.status_code == 400
    assert "name" in response.json()


def test_it_lists_tiers_categories_and_sla_policies(api_a, tenant_a, team_a):
    with scope(tenant=tenant_a):
        tenant_seed_defaults(tenant_a)
        category = make_category(tenant_a, name="Repair", team=team_a)
        tier_codes = list(Tier.objects.order_by("rank", "pk").values_list("code", flat=True))
        policy_names = list(SlaPolicy.objects.values_list("name", flat=True))
    assert [t["code"] for t in api_a.get("/api/v1/tiers/").json()] == tier_codes
    categories = api_a.get("/api/v1/categories/").json()
    assert categories == [
        {
            "id": category.pk,
            "name": "Repair",
            "team": {"id": team_a.pk, "name": "Repair"},
            "required_skill": None,
            "is_complaint": False,
        }
    ]
    policies = api_a.get("/api/v1/sla-policies/").json()
    assert [p["name"] for p in policies] == policy_names
    assert {"calendar", "first_response_minutes", "priorities"} <= set(policies[0])
    assert isinstance(policies[0]["first_response_minutes"], float | int)


def test_it_lists_organizations(api_a, tenant_a):
    with scope(tenant=tenant_a):
        Organization.objects.create(tenant=tenant_a, name="ACME Retail")
    assert [o["name"] for o in api_a.get("/api/v1/organizations/").json()] == ["ACME Retail"]
