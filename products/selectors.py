"""Reads of the installed base. Preconditions: the tenant scope is active."""


from django.db.models import QuerySet
from django.http import Http404

from customers.models import Customer, normalise_phone
from products.models import SERIAL_MAX_LENGTH, Product, Unit, normalise_serial

# Most serials a text may name before we stop looking (a subject line, a pasted list).
SERIALS_LOOKED_UP = 10
# Fewer digits than this mean nobody in particular (an extension, a typo).
PHONE_MIN_DIGITS = 5


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
