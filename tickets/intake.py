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
from tickets.models import Category, Ticket
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


def ticket_intake_from_form(
    *, tenant: Tenant, actor: Membership, data: dict, category: Category | None = None
) -> Ticket:
    """``ticket_intake`` from an agent's intake form (``tickets.forms.TicketIntakeForm`` and the
    incident page's, which share its fields); ``category``: used when the form names none."""
    return ticket_intake(
        tenant=tenant,
        actor=actor,
        requester=Requester(
            name=data["customer_name"], email=data["customer_email"], phone=data["customer_phone"]
        ),
        subject=data["subject"],
        description=data["description"],
        category=data["category"] or category,
        priority=data["priority"],
        channel=data["channel"],
        product_model=data["product_model"],
        fault_symptom=data["fault_symptom"],
        caller=data["caller"],
        call_started_at=data["call_started_at"],
        call_duration_seconds=data["call_duration"],
        attachments=data["attachments"],
    )
