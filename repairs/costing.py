"""What a ticket's repair costs and what of it the customer pays.

``repair_cost`` is pure arithmetic over its inputs (the parts used, the hours, the rates and
what the entitlement covers), so every combination is tested without a database. The readers
below it gather those inputs for one ticket in a constant number of queries.

The cost = parts consumed (consumed minus returned, at the price recorded on the movement)
+ labour (hours × the tenant's hourly rate) + the call-out fee when the work is on site,
minus one "covered" line for each of those the unit's warranty or contracts pay for. Amounts
are ``Decimal`` rounded half up to cents, line by line, so the lines always add up to the total.
"""

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Case, Sum, When
from django.utils import timezone

from products.entitlement import Entitlement, unit_entitlement
from repairs.models import MovementKind, QuoteLine, RepairSettings, StockMovement
from tickets.models import Ticket

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def cents(value: Decimal) -> Decimal:
    return Decimal(value).quantize(CENT, ROUND_HALF_UP)


@dataclass(frozen=True)
class PartUse:
    """Net use of one part on a ticket at one recorded price."""

    part_id: int
    part_number: str
    name: str
    name_zh: str
    quantity: int
    unit_price: Decimal


@dataclass(frozen=True)
class Coverage:
    """What the entitlement pays for; nothing without a unit."""

    parts: bool = False
    labour: bool = False
    on_site: bool = False

    @classmethod
    def of(cls, entitlement: Entitlement) -> "Coverage":
        if not entitlement.has_unit:
            return cls()
        return cls(
            parts=entitlement.covers_parts,
            labour=entitlement.covers_labour,
            on_site=entitlement.covers_on_site,
        )


@dataclass(frozen=True)
class CostLine:
    kind: str  # QuoteLine.Kind
    description: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal
    part_id: int | None = None
    name_zh: str = ""


@dataclass(frozen=True)
class RepairCost:
    lines: tuple[CostLine, ...]
    parts_amount: Decimal
    labour_amount: Decimal
    callout_fee: Decimal
    covered_amount: Decimal
    total: Decimal

    @property
    def is_covered(self) -> bool:
        """Nothing for the customer to pay (and so nothing to approve)."""
        return self.total == ZERO


def repair_cost(
    *,
    parts: list[PartUse],
    labour_hours: Decimal,
    labour_rate: Decimal,
    on_site: bool,
    callout_fee: Decimal,
    coverage: Coverage,
) -> RepairCost:
    """The lines and total of a repair. Precondition: ``labour_hours`` ≥ 0."""
    part_lines = [_part_line(use) for use in parts if use.quantity > 0]
    parts_amount = sum((line.amount for line in part_lines), ZERO)
    labour_amount = cents(Decimal(labour_hours) * labour_rate)
    callout_amount = cents(callout_fee) if on_site else ZERO
    lines = list(part_lines)
    if labour_amount:
        hours = cents(Decimal(labour_hours))
        lines.append(
            CostLine(QuoteLine.Kind.LABOUR, "Labour", hours, cents(labour_rate), labour_amount)
        )
    if callout_amount:
        lines.append(
            CostLine(
                QuoteLine.Kind.CALLOUT, "Call-out fee", Decimal(1), callout_amount, callout_amount
            )
        )
    covered = _covered_lines(coverage, parts_amount, labour_amount, callout_amount)
    lines.extend(covered)
    covered_amount = -sum((line.amount for line in covered), ZERO)
    total = parts_amount + labour_amount + callout_amount - covered_amount
    return RepairCost(
        lines=tuple(lines),
        parts_amount=parts_amount,
        labour_amount=labour_amount,
        callout_fee=callout_amount,
        covered_amount=covered_amount,
        total=total,
    )


def _part_line(use: PartUse) -> CostLine:
    price = cents(use.unit_price)
    return CostLine(
        kind=QuoteLine.Kind.PART,
        description=f"{use.part_number} {use.name}".strip(),
        quantity=Decimal(use.quantity),
        unit_price=price,
        amount=cents(price * use.quantity),
        part_id=use.part_id,
        name_zh=use.name_zh,
    )


# Which costs each coverage flag pays for, in the order the lines appear.
COVERED_DESCRIPTIONS = {
    "parts": "Parts covered by warranty or contract",
    "labour": "Labour covered by warranty or contract",
    "on_site": "Call-out covered by warranty or contract",
}


def _covered_lines(coverage: Coverage, parts, labour, callout) -> list[CostLine]:
    lines = []
    for flag, amount in (("parts", parts), ("labour", labour), ("on_site", callout)):
        if getattr(coverage, flag) and amount:
            description = COVERED_DESCRIPTIONS[flag]
            lines.append(
                CostLine(QuoteLine.Kind.COVERED, description, Decimal(1), -amount, -amount)
            )
    return lines


# --- the inputs of one ticket --------------------------------------------------------------------


def repair_settings_for(tenant_id: int) -> RepairSettings:
    """The tenant's rates; unsaved defaults (zero rates) until an admin sets them.
    Precondition: the tenant scope is active."""
    found = RepairSettings.objects.filter(tenant_id=tenant_id).first()
    return found or RepairSettings(tenant_id=tenant_id)


def ticket_parts_used(ticket: Ticket) -> list[PartUse]:
    """Net parts the ticket consumed (consumed minus returned), per part and recorded price,
    in one query. Precondition: the ticket's tenant scope is active."""
    rows = (
        StockMovement.objects.filter(
            ticket=ticket, kind__in=(MovementKind.CONSUMED, MovementKind.RETURNED)
        )
        .values("part_id", "part__part_number", "part__name", "part__name_zh", "unit_price")
        .annotate(
            consumed=Sum(Case(When(kind=MovementKind.CONSUMED, then="quantity"), default=0)),
            returned=Sum(Case(When(kind=MovementKind.RETURNED, then="quantity"), default=0)),
        )
        .order_by("part__part_number", "unit_price")
    )
    return [
        PartUse(
            part_id=row["part_id"],
            part_number=row["part__part_number"],
            name=row["part__name"],
            name_zh=row["part__name_zh"],
            quantity=row["consumed"] - row["returned"],
            unit_price=row["unit_price"],
        )
        for row in rows
    ]


def ticket_entitlement(ticket: Ticket) -> Entitlement:
    """The unit's entitlement on the day the ticket was opened: a fault reported while the unit
    was covered stays covered when the quote goes out after the warranty ended."""
    day = timezone.localdate(ticket.created_at) if ticket.created_at else date.today()
    return unit_entitlement(ticket.unit, day)


def ticket_repair_cost(
    *, ticket: Ticket, labour_hours: Decimal, on_site: bool
) -> tuple[RepairCost, Entitlement, RepairSettings]:
    """The ticket's cost now, with the entitlement and rates it used (three queries)."""
    rates = repair_settings_for(ticket.tenant_id)
    entitlement = ticket_entitlement(ticket)
    cost = repair_cost(
        parts=ticket_parts_used(ticket),
        labour_hours=labour_hours,
        labour_rate=rates.labour_rate_per_hour,
        on_site=on_site,
        callout_fee=rates.callout_fee,
        coverage=Coverage.of(entitlement),
    )
    return cost, entitlement, rates
