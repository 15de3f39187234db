"""The whole history of one unit, for its page: tickets, audit events, contracts and
entitlement, parts movements and quotes with their costs.

It reads tickets and repairs, so it lives on this floor. One query per kind of history, so the
page costs the same number of queries with three entries or three hundred. Precondition: the
tenant scope is active.
"""

from dataclasses import dataclass

from django.db.models import Q

from helpdesk.models import Membership
from products.entitlement import Entitlement, unit_entitlement
from products.models import ServiceContract, Unit, UnitEvent
from repairs.models import Quote, StockMovement
from tickets.models import Ticket
from tickets.selectors import tickets_visible_to


@dataclass(frozen=True)
class UnitHistory:
    unit: Unit
    entitlement: Entitlement
    tickets: list[Ticket]
    events: list[UnitEvent]
    contracts: list[ServiceContract]
    movements: list[StockMovement]
    quotes: list[Quote]


def unit_history(*, unit: Unit, member: Membership) -> UnitHistory:
    """Everything that happened to ``unit`` (loaded with product, owner and organisation), as
    ``member`` may see it: the tickets are those the member may open."""
    return UnitHistory(
        unit=unit,
        entitlement=unit_entitlement(unit),
        tickets=list(
            tickets_visible_to(member)
            .filter(unit=unit)
            .only("number", "subject", "status", "created_at")
            .order_by("-created_at", "-pk")
        ),
        events=list(unit.events.order_by("-created_at", "-pk")),
        contracts=list(_contracts_of(unit)),
        movements=list(
            StockMovement.objects.filter(unit=unit)
            .select_related("part", "location", "ticket")
            .order_by("-created_at", "-pk")
        ),
        quotes=list(
            Quote.objects.filter(unit=unit).select_related("ticket").order_by("-created_at", "-pk")
        ),
    )


def _contracts_of(unit: Unit):
    """Every contract of the unit or its organisation, in force or not, with its plan."""
    covering = Q(unit=unit)
    if unit.organization_id:
        covering |= Q(organization_id=unit.organization_id)
    return ServiceContract.objects.filter(covering).select_related("plan")
