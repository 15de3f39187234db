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
    (one query). No digits, no units."""
    number = normalise_phone(phone)
    if not number:
        return Unit.objects.none()
    # The owners through the scoped Customer manager, so the subquery names the customer's
    # own tenant column: that is what lets it use the (tenant, phone_normalised) index. A join
    # filtered on the unit's tenant alone reads every customer with a number.
    owners = Customer.objects.filter(phone_normalised=number).values("pk")
    return Unit.objects.filter(customer__in=owners).select_related("product", "customer")
