"""Reads of the installed base. Preconditions: the tenant scope is active."""

from django.db.models import QuerySet

from customers.models import Customer, normalise_phone
from products.models import Unit, normalise_serial


def unit_find_by_serial(*, serial: str) -> Unit | None:
    """The scope's tenant's unit with this serial as a person would type it, or None."""
    found = Unit.objects.filter(serial=normalise_serial(serial))
    return found.select_related("product", "customer").first()


def units_of_customer(*, customer: Customer) -> QuerySet[Unit]:
    """The customer's units, newest first, each with its product (one query)."""
    return Unit.objects.filter(customer=customer).select_related("product")


def units_find_by_phone(*, phone: str) -> QuerySet[Unit]:
    """The scope's tenant's units whose owner has this phone number, however it was typed
    (``customers.models.normalise_phone``), newest first, each with its product and owner
    (one query, through the ``customer_tenant_phone`` index). No digits, no units."""
    number = normalise_phone(phone)
    if not number:
        return Unit.objects.none()
    owned = Unit.objects.filter(customer__phone_normalised=number)
    return owned.select_related("product", "customer")
