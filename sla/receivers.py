"""What the SLA engine does when another app's event happens (wired in ``config/events.py``).

Every change that can move a deadline refreshes the ticket's SLA row in the change's
transaction: creation, a priority or category change, a public reply either way, an explicit
status change, a merge; a change of the ticket's unit also reads its entitlement again. A
customer's tier change refreshes their active tickets.
"""

from customers.models import Customer
from helpdesk.models import Tenant
from sla.defaults import seed_sla_defaults
from sla.services import sla_refresh, sla_start
from tickets.models import ACTIVE_STATUSES, Ticket

# The ticket fields an SLA policy looks at.
POLICY_FIELDS = frozenset({"priority", "category"})


def sla_on_ticket_created(*, ticket: Ticket, **event) -> None:
    sla_start(ticket=ticket)


def sla_on_ticket_changed(*, ticket: Ticket, field: str, **event) -> None:
    if field in POLICY_FIELDS:
        sla_refresh(ticket=ticket)
    elif field == "unit":
        # Another unit, another warranty and contracts: the entitlement is read again.
        sla_refresh(ticket=ticket, recheck_entitlement=True)


def sla_on_ticket_activity(*, ticket: Ticket, **event) -> None:
    """A reply, a status change or a merge: pauses, first response and resolution move."""
    sla_refresh(ticket=ticket)


def sla_on_customer_tier_changed(*, customer: Customer, **event) -> None:
    active = Ticket.objects.filter(customer=customer, status__in=ACTIVE_STATUSES)
    for ticket in active.select_related("customer__tier", "customer__organization__tier"):
        sla_refresh(ticket=ticket)


def sla_defaults_on_tenant_seeding(*, tenant: Tenant, **event) -> None:
    """Wired after the tiers are seeded: the default policies name them."""
    seed_sla_defaults(tenant)
