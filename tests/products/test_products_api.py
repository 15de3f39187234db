"""/api/v1/products/ and /api/v1/units/: create, bad input naming the field, filters,
warranty in the representation, tenants apart, Idempotency-Key replays."""

from datetime import date, timedelta

import pytest
from django.utils import timezone
from django_scopes import scope

from customers.models import Organization
from products.models import Unit, UnitEvent
from products.services import product_create, unit_register
from tests.api.conftest import patch_json, post_json, token_client
from tests.factories import CustomerFactory

PRODUCTS = "/api/v1/products/"
UNITS = "/api/v1/units/"


@pytest.fixture
def api_a(admin_a):
    return token_client(admin_a)


@pytest.fixture
def agent_api_a(agent_a):
    return token_client(agent_a)


@pytest.fixture
def cooler(tenant_a, admin_a):
    with scope(tenant=tenant_a):
        return product_create(
            tenant=tenant_a,
            actor=admin_a,
            model_code="AC-9000",
            name="Air conditioner",
            product_line="Cooling",
            warranty_months=12,
        )


@pytest.fixture
def owner(tenant_a):
    return CustomerFactory(tenant=tenant_a, name="Li Lei", phone="13800138000")


def register(tenant, actor, product, customer, serial, purchased_on):
    with scope(tenant=tenant):
        return unit_register(
            tenant=tenant,
            actor=actor,
            serial=serial,
            product=product,
            customer=customer,
            purchased_on=purchased_on,
        )


def unit_body(product, customer, **extra):
    return {
        "serial": "acm ac 000123",
        "product": product.pk,
        "customer": customer.pk,
        "purchased_on": "2026-03-01",
        **extra,
    }


def test_it_registers_a_unit_and_shows_its_warranty(api_a, tenant_a, cooler, owner):
    response = post_json(api_a, UNITS, unit_body(cooler, owner, installed_on="2026-03-05"))
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["serial"] == "ACMAC000123"
    assert body["product"] == {"id": cooler.pk, "model_code": "AC-9000"}
    assert body["customer"] == {"id": owner.pk, "name": "Li Lei"}
    assert body["warranty_ends_on"] == "2027-02-28"
    assert body["in_warranty"] is (timezone.localdate() <= date(2027, 2, 28))
    assert body["status"] == "active" and body["installed_on"] == "2026-03-05"
    with scope(tenant=tenant_a):
        unit = Unit.objects.get()
        assert UnitEvent.objects.get(unit=unit).action == "registered"


def test_it_refuses_a_duplicate_serial_naming_the_field(api_a, tenant_a, cooler, owner):
    assert post_json(api_a, UNITS, unit_body(cooler, owner)).status_code == 201
    again = post_json(api_a, UNITS, unit_body(cooler, owner, serial="AcM AC000123"))
    assert again.status_code == 400
    assert list(again.json()) == ["serial"]
    with scope(tenant=tenant_a):
        assert Unit.objects.count() == 1


def test_it_refuses_a_purchase_in_the_future_naming_the_field(api_a, tenant_a, cooler, owner):
    tomorrow = (timezone.localdate() + timedelta(days=2)).isoformat()
    response = post_json(api_a, UNITS, unit_body(cooler, owner, purchased_on=tomorrow))
    assert response.status_code == 400
    assert list(response.json()) == ["purchased_on"]
    with scope(tenant=tenant_a):
        assert not Unit.objects.exists()


def test_it_names_another_tenants_customer_and_product_as_unknown(
    api_a, tenant_b, outsider, cooler, owner
):
    with scope(tenant=tenant_b):
        their_product = product_create(
            tenant=tenant_b, actor=outsider, model_code="X-1", name="Theirs"
        )
    their_customer = CustomerFactory(tenant=tenant_b)
    response = post_json(api_a, UNITS, unit_body(their_product, their_customer, serial="OTHER-1"))
    assert response.status_code == 400
    assert set(response.json()) == {"product", "customer"}


def test_it_filters_units_by_serial_as_typed_customer_product_and_warranty(
    api_a, tenant_a, admin_a, cooler, owner
):
    today = timezone.localdate()
    other = CustomerFactory(tenant=tenant_a)
    covered = register(
        tenant_a, admin_a, cooler, owner, "ACM-AC-000123", today - timedelta(days=30)
    )
    expired = register(
        tenant_a, admin_a, cooler, other, "ACM-AC-000124", today - timedelta(days=800)
    )

    def ids(query):
        response = api_a.get(UNITS, query)
        assert response.status_code == 200, response.json()
        return [row["id"] for row in response.json()["results"]]

    assert ids({"serial": " acm-ac-000 123 "}) == [covered.pk]
    assert ids({"customer": other.pk}) == [expired.pk]
    assert ids({"product": cooler.pk}) == [expired.pk, covered.pk]
    assert ids({"in_warranty": "true"}) == [covered.pk]
    assert ids({"in_warranty": "false"}) == [expired.pk]
    rows = {row["id"]: row for row in api_a.get(UNITS).json()["results"]}
    assert rows[covered.pk]["in_warranty"] is True
    assert rows[expired.pk]["in_warranty"] is False
    assert api_a.get(UNITS, {"in_warranty": "maybe"}).status_code == 400


