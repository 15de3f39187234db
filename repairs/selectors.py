"""Reads of parts, stock and movements. Preconditions: the tenant scope is active.

Another tenant's row is not found (404), as an unknown id."""

from dataclasses import dataclass

from django.db.models import F, Prefetch, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from repairs.models import MovementKind, Part, StockLevel, StockLocation, StockMovement
from tickets.models import Ticket


def _with_totals(parts: QuerySet[Part]) -> QuerySet[Part]:
    """Each part with ``total_on_hand`` and ``total_reserved`` across its locations."""
    return parts.annotate(
        total_on_hand=Coalesce(Sum("stock_levels__on_hand"), Value(0)),
        total_reserved=Coalesce(Sum("stock_levels__reserved"), Value(0)),
    )


def _levels_prefetch() -> Prefetch:
    levels = StockLevel.objects.select_related("location").order_by("location__name")
    return Prefetch("stock_levels", queryset=levels)


def parts_list(
    *, query: str = "", product_id: int | None = None, low: bool | None = None
) -> QuerySet[Part]:
    """Parts by number, with their totals, stock per location and compatible products (three
    queries whatever the number of parts). ``query``: part of the number or of a name;
    ``low``: only parts at or below their threshold (True) or above it (False)."""
    parts = Part.objects.all()
    query = query.strip()
    if query:
        parts = parts.filter(
            Q(part_number__icontains=query) | Q(name__icontains=query) | Q(name_zh__icontains=query)
        )
    if product_id is not None:
        parts = parts.filter(
            pk__in=Part.compatible_products.through.objects.filter(product_id=product_id).values(
                "part_id"
            )
        )
    parts = _with_totals(parts)
    if low is not None:
        is_low = Q(total_on_hand__lte=F("low_stock_threshold"))
        parts = parts.filter(is_low) if low else parts.exclude(is_low)
    return parts.prefetch_related(_levels_prefetch(), "compatible_products").order_by(
        "part_number", "pk"
    )


def part_get(*, pk: int) -> Part:
    """One part with its totals and levels, or 404."""
    return get_object_or_404(parts_list(), pk=pk)


def part_movements(*, part: Part) -> QuerySet[StockMovement]:
    """The part's movements, newest first, each with its location, ticket and actor."""
    return StockMovement.objects.filter(part=part).select_related(
        "location", "ticket", "actor__user"
    )


def movements_list() -> QuerySet[StockMovement]:
    return StockMovement.objects.select_related("part", "location", "ticket").order_by(
        "-created_at", "-pk"
    )


def stock_locations() -> QuerySet[StockLocation]:
    return StockLocation.objects.select_related("holder__user").order_by("name")


def stock_location_get(*, pk: int) -> StockLocation:
    return get_object_or_404(stock_locations(), pk=pk)


@dataclass(frozen=True)
class TicketPartsPanel:
    movements: list[StockMovement]
    consumed_cost: object
    consumed_price: object
    reservations: list[dict]


def ticket_parts_panel(*, ticket: Ticket) -> TicketPartsPanel:
    """What the ticket's "Parts" panel shows, in two queries whatever the ticket's history:
    its movements (with part and location), and its open reservations per part and place."""
    movements = list(
        StockMovement.objects.filter(ticket=ticket)
        .select_related("part", "location")
        .order_by("created_at", "pk")
    )
    cost = price = 0
    for movement in movements:
        sign = {MovementKind.CONSUMED: 1, MovementKind.RETURNED: -1}.get(movement.kind, 0)
        cost += sign * movement.quantity * movement.unit_cost
        price += sign * movement.quantity * movement.unit_price
    return TicketPartsPanel(movements, cost, price, _open_reservations(movements))


def _open_reservations(movements: list[StockMovement]) -> list[dict]:
    held: dict[tuple, dict] = {}
    for movement in movements:
        sign = {MovementKind.RESERVED: 1, MovementKind.RELEASED: -1}.get(movement.kind, 0)
        if sign:
            key = (movement.part_id, movement.location_id)
            row = held.setdefault(
                key, {"part": movement.part, "location": movement.location, "quantity": 0}
            )
            row["quantity"] += sign * movement.quantity
    return [row for row in held.values() if row["quantity"] > 0]
