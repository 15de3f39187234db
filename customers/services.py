"""Writes of customers. Each function is one transaction."""

from django.db import transaction

from helpdesk.models import Tenant

from .models import Customer


@transaction.atomic
def customer_create(*, tenant: Tenant, name: str, email: str = "", phone: str = "") -> Customer:
    """A new contact, e.g. a first-time caller logged by an agent. Precondition: scope active."""
    return Customer.objects.create(
        tenant=tenant, name=name.strip(), email=email.strip().lower(), phone=phone.strip()
    )
