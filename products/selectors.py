"""Reads of the installed base. Preconditions: the tenant scope is active."""

from datetime import date

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from customers.models import Customer, Organization
from products.models import ServiceContract, ServicePlan, Unit, normalise_serial

CONTRACT_IN_FORCE, CONTRACT_EXPIRED = "in_force", "expired"


def unit_find_by_serial(*, serial: str) -> Unit | None:
    """The scope's tenant's unit with this serial as a person would type it, or None."""
    found = Unit.objects.filter(serial=normalise_serial(serial))
    return found.select_related("product", "customer").first()


def units_of_customer(*, customer: Customer) -> QuerySet[Unit]:
    """The customer's units, newest first, each with its product (one query)."""
    return Unit.objects.filter(customer=customer).select_related("product")


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
