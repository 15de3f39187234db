"""The one intake: every way a request arrives becomes a ticket here.

The agent's form and phone intake, the API, the portal's web form, inbound e-mail, incident
intake and the backlog import (and the channels and work orders still to come) all call
``ticket_intake``: find or create the customer the request comes from, then create the ticket,
in one transaction, so a rejected attachment leaves no new customer behind.
"""

from dataclasses import dataclass

from django.db import transaction

from customers.models import Customer
from customers.services import customer_get_or_create
from helpdesk.models import Membership, Tenant
from tickets.models import Ticket
from tickets.services import ticket_create


@dataclass(frozen=True)
class Requester:
    """Who a request comes from, as the channel knows them; matched to a customer by e-mail
    address, else by phone number (``customer_get_or_create``)."""

    name: str = ""
    email: str = ""
    phone: str = ""
    language: str = ""


def ticket_intake(
    *,
    tenant: Tenant,
    requester: Requester | Customer,
    actor: Membership | None = None,
    **ticket_fields,
) -> Ticket:
    """Find or create the requester's customer and open the ticket; ``ticket_fields`` are
    ``ticket_create``'s (subject, description, channel, priority, category, attachments, …).

    A ``Customer`` as the requester is taken as it is (the API names one by id). Precondition:
    the tenant's scope is active; ``actor`` is the member logging the request, None when the
    customer files it themselves.
    """
    with transaction.atomic():
        customer = requester
        if not isinstance(requester, Customer):
            customer = customer_get_or_create(
                tenant=tenant,
                actor=actor,
                name=requester.name,
                email=requester.email,
                phone=requester.phone,
                language=requester.language,
            )
        return ticket_create(tenant=tenant, actor=actor, customer=customer, **ticket_fields)


def requester_from(data: dict) -> Requester:
    """The requester of an agent's intake form (``customer_name``, ``customer_email``,
    ``customer_phone``), as the ticket and the incident intake forms name them."""
    return Requester(
        name=data["customer_name"], email=data["customer_email"], phone=data["customer_phone"]
    )
