"""Reads of quotes for the ticket page and the portal, each a constant number of queries."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch
from django.http import Http404

from products.entitlement import Entitlement
from repairs.costing import RepairCost, ticket_repair_cost
from repairs.models import Quote, QuoteLine, QuoteStatus, RepairSettings
from tickets.models import Ticket


@dataclass(frozen=True)
class QuotePanel:
    cost: RepairCost
    entitlement: Entitlement
    rates: RepairSettings
    latest: Quote | None

    @property
    def waiting(self) -> bool:
        return self.latest is not None and self.latest.status == QuoteStatus.SENT


def _with_lines(quotes):
    lines = QuoteLine.objects.select_related("part").order_by("pk")
    return quotes.prefetch_related(Prefetch("lines", queryset=lines))


def quote_panel_for_ticket(*, ticket: Ticket) -> QuotePanel:
    """The cost of the parts used so far (no labour, not on site: the form adds those) with
    the entitlement and rates, and the ticket's latest quote with its lines. Five queries."""
    cost, entitlement, rates = ticket_repair_cost(
        ticket=ticket, labour_hours=Decimal("0"), on_site=False
    )
    latest = _with_lines(ticket.quotes.select_related("created_by__user")).first()
    return QuotePanel(cost=cost, entitlement=entitlement, rates=rates, latest=latest)


def portal_quote_get(*, ticket: Ticket, pk: int) -> Quote:
    """A quote of this ticket (reached through its signed link), else 404."""
    quote = _with_lines(ticket.quotes.filter(pk=pk)).first()
    if quote is None:
        raise Http404
    return quote


def portal_ticket_quotes(*, ticket: Ticket) -> list[Quote]:
    return list(ticket.quotes.all())
