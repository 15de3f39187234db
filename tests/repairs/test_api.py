"""/api/v1/parts/ and /api/v1/stock-movements/: shapes, filters, and bad input as 400s."""

import pytest
from django.urls import reverse
from django_scopes import scope

from products.models import Product
from repairs import services
from repairs.models import Part, StockLevel, StockMovement
from tests.api.conftest import patch_json, post_json, token_client
from tests.repairs.helpers import make_location, make_part, stocked_part
from tests.tickets.helpers import make_ticket

PARTS = "/api/v1/parts/"
MOVES = "/api/v1/stock-movements/"


@pytest.fixture
def stock(tenant_a, admin_a):
    with scope(tenant=tenant_a):
        product = Product.objects.create(tenant=tenant_a, model_code="AC-9", name="Air con")
        part, location = stocked_part(
            tenant_a, admin_a, quantity=3, low_stock_threshold=3, compatible_products=[product]
        )
        van = make_location(tenant_a, admin_a, name="Van 1", kind="van")
        other = make_part(tenant_a, admin_a, number="FLT-2", name="Filter")
        ticket = make_ticket(tenant_a)
    return {
        "part": part,
        "location": location,
        "van": van,
        "other": other,
        "ticket": ticket,
        "product": product,
    }


def test_a_part_shows_its_stock_per_location_and_totals(stock, api_a):
    body = api_a.get(reverse("part-detail", kwargs={"pk": stock["part"].pk})).json()
    assert body["part_number"] == "CMP-100"
    assert (body["total_on_hand"], body["total_reserved"], body["available"]) == (3, 0, 3)
    assert body["is_low"] is True
    assert body["stock"] == [
        {
            "location": {"id": stock["location"].pk, "name": "Main warehouse", "kind": "warehouse"},
            "on_hand": 3,
            "reserved": 0,
            "available": 3,
        }
    ]
    assert body["compatible_products"] == [stock["product"].pk]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("part_number=%20cmp-100", ["CMP-100"]),
        ("low=true", ["CMP-100", "FLT-2"]),
        ("low=false", []),
        ("product={product}", ["CMP-100"]),
    ],
)
def test_it_filters_parts(stock, api_a, query, expected):
    url = f"{PARTS}?{query.format(product=stock['product'].pk)}"
    numbers = [row["part_number"] for row in api_a.get(url).json()["results"]]
    assert numbers == expected


def test_the_parts_list_query_count_does_not_grow_with_the_parts(
    tenant_a, admin_a, stock, api_a, django_assert_max_num_queries
):
    with scope(tenant=tenant_a):
        for n in range(15):
            make_part(tenant_a, admin_a, number=f"X-{n}")
    with django_assert_max_num_queries(12):
        assert len(api_a.get(PARTS).json()["results"]) == 17


def test_a_duplicate_part_number_is_a_400_naming_it(stock, api_a, tenant_a):
    response = post_json(api_a, PARTS, {"part_number": "cmp-100 ", "name": "Again"})
    assert response.status_code == 400
    assert "part_number" in response.json()
    with scope(tenant=tenant_a):
        assert Part.objects.count() == 2


def test_a_manager_creates_and_changes_a_part(stock, api_a, tenant_a):
    data = {"part_number": "pcb-1", "name": "Board", "compatible_products": [stock["product"].pk]}
    created = post_json(api_a, PARTS, data)
    assert created.status_code == 201, created.json()
    assert created.json()["part_number"] == "PCB-1"
    url = reverse("part-detail", kwargs={"pk": created.json()["id"]})
    changed = patch_json(api_a, url, {"unit_price": "99.50", "low_stock_threshold": 4})
    assert changed.status_code == 200
    assert (changed.json()["unit_price"], changed.json()["low_stock_threshold"]) == ("99.50", 4)


def test_an_agent_may_not_create_parts(stock, agent_api_a):
    response = post_json(agent_api_a, PARTS, {"part_number": "Z-1", "name": "Z"})
    assert response.status_code == 404


def test_another_tenants_product_is_an_unknown_id(stock, api_a, tenant_b):
    with scope(tenant=tenant_b):
        theirs = Product.objects.create(tenant=tenant_b, model_code="G-1", name="Theirs")
    data = {"part_number": "Q-1", "name": "Q", "compatible_products": [theirs.pk]}
    response = post_json(api_a, PARTS, data)
    assert response.status_code == 400
    assert "compatible_products" in response.json()


