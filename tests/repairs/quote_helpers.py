"""A small after-sales world for the quote and KPI tests: a product, units, parts, a stock
location, and consumption rows written as the stock services write them."""

from datetime import date
from decimal import Decimal

from products.models import Product, ServiceContract, ServicePlan, Unit
from repairs.models import Part, RepairSettings, StockLocation, StockMovement


def make_product(tenant, code="WM-800", *, months=12, **covers) -> Product:
    return Product.objects.create(
        tenant=tenant, model_code=code, name=f"Washer {code}", warranty_months=months, **covers
    )


def make_unit(tenant, customer, *, serial="SN-1", purchased_on=date(2026, 1, 10), product=None):
    product = product or make_product(tenant)
    return Unit.objects.create(
        tenant=tenant, serial=serial, product=product, customer=customer, purchased_on=purchased_on
    )


def make_contract(
    tenant, unit, *, starts_on, ends_on, reference="C-1", **covers
) -> ServiceContract:
    plan = ServicePlan.objects.create(tenant=tenant, name=f"Gold {reference}", **covers)
    return ServiceContract.objects.create(
        tenant=tenant,
        plan=plan,
        reference=reference,
        unit=unit,
        starts_on=starts_on,
        ends_on=ends_on,
    )


def make_part(tenant, number="P-PUMP", *, price="120.00", cost="70.00", name_zh="排水泵"):
    return Part.objects.create(
        tenant=tenant,
        part_number=number,
        name=f"Part {number}",
        name_zh=name_zh,
        unit_price=Decimal(price),
        unit_cost=Decimal(cost),
    )


def make_location(tenant, name="Main warehouse") -> StockLocation:
    return StockLocation.objects.create(tenant=tenant, name=name)


def move(tenant, ticket, part, kind, quantity, *, location=None, price=None, cost=None, at=None):
    """A consumption or return row as the stock services record it."""
    location = location or StockLocation.objects.first() or make_location(tenant)
    extra = {"created_at": at} if at is not None else {}
    return StockMovement.objects.create(
        tenant=tenant,
        part=part,
        location=location,
        kind=kind,
        quantity=quantity,
        ticket=ticket,
        unit=getattr(ticket, "unit", None),
        unit_price=Decimal(price) if price is not None else part.unit_price,
        unit_cost=Decimal(cost) if cost is not None else part.unit_cost,
        **extra,
    )


def set_rates(tenant, *, labour="80.00", callout="50.00", currency="CNY") -> RepairSettings:
    return RepairSettings.objects.create(
        tenant=tenant,
        currency=currency,
        labour_rate_per_hour=Decimal(labour),
        callout_fee=Decimal(callout),
    )
