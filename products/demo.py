"""Demo catalogue and installed base: an air conditioner, a water purifier, a heat pump and a
water heater, and one unit per demo customer, some in and some out of warranty."""

from datetime import timedelta

from django.utils import timezone

from customers.models import Customer
from helpdesk.models import Tenant
from products.models import Product, Unit
from products.services import product_create, unit_register

# model code, name, Chinese name, product line, warranty months, parts, labour, on site, notes
PRODUCTS = (
    (
        "AC-9000",
        "Split air conditioner",
        "分体式空调",
        "Air conditioning 空调",
        36,
        True,
        True,
        True,
        "Check the refrigerant pressure before replacing the compressor.",
    ),
    (
        "WP-300",
        "Water purifier",
        "净水器",
        "Water 净水",
        12,
        True,
        False,
        False,
        "Filters are consumables: not covered by the warranty.",
    ),
    (
        "HP-12",
        "Air-source heat pump",
        "空气源热泵",
        "Heating 采暖",
        60,
        True,
        True,
        True,
        "Commissioning by a certified installer is required for the warranty.",
    ),
    ("WH-60", "Electric water heater", "电热水器", "Water 净水", 24, True, True, False, ""),
)
# serial, product index, days since the purchase (one per demo customer, in order)
UNITS = (
    ("ACM-WP-000456", 1, 500),
    ("ACM-WH-000321", 3, 900),
    ("ACM-AC-000123", 0, 200),
    ("ACM-HP-000789", 2, 90),
    ("ACM-AC-000124", 0, 700),
)


def seed_products(tenant: Tenant, customers: list[Customer]) -> list[Unit]:
    """Idempotent: adds what is missing; returns the demo units in the order of ``customers``."""
    products = [_product(tenant, row) for row in PRODUCTS]
    today = timezone.localdate()
    units = []
    for customer, (serial, product, days) in zip(customers, UNITS, strict=False):
        unit = Unit.objects.filter(serial=serial).first() or unit_register(
            tenant=tenant,
            actor=None,
            serial=serial,
            product=products[product],
            customer=customer,
            purchased_on=today - timedelta(days=days),
            purchase_channel="JD.com 京东" if days % 2 else "Suning 苏宁",
            installed_on=today - timedelta(days=days - 3),
        )
        units.append(unit)
    return units


def _product(tenant: Tenant, row: tuple) -> Product:
    code, name, name_zh, line, months, parts, labour, on_site, notes = row
    return Product.objects.filter(model_code=code).first() or product_create(
        tenant=tenant,
        actor=None,
        model_code=code,
        name=name,
        name_zh=name_zh,
        product_line=line,
        warranty_months=months,
        covers_parts=parts,
        covers_labour=labour,
        covers_on_site=on_site,
        service_notes=notes,
    )
