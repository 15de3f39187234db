"""Builders for contract and entitlement tests, through the products services."""

from datetime import date

from products.models import Product
from products.services import (
    product_create,
    service_contract_create,
    service_plan_create,
    unit_register,
)
from tests.factories import CustomerFactory

GOLD = {
    "name": "Gold",
    "on_site_within_hours": 24,
    "first_response_minutes": 30,
    "preventive_visits_per_year": 2,
}


def washer_unit(tenant, actor, *, serial="SN-1001", purchased_on=date(2026, 3, 1), **fields):
    """A washer with a 24-month warranty (bought 2026-03-01: covered through 2028-02-29)."""
    product = Product.objects.filter(model_code="WM-800").first() or product_create(
        tenant=tenant, actor=actor, model_code="WM-800", name="Washer", warranty_months=24
    )
    customer = fields.pop("customer", None) or CustomerFactory(tenant=tenant)
    return unit_register(
        tenant=tenant,
        actor=actor,
        serial=serial,
        product=product,
        customer=customer,
        purchased_on=purchased_on,
        today=date(2026, 12, 7),
        **fields,
    )


def gold_plan(tenant, actor, **overrides):
    return service_plan_create(tenant=tenant, actor=actor, **{**GOLD, **overrides})


def contract(tenant, actor, plan, *, reference="C-1", unit=None, organization=None, **dates):
    return service_contract_create(
        tenant=tenant,
        actor=actor,
        plan=plan,
        reference=reference,
        unit=unit,
        organization=organization,
        starts_on=dates.get("starts_on", date(2026, 1, 1)),
        ends_on=dates.get("ends_on", date(2030, 12, 31)),
    )


def contract_objects(tenant, actor, organization) -> dict:
    """A plan and an organisation's contract, for the isolation walker (tests/url_catalogue)."""
    plan = gold_plan(tenant, actor)
    return {
        "service_plan": plan,
        "service_contract": contract(tenant, actor, plan, organization=organization),
    }
