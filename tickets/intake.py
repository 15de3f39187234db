"""The one intake: every way a request arrives becomes a ticket here.

The agent's form and phone intake, the API, the portal's web form, inbound e-mail, incident
intake and the backlog import (and the channels and work orders still to come) all call
``ticket_intake``: find or create the customer the request comes from, then create the ticket,
in one transaction, so a rejected attachment leaves no new customer behind.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from customers.models import Customer, normalise_phone
from customers.services import customer_get_or_create
from helpdesk.models import Membership, Tenant
from products.models import Unit
from products.selectors import unit_find_by_serial
from tickets.models import Category, Channel, Ticket
from tickets.services import ticket_assign, ticket_create


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
    requester: Requester | Customer | None,
    actor: Membership | None = None,
    unit: Unit | str | None = None,
    **ticket_fields,
) -> Ticket:
    """Find or create the requester's customer and open the ticket; ``ticket_fields`` are
    ``ticket_create``'s (subject, description, channel, priority, category, attachments, …).

    A ``Customer`` as the requester is taken as it is (the API names one by id). ``unit``: the
    unit the request is about, or its serial number as typed (``ValidationError`` on
    ``serial`` when the tenant has no such unit); with no requester, the unit's owner files it.
    Precondition: the tenant's scope is active; ``actor`` is the member logging the request,
    None when the customer files it themselves.
    """
    with transaction.atomic():
        unit = _unit_named(unit)
        customer = _customer_of(tenant, actor, requester, unit)
        return ticket_create(
            tenant=tenant, actor=actor, customer=customer, unit=unit, **ticket_fields
        )


def _unit_named(unit: Unit | str | None) -> Unit | None:
    if not isinstance(unit, str):
        return unit
    if not unit.strip():
        return None
    found = unit_find_by_serial(serial=unit)
    if found is None:
        raise ValidationError({"serial": _("No unit with this serial number is registered.")})
    return found


def _customer_of(
    tenant: Tenant, actor: Membership | None, requester: Requester | Customer | None, unit
) -> Customer:
    if isinstance(requester, Customer):
        return requester
    if requester is None or not (requester.name or requester.email or requester.phone):
        if unit is not None:
            return unit.customer
        raise ValidationError(_("Give the customer's e-mail, phone number or name."))
    return customer_get_or_create(
        tenant=tenant,
        actor=actor,
        name=requester.name,
        email=requester.email,
        phone=requester.phone,
        language=requester.language,
    )


def ticket_intake_from_form(
    *, tenant: Tenant, actor: Membership, data: dict, category: Category | None = None
) -> Ticket:
    """``ticket_intake`` from an agent's intake form (``tickets.forms.TicketIntakeForm`` and the
    incident page's, which share its fields); ``category``: used when the form names none."""
    unit = data.get("unit") or _unit_named(data.get("serial", ""))
    return ticket_intake(
        tenant=tenant,
        actor=actor,
        requester=_form_requester(data, unit),
        unit=unit,
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


def ticket_intake_from_call(*, tenant: Tenant, actor: Membership, data: dict) -> Ticket:
    """``ticket_intake_from_form`` for the agent's intake form. A phone call stays with the
    agent who took it (the caller was promised a call back by that voice) unless routing or a
    tenant's trigger assigned the ticket already. One transaction."""
    with transaction.atomic():
        ticket = ticket_intake_from_form(tenant=tenant, actor=actor, data=data)
        if data["channel"] == Channel.PHONE and ticket.assignee_id is None:
            ticket_assign(ticket=ticket, actor=actor, assignee=actor)
    return ticket


def _form_requester(data: dict, unit: Unit | None) -> Requester | Customer:
    """Who an agent's form names. A phone number that is the unit's owner's however it is
    written (``+86 138-0013-8000`` for ``13800138000``), with no e-mail address, is the owner:
    the phone lookup found them, and an exact-match search would make a duplicate customer.
    A unit owned by someone else than the customer named is accepted (a relative or a new
    owner calls about it); the agent's page says so (``tickets.views.new``)."""
    email, phone = data["customer_email"], data["customer_phone"]
    if unit is not None and not email and phone and _same_phone(phone, unit.customer.phone):
        return unit.customer
    return Requester(name=data["customer_name"], email=email, phone=phone)


def _same_phone(typed: str, stored: str) -> bool:
    return bool(normalise_phone(stored)) and normalise_phone(typed) == normalise_phone(stored)
