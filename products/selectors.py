"""Reads of the catalogue and the installed base. Preconditions: the tenant scope is active."""

from datetime import date

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from customers.models import Customer
from products.models import Product, Unit, normalise_serial
from products.warranty import earliest_purchase_in_warranty


def unit_find_by_serial(*, serial: str) -> Unit | None:
    """The scope's tenant's unit with this serial as a person would type it, or None."""
    found = Unit.objects.filter(serial=normalise_serial(serial))
    return found.select_related("product", "customer").first()


def units_of_customer(*, customer: Customer) -> QuerySet[Unit]:
    """The customer's units, newest first, each with its product (one query)."""
    return Unit.objects.filter(customer=customer).select_related("product")


# --- catalogue ----------------------------------------------------------------------------------


def product_list(
    *, query: str = "", product_line: str = "", active: bool | None = None
) -> QuerySet[Product]:
    """Products by model code; ``query`` matches model code and both names."""
    products = Product.objects.order_by("model_code", "pk")
    if query.strip():
        text = query.strip()
        products = products.filter(
            Q(model_code__icontains=text) | Q(name__icontains=text) | Q(name_zh__icontains=text)
        )
    if product_line.strip():
        products = products.filter(product_line__iexact=product_line.strip())
    if active is not None:
        products = products.filter(is_active=active)
    return products


def product_lines() -> list[str]:
    """The tenant's product lines, for a filter's choices."""
    lines = Product.objects.exclude(product_line="").values_list("product_line", flat=True)
    return sorted(set(lines))


def product_get(*, pk: int) -> Product:
    """The scope's tenant's product, or 404 (another tenant's is unknown)."""
    return get_object_or_404(Product, pk=pk)


# --- installed base ------------------------------------------------------------------------------

UNIT_RELATED = ("product", "customer", "organization")


def in_warranty_condition(today: date | None = None) -> Q:
    """Units covered on ``today`` (the active time zone's date by default): an override that
    has not run out, or, without one, a purchase on or after the earliest date the product's
    period still covers. One comparison per warranty period the tenant's products use (one
    query to find them)."""
    today = today or timezone.localdate()
    by_period = Q(pk__in=[])
    periods = Product.objects.values_list("warranty_months", flat=True).distinct()
    for months in set(periods):
        earliest = earliest_purchase_in_warranty(months, today)
        if earliest is not None:
            by_period |= Q(product__warranty_months=months, purchased_on__gte=earliest)
    overridden = Q(warranty_override_until__isnull=False, warranty_override_until__gte=today)
    return overridden | (Q(warranty_override_until__isnull=True) & by_period)


def unit_list(
    *,
    query: str = "",
    serial: str = "",
    customer_id: int | None = None,
    product_id: int | None = None,
    in_warranty: bool | None = None,
) -> QuerySet[Unit]:
    """Units, newest first, with product, owner and organisation. ``query`` matches the serial
    (as typed: case and spaces), the owner's name and phone; ``serial`` is an exact match."""
    units = Unit.objects.select_related(*UNIT_RELATED)
    if query.strip():
        text = query.strip()
        units = units.filter(
            Q(serial__contains=normalise_serial(text))
            | Q(customer__name__icontains=text)
            | Q(customer__phone__contains=text.replace(" ", ""))
        )
    if serial:
        units = units.filter(serial=normalise_serial(serial))
    if customer_id is not None:
        units = units.filter(customer_id=customer_id)
    if product_id is not None:
        units = units.filter(product_id=product_id)
    if in_warranty is not None:
        condition = in_warranty_condition()
        units = units.filter(condition) if in_warranty else units.exclude(condition)
    return units


def unit_get(*, pk: int) -> Unit:
    """The scope's tenant's unit with product, owner and organisation, or 404."""
    return get_object_or_404(Unit.objects.select_related(*UNIT_RELATED), pk=pk)
