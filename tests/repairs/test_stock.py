"""Stock movements through the services: counts, rows, prices, refusals that change nothing."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django_scopes import scope

from helpdesk.models import ConfigurationEvent, Notification, WebhookDelivery, WebhookSubscription
from products.models import Product
from repairs import services
from repairs.models import MovementKind, StockLevel, StockMovement
from tests.repairs.helpers import make_location, make_part, stocked_part
from tests.tickets.helpers import make_ticket
from tickets.models import TicketEvent


@pytest.fixture
def in_a(tenant_a):
    with scope(tenant=tenant_a):
        yield tenant_a


def level(part, location) -> StockLevel:
    return StockLevel.objects.get(part=part, location=location)


def test_it_normalises_the_part_number_and_refuses_a_duplicate(in_a, admin_a):
    part = make_part(in_a, admin_a, number="  cmp-100 ")
    assert part.part_number == "CMP-100"
    with pytest.raises(ValidationError) as error:
        make_part(in_a, admin_a, number="Cmp-100")
    assert "part_number" in error.value.message_dict


def test_it_turns_a_lost_race_on_the_part_number_into_the_field_error(in_a, admin_a, monkeypatch):
    make_part(in_a, admin_a, number="PCB-1")
    # The other request's row committed after this one's check: the unique index decides.
    monkeypatch.setattr(services, "_clean_part_values", lambda tenant, part, values: values)
    with pytest.raises(ValidationError) as error:
        make_part(in_a, admin_a, number="PCB-1")
    assert "part_number" in error.value.message_dict


def test_it_refuses_another_tenants_product_as_compatible(in_a, admin_a, tenant_b):
    with scope(tenant=tenant_b):
        theirs = Product.objects.create(tenant=tenant_b, model_code="X1", name="Theirs")
    with pytest.raises(ValidationError) as error:
        make_part(in_a, admin_a, compatible_products=[theirs])
    assert "compatible_products" in error.value.message_dict
    assert not services.Part.objects.exists()


def test_receiving_writes_a_priced_row_and_raises_on_hand(in_a, admin_a):
    part, location = stocked_part(in_a, admin_a, quantity=4)
    row = StockMovement.objects.get()
    assert (row.kind, row.quantity, row.unit_cost, row.unit_price) == (
        MovementKind.RECEIVED,
        4,
        Decimal("80.00"),
        Decimal("120.00"),
    )
    assert level(part, location).on_hand == 4
    audited = ConfigurationEvent.objects.filter(action="stock_received", target_id=str(part.pk))
    assert audited.count() == 1


@pytest.mark.parametrize("quantity", [0, -1, 2.5, True])
def test_it_refuses_a_quantity_that_is_not_a_positive_whole_number(in_a, admin_a, quantity):
    part, location = stocked_part(in_a, admin_a, quantity=0)
    with pytest.raises(ValidationError) as error:
        services.stock_receive(
            tenant=in_a, actor=admin_a, part=part, location=location, quantity=quantity
        )
    assert "quantity" in error.value.message_dict
    assert not StockMovement.objects.exists()


def test_a_reservation_cannot_exceed_what_is_available(in_a, admin_a):
    part, location = stocked_part(in_a, admin_a, quantity=3)
    ticket, other = make_ticket(in_a), make_ticket(in_a)
    args = {"tenant": in_a, "actor": admin_a, "part": part, "location": location}
    services.stock_reserve(**args, quantity=2, ticket=ticket)
    with pytest.raises(ValidationError) as error:
        services.stock_reserve(**args, quantity=2, ticket=other)
    assert error.value.message_dict["quantity"] == [
        "Only 1 of part CMP-100 are available at Main warehouse."
    ]
    stock = level(part, location)
    assert (stock.on_hand, stock.reserved) == (3, 2)
    assert not StockMovement.objects.filter(ticket=other).exists()


def test_consuming_more_than_is_free_is_refused_and_changes_nothing(in_a, admin_a):
    part, location = stocked_part(in_a, admin_a, quantity=3)
    ticket = make_ticket(in_a)
    args = {"tenant": in_a, "actor": admin_a, "part": part, "location": location}
    services.stock_reserve(**args, quantity=2, ticket=make_ticket(in_a))
    with pytest.raises(ValidationError) as error:
        services.stock_consume(**args, quantity=2, ticket=ticket)
    assert "Only 1 of part CMP-100" in error.value.message_dict["quantity"][0]
    assert level(part, location).on_hand == 3
    assert not StockMovement.objects.filter(ticket=ticket).exists()


def test_consuming_from_the_reservation_lowers_both_counts_and_is_recorded_on_the_ticket(
    in_a, admin_a
):
    part, location = stocked_part(in_a, admin_a, quantity=5)
    ticket = make_ticket(in_a)
    args = {"tenant": in_a, "actor": admin_a, "part": part, "location": location}
    services.stock_reserve(**args, quantity=2, ticket=ticket)
    services.stock_consume(**args, quantity=2, ticket=ticket, from_reservation=True)
    stock = level(part, location)
    assert (stock.on_hand, stock.reserved) == (3, 0)
    kinds = list(StockMovement.objects.filter(ticket=ticket).values_list("kind", flat=True))
    assert sorted(kinds) == ["consumed", "released", "reserved"]
    assert services.ticket_reserved_quantity(ticket=ticket, part=part, location=location) == 0
    actions = set(TicketEvent.objects.filter(ticket=ticket).values_list("action", flat=True))
    assert {"stock_reserved", "stock_consumed"} <= actions
    with pytest.raises(ValidationError):
        services.stock_consume(**args, quantity=1, ticket=ticket, from_reservation=True)


def test_a_ticket_cannot_release_another_tickets_reservation(in_a, admin_a):
    part, location = stocked_part(in_a, admin_a, quantity=5)
    args = {"tenant": in_a, "actor": admin_a, "part": part, "location": location}
    services.stock_reserve(**args, quantity=2, ticket=make_ticket(in_a))
    with pytest.raises(ValidationError) as error:
        services.stock_release(**args, quantity=1, ticket=make_ticket(in_a))
    assert "reserved for this ticket" in error.value.message_dict["quantity"][0]
    assert level(part, location).reserved == 2


def test_a_return_adds_back_at_most_what_the_ticket_consumed(in_a, admin_a):
    part, location = stocked_part(in_a, admin_a, quantity=5)
    ticket = make_ticket(in_a)
    args = {"tenant": in_a, "actor": admin_a, "part": part, "location": location}
    services.stock_consume(**args, quantity=2, ticket=ticket)
    services.stock_return(**args, quantity=1, ticket=ticket)
    assert level(part, location).on_hand == 4
    assert services.ticket_consumed_quantity(ticket=ticket, part=part) == 1
    with pytest.raises(ValidationError) as error:
        services.stock_return(**args, quantity=2, ticket=ticket)
    assert "Only 1 of part CMP-100 were consumed" in error.value.message_dict["quantity"][0]
    assert level(part, location).on_hand == 4


def test_a_movement_for_a_ticket_carries_its_unit_and_the_price_of_the_day(in_a, admin_a):
    part, location = stocked_part(in_a, admin_a, quantity=5)
    ticket = make_ticket(in_a)
    args = {"tenant": in_a, "actor": admin_a, "part": part, "location": location}
    services.stock_consume(**args, quantity=1, ticket=ticket)
    services.part_update(tenant=in_a, actor=admin_a, part=part, unit_price=Decimal("150.00"))
    services.stock_consume(**args, quantity=1, ticket=ticket)
    prices = StockMovement.objects.filter(ticket=ticket).order_by("pk")
    assert [row.unit_price for row in prices] == [Decimal("120.00"), Decimal("150.00")]
    assert {row.unit_id for row in prices} == {ticket.unit_id}


def test_a_transfer_moves_both_sides(in_a, admin_a, agent_a):
    part, warehouse = stocked_part(in_a, admin_a, quantity=5)
    van = make_location(in_a, admin_a, name="Van of Wang", kind="van", holder=agent_a)
    services.stock_transfer(
        tenant=in_a, actor=admin_a, part=part, source=warehouse, destination=van, quantity=3
    )
    assert (level(part, warehouse).on_hand, level(part, van).on_hand) == (2, 3)
    kinds = dict(StockMovement.objects.values_list("location_id", "kind").exclude(kind="received"))
    assert kinds == {warehouse.pk: "transferred_out", van.pk: "transferred_in"}
    with pytest.raises(ValidationError) as error:
        services.stock_transfer(
            tenant=in_a, actor=admin_a, part=part, source=warehouse, destination=van, quantity=3
        )
    assert "Only 2 of part CMP-100 are available at Main warehouse." in str(error.value)
    assert (level(part, warehouse).on_hand, level(part, van).on_hand) == (2, 3)


def test_a_count_sets_on_hand_and_records_the_difference(in_a, admin_a):
    part, location = stocked_part(in_a, admin_a, quantity=5)
    row = services.stock_adjust(tenant=in_a, actor=admin_a, part=part, location=location, counted=3)
    assert (row.kind, row.quantity, level(part, location).on_hand) == ("adjusted", -2, 3)
    services.stock_reserve(
        tenant=in_a,
        actor=admin_a,
        part=part,
        location=location,
        quantity=2,
        ticket=make_ticket(in_a),
    )
    with pytest.raises(ValidationError) as error:
        services.stock_adjust(tenant=in_a, actor=admin_a, part=part, location=location, counted=1)
    assert "counted" in error.value.message_dict
    assert level(part, location).on_hand == 3


def test_it_refuses_another_tenants_location(in_a, admin_a, tenant_b):
    part, _location = stocked_part(in_a, admin_a, quantity=0)
    with scope(tenant=tenant_b):
        theirs = make_location(tenant_b, name="Globex store")
    with pytest.raises(ValidationError) as error:
        services.stock_receive(tenant=in_a, actor=admin_a, part=part, location=theirs, quantity=1)
    assert "location" in error.value.message_dict


# --- low stock ---------------------------------------------------------------------------------


@pytest.fixture
def watched(in_a, admin_a, team_a):
    """A part with a threshold of 2 and 4 on hand, watched by team A; a webhook for stock.low."""
    WebhookSubscription.objects.create(
        tenant=in_a, url="https://hooks.example.com/", events=["stock.low"]
    )
    return stocked_part(in_a, admin_a, quantity=4, low_stock_threshold=2, responsible_team=team_a)


def test_the_low_stock_crossing_alerts_the_team_and_the_webhook_once(
    in_a, admin_a, agent_a, watched, django_capture_on_commit_callbacks
):
    part, location = watched
    args = {"tenant": in_a, "actor": admin_a, "part": part, "location": location}
    ticket = make_ticket(in_a)
    with django_capture_on_commit_callbacks(execute=True):
        services.stock_consume(**args, quantity=1, ticket=ticket)  # 3: above the threshold
    assert not Notification.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.stock_consume(**args, quantity=1, ticket=ticket)  # 2: crosses
    with django_capture_on_commit_callbacks(execute=True):
        services.stock_consume(**args, quantity=1, ticket=ticket)  # 1: still low, no new alert
    notices = list(Notification.objects.values_list("recipient_id", "text"))
    assert len(notices) == 1
    assert notices[0][0] == agent_a.pk and "CMP-100" in notices[0][1]
    deliveries = list(WebhookDelivery.objects.values_list("event", "payload"))
    assert len(deliveries) == 1
    assert deliveries[0][0] == "stock.low"
    assert deliveries[0][1]["part"]["part_number"] == "CMP-100"
    assert deliveries[0][1]["on_hand"] == 2


def test_it_alerts_again_after_the_stock_was_refilled(in_a, admin_a, watched):
    part, location = watched
    args = {"tenant": in_a, "actor": admin_a, "part": part, "location": location}
    services.stock_adjust(**args, counted=1)
    services.stock_receive(**args, quantity=5)
    services.stock_adjust(**args, counted=0)
    assert ConfigurationEvent.objects.filter(action="stock_low").count() == 2


def test_a_transfer_is_no_decrease_of_the_total(in_a, admin_a, watched):
    part, warehouse = watched
    van = make_location(in_a, admin_a, name="Van")
    services.stock_transfer(
        tenant=in_a, actor=admin_a, part=part, source=warehouse, destination=van, quantity=4
    )
    assert not ConfigurationEvent.objects.filter(action="stock_low").exists()
