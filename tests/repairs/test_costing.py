"""Repair cost: parts consumed (net of returns, at the recorded price) + labour + call-out,
minus what the unit's warranty and contracts cover, in cents."""

from datetime import date
from decimal import Decimal

import pytest
from django_scopes import scope

from repairs.costing import Coverage, PartUse, repair_cost, ticket_repair_cost
from repairs.models import MovementKind
from tests.factories import CustomerFactory, TicketFactory
from tests.repairs.quote_helpers import (
    make_contract,
    make_part,
    make_product,
    make_unit,
    move,
    set_rates,
)

GROSS = Decimal("396.50")  # parts 226.50 + labour 120.00 + call-out 50.00


def test_the_arithmetic_adds_parts_labour_and_call_out_line_by_line():
    cost = repair_cost(
        parts=[
            PartUse(1, "P-1", "Pump", "泵", 2, Decimal("120.00")),
            PartUse(2, "P-2", "Belt", "", 0, Decimal("9.00")),  # all returned: no line
        ],
        labour_hours=Decimal("1.5"),
        labour_rate=Decimal("80.00"),
        on_site=True,
        callout_fee=Decimal("50.00"),
        coverage=Coverage(),
    )
    assert [(line.kind, line.amount) for line in cost.lines] == [
        ("part", Decimal("240.00")),
        ("labour", Decimal("120.00")),
        ("callout", Decimal("50.00")),
    ]
    assert (cost.parts_amount, cost.labour_amount, cost.callout_fee) == (
        Decimal("240.00"),
        Decimal("120.00"),
        Decimal("50.00"),
    )
    assert cost.covered_amount == Decimal("0.00") and cost.total == Decimal("410.00")


def test_it_rounds_half_up_to_cents_and_charges_no_call_out_off_site():
    cost = repair_cost(
        parts=[],
        labour_hours=Decimal("0.0625"),
        labour_rate=Decimal("10.00"),
        on_site=False,
        callout_fee=Decimal("50.00"),
        coverage=Coverage(),
    )
    assert cost.total == Decimal("0.63") and cost.callout_fee == Decimal("0.00")
    assert [line.kind for line in cost.lines] == ["labour"]


def test_covered_lines_are_negative_and_sum_with_the_rest_to_the_total():
    cost = repair_cost(
        parts=[PartUse(1, "P-1", "Pump", "", 1, Decimal("99.99"))],
        labour_hours=Decimal("2"),
        labour_rate=Decimal("80.00"),
        on_site=True,
        callout_fee=Decimal("50.00"),
        coverage=Coverage(parts=True, on_site=True),
    )
    covered = [line.amount for line in cost.lines if line.kind == "covered"]
    assert covered == [Decimal("-99.99"), Decimal("-50.00")]
    assert sum(line.amount for line in cost.lines) == cost.total == Decimal("160.00")
    assert cost.covered_amount == Decimal("149.99")


# --- one ticket, through the entitlement reader ------------------------------------------------


@pytest.fixture
def world(tenant_a):
    """Rates, and parts used on a ticket: pump 2 consumed 1 returned at 120.00, hose 3 at
    35.50 (its catalogue price changed since: the recorded price counts)."""
    with scope(tenant=tenant_a):
        set_rates(tenant_a, labour="80.00", callout="50.00")
        pump = make_part(tenant_a, "P-PUMP", price="120.00")
        hose = make_part(tenant_a, "P-HOSE", price="40.00")
        customer = CustomerFactory(tenant=tenant_a)
        yield {"customer": customer, "pump": pump, "hose": hose}


def ticket_with_parts(tenant, world, unit=None):
    ticket = TicketFactory(tenant=tenant, customer=world["customer"], unit=unit)
    move(tenant, ticket, world["pump"], MovementKind.CONSUMED, 2)
    move(tenant, ticket, world["pump"], MovementKind.RETURNED, 1)
    move(tenant, ticket, world["hose"], MovementKind.CONSUMED, 3, price="35.50")
    move(tenant, None, world["hose"], MovementKind.CONSUMED, 9)  # another job: not this one
    return ticket


def cost_of(ticket):
    cost, _entitlement, _rates = ticket_repair_cost(
        ticket=ticket, labour_hours=Decimal("1.5"), on_site=True
    )
    return cost


def test_a_ticket_without_a_unit_is_charged_in_full(tenant_a, world):
    with scope(tenant=tenant_a):
        cost = cost_of(ticket_with_parts(tenant_a, world))
    assert cost.parts_amount == Decimal("226.50")
    assert cost.total == GROSS and cost.covered_amount == 0
    parts = {
        (line.description, line.quantity, line.amount) for line in cost.lines if line.kind == "part"
    }
    assert parts == {
        ("P-PUMP Part P-PUMP", Decimal(1), Decimal("120.00")),
        ("P-HOSE Part P-HOSE", Decimal(3), Decimal("106.50")),
    }


def test_the_warranty_alone_covers_parts_and_labour_but_not_the_call_out(tenant_a, world):
    with scope(tenant=tenant_a):
        product = make_product(
            tenant_a, covers_parts=True, covers_labour=True, covers_on_site=False
        )
        unit = make_unit(
            tenant_a, world["customer"], product=product, purchased_on=date(2026, 6, 1)
        )
        cost = cost_of(ticket_with_parts(tenant_a, world, unit))
    assert cost.covered_amount == Decimal("346.50") and cost.total == Decimal("50.00")


def test_a_contract_alone_covers_what_its_plan_covers(tenant_a, world):
    with scope(tenant=tenant_a):
        unit = make_unit(tenant_a, world["customer"], purchased_on=date(2024, 1, 1))
        make_contract(
            tenant_a,
            unit,
            starts_on=date(2026, 1, 1),
            ends_on=date(2027, 12, 31),
            covers_parts=True,
            covers_labour=False,
            covers_on_site=True,
        )
        cost = cost_of(ticket_with_parts(tenant_a, world, unit))
    assert cost.covered_amount == Decimal("276.50") and cost.total == Decimal("120.00")


def test_warranty_and_contract_together_cover_everything(tenant_a, world):
    with scope(tenant=tenant_a):
        product = make_product(
            tenant_a, covers_parts=True, covers_labour=True, covers_on_site=False
        )
        unit = make_unit(
            tenant_a, world["customer"], product=product, purchased_on=date(2026, 6, 1)
        )
        make_contract(
            tenant_a,
            unit,
            starts_on=date(2026, 1, 1),
            ends_on=date(2027, 12, 31),
            covers_parts=False,
            covers_labour=False,
            covers_on_site=True,
        )
        cost = cost_of(ticket_with_parts(tenant_a, world, unit))
    assert cost.total == Decimal("0.00") and cost.is_covered
    assert cost.covered_amount == GROSS


def test_an_expired_warranty_and_contract_cover_nothing(tenant_a, world):
    with scope(tenant=tenant_a):
        unit = make_unit(tenant_a, world["customer"], purchased_on=date(2024, 1, 1))
        make_contract(
            tenant_a,
            unit,
            starts_on=date(2025, 1, 1),
            ends_on=date(2025, 12, 31),
            covers_parts=True,
        )
        cost = cost_of(ticket_with_parts(tenant_a, world, unit))
    assert cost.total == GROSS and not [line for line in cost.lines if line.kind == "covered"]