def test_it_answers_404_for_another_tenants_unit(api_a, tenant_b, outsider):
    with scope(tenant=tenant_b):
        product = product_create(tenant=tenant_b, actor=outsider, model_code="X-1", name="X")
    unit = register(
        tenant_b, outsider, product, CustomerFactory(tenant=tenant_b), "B-1", date(2026, 1, 1)
    )
    assert api_a.get(f"{UNITS}{unit.pk}/").status_code == 404
    assert patch_json(api_a, f"{UNITS}{unit.pk}/", {"status": "scrapped"}).status_code == 404
    assert api_a.get(UNITS, {"serial": "B-1"}).json()["results"] == []


def test_it_replays_a_unit_registration_with_the_same_idempotency_key(
    api_a, tenant_a, cooler, owner
):
    body = unit_body(cooler, owner)
    first = post_json(api_a, UNITS, body, **{"Idempotency-Key": "unit-1"})
    again = post_json(api_a, UNITS, body, **{"Idempotency-Key": "unit-1"})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    with scope(tenant=tenant_a):
        assert Unit.objects.count() == 1


def test_it_changes_a_unit_and_audits_each_field(api_a, tenant_a, admin_a, cooler, owner):
    unit = register(tenant_a, admin_a, cooler, owner, "ACM-1", date(2026, 1, 10))
    with scope(tenant=tenant_a):
        shop = Organization.objects.create(tenant=tenant_a, name="ACME Retail")
    response = patch_json(
        api_a,
        f"{UNITS}{unit.pk}/",
        {"status": "replaced", "organization": shop.pk, "installation_address": " 1 Road "},
    )
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "replaced"
    assert response.json()["organization"] == {"id": shop.pk, "name": "ACME Retail"}
    with scope(tenant=tenant_a):
        changed = UnitEvent.objects.filter(unit=unit, action="changed")
        assert {e.field: (e.old_value, e.new_value) for e in changed} == {
            "status": ("active", "replaced"),
            "organization": ("", "ACME Retail"),
            "installation_address": ("", "1 Road"),
        }
    early = patch_json(api_a, f"{UNITS}{unit.pk}/", {"installed_on": "2025-12-31"})
    assert early.status_code == 400 and list(early.json()) == ["installed_on"]


def test_it_lets_admins_but_not_agents_change_the_catalogue(api_a, agent_api_a, tenant_a):
    body = {"model_code": "WP-1", "name": "Water purifier", "product_line": "Water"}
    created = post_json(api_a, PRODUCTS, body, **{"Idempotency-Key": "p-1"})
    assert created.status_code == 201
    assert post_json(api_a, PRODUCTS, body, **{"Idempotency-Key": "p-1"}).json() == created.json()
    duplicate = post_json(api_a, PRODUCTS, {**body, "model_code": "wp-1"})
    assert duplicate.status_code == 400 and list(duplicate.json()) == ["model_code"]
    assert post_json(agent_api_a, PRODUCTS, {**body, "model_code": "WP-2"}).status_code == 404
    pk = created.json()["id"]
    assert patch_json(agent_api_a, f"{PRODUCTS}{pk}/", {"name": "x"}).status_code == 404
    changed = patch_json(api_a, f"{PRODUCTS}{pk}/", {"warranty_months": 36, "is_active": False})
    assert changed.status_code == 200
    assert (changed.json()["warranty_months"], changed.json()["is_active"]) == (36, False)
    assert agent_api_a.get(f"{PRODUCTS}{pk}/").status_code == 200


def test_it_filters_products_by_model_code_line_and_activity(api_a, tenant_a, admin_a, cooler):
    with scope(tenant=tenant_a):
        product_create(tenant=tenant_a, actor=admin_a, model_code="WP-1", name="Purifier")

    def codes(query):
        return [row["model_code"] for row in api_a.get(PRODUCTS, query).json()["results"]]

    assert codes({}) == ["AC-9000", "WP-1"]
    assert codes({"model_code": "ac-9000"}) == ["AC-9000"]
    assert codes({"product_line": "cooling"}) == ["AC-9000"]
    assert codes({"active": "true"}) == ["AC-9000", "WP-1"]
    assert codes({"active": "false"}) == []
