"""Reads of the installed base. Preconditions: the tenant scope is active."""

import re

from django.db.models import F, QuerySet, Value
from django.db.models.functions import Replace
from django.http import Http404

from customers.models import Customer
from products.models import SERIAL_MAX_LENGTH, Product, Unit, normalise_serial

# Characters people put between the digits of a phone number.
PHONE_SEPARATORS = (" ", "-", "+", "(", ")", ".")
# Mainland China's country code, as dialled from abroad (+86) or as an international prefix.
COUNTRY_PREFIXES = ("0086", "86")
# Most serials a text may name before we stop looking (a subject line, a pasted list).
SERIALS_LOOKED_UP = 10


def phone_digits(raw: str) -> str:
    """A phone number as digits only, without China's country code: ``+86 138-0013-8000``,
    ``0086 13800138000`` and ``13800138000`` all give ``13800138000``."""
    digits = re.sub(r"\D", "", raw or "")
    for prefix in COUNTRY_PREFIXES:
        if digits.startswith(prefix) and len(digits) - len(prefix) >= 11:
            return digits[len(prefix) :]
    return digits


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


def unit_of_customer(*, customer: Customer, pk: int) -> Unit:
    """The customer's unit ``pk`` with its product, or 404 (another customer's, or another
    tenant's, is simply unknown)."""
    unit = units_of_customer(customer=customer).filter(pk=pk).first()
    if unit is None:
        raise Http404
    return unit


def units_of_phone(phone: str) -> list[Unit]:
    """The units of the customers reachable on ``phone`` however it is written (spaces,
    dashes, +86), with product and owner, newest first; [] for fewer than 5 digits."""
    digits = phone_digits(phone)
    if len(digits) < 5:
        return []
    stored = F("customer__phone")
    for separator in PHONE_SEPARATORS:
        stored = Replace(stored, Value(separator), Value(""))
    variants = [digits, *(prefix + digits for prefix in COUNTRY_PREFIXES)]
    found = Unit.objects.alias(owner_phone=stored).filter(owner_phone__in=variants)
    return list(found.select_related("product", "customer")[:50])


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
        return units_of_phone(phone)
    if email.strip():
        found = Unit.objects.filter(customer__email__iexact=email.strip())
        return list(found.select_related("product", "customer")[:50])
    return []