def move(client, **data):
    return post_json(client, MOVES, data)


def test_consuming_for_a_ticket_writes_the_row_and_lists_it_by_ticket(stock, api_a):
    part, location, ticket = stock["part"], stock["location"], stock["ticket"]
    response = move(
        api_a,
        kind="consumed",
        part=part.pk,
        location=location.pk,
        quantity=2,
        ticket=ticket.number,
    )
    assert response.status_code == 201, response.json()
    [row] = response.json()
    assert (row["kind"], row["quantity"], row["ticket"], row["unit_price"]) == (
        "consumed",
        2,
        ticket.number,
        "120.00",
    )
    listed = api_a.get(f"{MOVES}?ticket={ticket.number}").json()["results"]
    assert [r["id"] for r in listed] == [row["id"]]
    assert api_a.get(f"{MOVES}?location={stock['van'].pk}").json()["results"] == []


def test_consuming_more_than_available_is_a_400_naming_quantity(stock, api_a, tenant_a):
    part, location, ticket = stock["part"], stock["location"], stock["ticket"]
    response = move(
        api_a,
        kind="consumed",
        part=part.pk,
        location=location.pk,
        quantity=4,
        ticket=ticket.number,
    )
    assert response.status_code == 400
    assert response.json() == {
        "quantity": ["Only 3 of part CMP-100 are available at Main warehouse."]
    }
    with scope(tenant=tenant_a):
        assert not StockMovement.objects.filter(ticket=ticket).exists()


@pytest.mark.parametrize("quantity", [0, -2, "x", 1.5])
def test_a_quantity_that_is_not_positive_is_a_400(stock, api_a, quantity):
    data = {"kind": "received", "part": stock["part"].pk, "location": stock["location"].pk}
    response = move(api_a, **data, quantity=quantity)
    assert response.status_code == 400
    assert "quantity" in response.json()


def test_consuming_without_a_ticket_names_the_ticket(stock, api_a):
    data = {"kind": "consumed", "part": stock["part"].pk, "location": stock["location"].pk}
    response = move(api_a, **data, quantity=1)
    assert response.status_code == 400
    assert "ticket" in response.json()


def test_another_tenants_location_is_an_unknown_id(stock, api_a, tenant_b):
    with scope(tenant=tenant_b):
        theirs = make_location(tenant_b, name="Globex store")
    response = move(api_a, kind="received", part=stock["part"].pk, location=theirs.pk, quantity=1)
    assert response.status_code == 400
    assert "location" in response.json()


def test_a_transfer_answers_both_rows_and_moves_both_sides(stock, api_a, tenant_a):
    part, location, van = stock["part"], stock["location"], stock["van"]
    response = move(
        api_a,
        kind="transferred",
        part=part.pk,
        location=location.pk,
        destination=van.pk,
        quantity=2,
    )
    assert response.status_code == 201
    assert [row["kind"] for row in response.json()] == ["transferred_out", "transferred_in"]
    with scope(tenant=tenant_a):
        levels = dict(StockLevel.objects.filter(part=part).values_list("location_id", "on_hand"))
    assert levels == {location.pk: 1, van.pk: 2}


def test_a_return_adds_back_through_the_api(stock, api_a, admin_a, tenant_a):
    part, location, ticket = stock["part"], stock["location"], stock["ticket"]
    with scope(tenant=tenant_a):
        services.stock_consume(
            tenant=tenant_a,
            actor=admin_a,
            part=part,
            location=location,
            quantity=1,
            ticket=ticket,
        )
    data = {"part": part.pk, "location": location.pk, "ticket": ticket.number}
    assert move(api_a, kind="returned", **data, quantity=2).status_code == 400
    assert move(api_a, kind="returned", **data, quantity=1).status_code == 201
    assert api_a.get(reverse("part-detail", kwargs={"pk": part.pk})).json()["total_on_hand"] == 3


def test_an_outsiders_token_gets_404_on_the_parts(stock, outsider):
    client = token_client(outsider)
    assert client.get(reverse("part-detail", kwargs={"pk": stock["part"].pk})).status_code == 404
    assert client.get(PARTS).status_code == 404
