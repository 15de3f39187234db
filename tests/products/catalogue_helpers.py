"""Catalogue rows of a tenant for tests: a product and one registered unit."""

from datetime import date

from django.core.files.uploadedfile import SimpleUploadedFile

from products.services import product_create, unit_register


def catalogue_objects(tenant, actor, customer) -> dict:
    """A product and a unit of ``customer``; the URL catalogue points at them. Precondition:
    the tenant's scope is active."""
    product = product_create(
        tenant=tenant, actor=actor, model_code="AC-1", name="Air conditioner", warranty_months=24
    )
    unit = unit_register(
        tenant=tenant,
        actor=actor,
        serial="ACM-AC-000001",
        product=product,
        customer=customer,
        purchased_on=date(2026, 1, 15),
        invoice=SimpleUploadedFile("invoice.pdf", b"%PDF-1.4 an invoice"),
    )
    return {"product": product, "unit": unit}
