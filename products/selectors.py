"""Reads of the catalogue and the installed base. Preconditions: the tenant scope is active."""

from datetime import date

from django.db.models import Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from customers.models import Customer, Organization, normalise_phone
from products.models import (
    SERIAL_MAX_LENGTH,
    Product,
    ServiceContract,
    ServicePlan,
    Unit,
    normalise_serial,
)
from products.warranty import earliest_purchase_in_warranty

# Most serials a text may name before we stop looking (a subject line, a pasted list).
SERIALS_LOOKED_UP = 10
# Fewer digits than this mean nobody in particular (an extension, a typo).
PHONE_MIN_DIGITS = 5
CONTRACT_IN_FORCE, CONTRACT_EXPIRED = "in_force", "expired"


def unit_find_by_serial(*, serial: str) -> Unit | None:
    """The scope's tenant's unit with this serial as a person would type it, or None."""
    found = Unit.objects.filter(serial=normalise_serial(serial))
    return found.select_related("product", "customer").first()


def units_with_serials(serials: list[str]) -> list[Unit]:
    """The tenant's units whose serial is one of ``serials`` (at most ``SERIALS_LOOKED_UP``
    of them, normalised), with product and owner, in one query."""
    wanted = {normalise_serial(serial) for serial in serials[:SERIALS_LOOKED_UP]}
    wanted = {serial for serial in wanted if 0 < len(serial) <= SERIAL_MAX_LENGTH}
    if not wanted:
        return []
    found = Unit.objects.filter(serial__in=wanted).select_related("product", "customer")
    return list(found.order_by("pk"))


def units_of_customer(*, customer: Customer) -> QuerySet[Unit]:
    """The customer's units, newest first, each with its product (one query)."""
    return Unit.objects.filter(customer=customer).select_related("product")


def units_find_by_phone(*, phone: str) -> QuerySet[Unit]:
    """The scope's tenant's units whose owner has this phone number, however it was typed
    (``customers.models.normalise_phone``), newest first, each with its product and owner
    (one query). No digits, no units."""
    number = normalise_phone(phone)
    if not number:
        return Unit.objects.none()
    # The owners through the scoped Customer manager, so the subquery names the customer's
    # own tenant column: that is what lets it use the (tenant, phone_normalised) index. A join
    # filtered on the unit's tenant alone reads every customer with a number.
    owners = Customer.objects.filter(phone_normalised=number).values("pk")
    return Unit.objects.filter(customer__in=owners).select_related("product", "customer")


def unit_of_customer(*, customer: Customer, pk: int) -> Unit:
    """The customer's unit ``pk`` with its product, or 404 (another customer's, or another
    tenant's, is simply unknown)."""
    unit = units_of_customer(customer=customer).filter(pk=pk).first()
    if unit is None:
        raise Http404
    return unit


def products_in_catalogue() -> QuerySet[Product]:
    """The tenant's active products, as a customer picks one when registering a unit."""
    return Product.objects.filter(is_active=True).order_by("model_code")


def units_for_intake(*, serial: str = "", phone: str = "", email: str = "") -> list[Unit]:
    """The units an agent may mean while logging a call: the unit with this serial and its
    owner's other units, else the units of the customers on this phone number, else those of
    the customer with this e-mail address; at most 50, the serial's unit first."""
    if serial.strip():
        unit = unit_find_by_serial(serial=serial)
        if unit is None:
            return []
        others = units_of_customer(customer=unit.customer).exclude(pk=unit.pk)
        return [unit, *others.select_related("customer")[:49]]
    if phone.strip():
        if len(normalise_phone(phone)) < PHONE_MIN_DIGITS:
            return []
        return list(units_find_by_phone(phone=phone)[:50])
    if email.strip():
        found = Unit.objects.filter(customer__email__iexact=email.strip())
        return list(found.select_related("product", "customer")[:50])
    return []


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


def service_plans() -> QuerySet[ServicePlan]:
    """The tenant's plans, by name."""
    return ServicePlan.objects.all()


def service_plan_get(*, pk: int) -> ServicePlan:
    """The scope's tenant's plan, or 404 (another tenant's is unknown here)."""
    return get_object_or_404(ServicePlan.objects.all(), pk=pk)


def service_contract_get(*, pk: int) -> ServiceContract:
    found = ServiceContract.objects.select_related("plan", "unit__product", "organization")
    return get_object_or_404(found, pk=pk)


def service_contracts(
    *,
    serial: str = "",
    organization: Organization | None = None,
    state: str = "",
    day: date | None = None,
) -> QuerySet[ServiceContract]:
    """Contracts with their plan, unit and organisation (one query for a page), filtered by
    the unit's serial (as typed), the organisation and ``state``: ``in_force`` on ``day``
    (today by default) or ``expired`` before it."""
    found = ServiceContract.objects.select_related("plan", "unit__product", "organization")
    if serial.strip():
        found = found.filter(unit__serial__contains=normalise_serial(serial))
    if organization is not None:
        found = found.filter(organization=organization)
    day = day or timezone.localdate()
    if state == CONTRACT_IN_FORCE:
        found = found.filter(starts_on__lte=day, ends_on__gte=day)
    elif state == CONTRACT_EXPIRED:
        found = found.filter(ends_on__lt=day)
    return found
