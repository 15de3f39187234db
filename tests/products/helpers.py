"""Builders for tests of units: a catalogue entry, a registered unit, a signed-in portal."""

from datetime import date

from products.models import Product, Unit
from products.services import product_create, unit_register
from tests.conftest import HOST_A, client_for
from tickets.portal_views import SESSION_KEY


def make_product(tenant, actor=None, **fields) -> Product:
    fields = {"model_code": "AC-9", "name": "Air conditioner", "name_zh": "空调", **fields}
    return product_create(tenant=tenant, actor=actor, **fields)


def make_unit(tenant, *, customer, product=None, serial="ACM-AC-000123", **fields) -> Unit:
    """A unit bought on 2026-03-01 with the product's 12-month warranty (scope active)."""
    return unit_register(
        tenant=tenant,
        actor=None,
        serial=serial,
        product=product or make_product(tenant),
        customer=customer,
        purchased_on=fields.pop("purchased_on", date(2026, 3, 1)),
        today=date(2026, 12, 7),
        **fields,
    )


def portal_client_for(customer, host: str = HOST_A):
    """A portal visitor signed in as ``customer``, as the one-time link leaves them."""
    client = client_for(None, host)
    session = client.session
    session[SESSION_KEY] = {"tenant": customer.tenant_id, "customer": customer.pk}
    session.save()
    return client
