"""Parts, locations and stock for the repairs tests (and the isolation walkers)."""

from decimal import Decimal

from repairs import services
from repairs.models import LocationKind


def make_part(tenant, actor=None, number="CMP-100", name="Compressor", **values):
    values.setdefault("unit_cost", Decimal("80.00"))
    values.setdefault("unit_price", Decimal("120.00"))
    return services.part_create(tenant=tenant, actor=actor, part_number=number, name=name, **values)


def make_location(tenant, actor=None, name="Main warehouse", **values):
    values.setdefault("kind", LocationKind.WAREHOUSE)
    return services.stock_location_create(tenant=tenant, actor=actor, name=name, **values)


def stocked_part(tenant, actor=None, quantity=10, **values):
    """A part with ``quantity`` received at a new warehouse: (part, location)."""
    part = make_part(tenant, actor, **values)
    location = make_location(tenant, actor)
    if quantity:
        services.stock_receive(
            tenant=tenant, actor=actor, part=part, location=location, quantity=quantity
        )
    return part, location


def repairs_objects(tenant, actor):
    """The catalogue objects of ``tenant`` the URL walkers point at. Precondition: in its scope."""
    part, location = stocked_part(tenant, actor, quantity=3)
    return {"part": part, "stock_location": location}
