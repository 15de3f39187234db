"""The parts pages and the ticket's "Parts" panel, as agents and outsiders use them."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scope

from repairs import services
from repairs.models import Part, StockLevel, StockLocation, StockMovement
from tests.repairs.helpers import make_location, stocked_part
from tests.tickets.helpers import make_ticket


@pytest.fixture
def stock(tenant_a, admin_a):
    with scope(tenant=tenant_a):
        part, location = stocked_part(tenant_a, admin_a, quantity=3, low_stock_threshold=5)
        ticket = make_ticket(tenant_a)
    return part, location, ticket


def on_hand(tenant, part, location) -> int:
    with scope(tenant=tenant):
        return StockLevel.objects.get(part=part, location=location).on_hand


def test_the_list_finds_a_part_by_number_and_marks_low_stock(stock, agent_client_a):
    page = agent_client_a.get(reverse("repairs:part_list"), {"q": "cmp"}).content.decode()
    assert "CMP-100" in page and "Low stock" in page
    page = agent_client_a.get(reverse("repairs:part_list"), {"q": "nothing"}).content.decode()
    assert "CMP-100" not in page


def test_the_list_runs_a_constant_number_of_queries(
    tenant_a, admin_a, stock, agent_client_a, django_assert_max_num_queries
):
    with scope(tenant=tenant_a):
        for n in range(20):
            services.part_create(tenant=tenant_a, actor=admin_a, part_number=f"F-{n}", name="F")
    with django_assert_max_num_queries(14):
        assert agent_client_a.get(reverse("repairs:part_list")).status_code == 200


def test_receiving_on_the_part_page_adds_stock(tenant_a, stock, agent_client_a):
    part, location, _ticket = stock
    url = reverse("repairs:part_receive", kwargs={"pk": part.pk})
    response = agent_client_a.post(url, {"location": location.pk, "quantity": 4})
    assert response.status_code == 302
    assert on_hand(tenant_a, part, location) == 7


def test_a_count_below_zero_names_the_field_and_writes_nothing(tenant_a, stock, agent_client_a):
    part, location, _ticket = stock
    url = reverse("repairs:part_count", kwargs={"pk": part.pk})
    response = agent_client_a.post(url, {"location": location.pk, "counted": -1})
    assert response.status_code == 400
    assert response.context["forms"]["count"].errors["counted"]
    assert on_hand(tenant_a, part, location) == 3


def test_a_transfer_of_more_than_is_free_is_refused_on_the_page(
    tenant_a, admin_a, stock, agent_client_a
):
    part, location, _ticket = stock
    with scope(tenant=tenant_a):
        van = make_location(tenant_a, admin_a, name="Van 1", kind="van")
    url = reverse("repairs:part_transfer", kwargs={"pk": part.pk})
    data = {"source": location.pk, "destination": van.pk, "quantity": 5}
    response = agent_client_a.post(url, data)
    assert response.status_code == 400
    assert "Only 3 of part CMP-100" in response.content.decode()
    assert on_hand(tenant_a, part, location) == 3


def test_the_ticket_page_shows_the_parts_panel_and_consumes_through_it(
    tenant_a, stock, agent_client_a
):
    part, location, ticket = stock
    url = reverse("repairs:ticket_parts", kwargs={"number": ticket.number})
    data = {"action": "consume", "part": part.pk, "location": location.pk, "quantity": 2}
    response = agent_client_a.post(url, data)
    assert response["Location"] == reverse("ticket_detail", kwargs={"number": ticket.number})
    page = agent_client_a.get(response["Location"]).content.decode()
    assert 'id="parts-title"' in page and "240.00" in page  # 2 × 120.00
    assert on_hand(tenant_a, part, location) == 1


def test_an_over_consumption_on_the_ticket_is_a_message_and_writes_nothing(
    tenant_a, stock, agent_client_a
):
    part, location, ticket = stock
    url = reverse("repairs:ticket_parts", kwargs={"number": ticket.number})
    data = {"action": "consume", "part": part.pk, "location": location.pk, "quantity": 9}
    response = agent_client_a.post(url, data, follow=True)
    assert "Quantity: Only 3 of part CMP-100 are available at Main warehouse." in (
        response.content.decode()
    )
    with scope(tenant=tenant_a):
        assert not StockMovement.objects.filter(ticket=ticket).exists()


def test_another_tenants_location_is_no_choice_on_the_ticket(
    tenant_a, tenant_b, stock, agent_client_a
):
    part, _location, ticket = stock
    with scope(tenant=tenant_b):
        theirs = make_location(tenant_b, name="Globex store")
    url = reverse("repairs:ticket_parts", kwargs={"number": ticket.number})
    data = {"action": "reserve", "part": part.pk, "location": theirs.pk, "quantity": 1}
    response = agent_client_a.post(url, data, follow=True)
    assert "Location:" in response.content.decode()
    with scope(tenant=tenant_a):
        assert not StockMovement.objects.filter(ticket=ticket).exists()


def test_the_ticket_page_query_count_does_not_grow_with_its_parts_history(
    tenant_a, admin_a, stock, admin_client_a
):
    part, location, ticket = stock
    url = reverse("ticket_detail", kwargs={"number": ticket.number})
    args = {"tenant": tenant_a, "actor": admin_a, "part": part, "location": location}

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert admin_client_a.get(url).status_code == 200
        return len(captured)

    with scope(tenant=tenant_a):
        services.stock_reserve(**args, quantity=1, ticket=ticket)
    few = count_queries()
    with scope(tenant=tenant_a):
        services.stock_receive(**args, quantity=20)
        for _ in range(10):
            services.stock_consume(**args, quantity=1, ticket=ticket)
    assert count_queries() == few


def test_an_agent_may_not_edit_parts_or_locations(stock, agent_client_a):
    _part, location, _ticket = stock
    assert agent_client_a.get(reverse("repairs:part_new")).status_code == 404
    assert agent_client_a.get(reverse("repairs:location_list")).status_code == 404
    edit = reverse("repairs:location_edit", kwargs={"pk": location.pk})
    assert agent_client_a.get(edit).status_code == 404


def test_a_manager_creates_a_part_and_a_duplicate_number_names_the_field(
    tenant_a, stock, admin_client_a
):
    data = {"part_number": " pcb-7 ", "name": "Main board", "unit_cost": "10", "unit_price": "20"}
    data["low_stock_threshold"] = 1
    assert admin_client_a.post(reverse("repairs:part_new"), data).status_code == 302
    response = admin_client_a.post(reverse("repairs:part_new"), {**data, "part_number": "PCB-7"})
    assert response.status_code == 400
    assert response.context["form"].errors["part_number"]
    with scope(tenant=tenant_a):
        assert Part.objects.filter(part_number="PCB-7").count() == 1


def test_a_manager_adds_a_van(tenant_a, agent_a, admin_client_a):
    data = {"name": "Van of Wang", "kind": "van", "holder": agent_a.pk, "is_active": "on"}
    assert admin_client_a.post(reverse("repairs:location_new"), data).status_code == 302
    with scope(tenant=tenant_a):
        assert StockLocation.objects.get().holder == agent_a


def test_an_outsider_gets_404_on_the_part_pages(stock, outsider_client):
    part, location, ticket = stock
    urls = [
        reverse("repairs:part_list"),
        reverse("repairs:part_detail", kwargs={"pk": part.pk}),
        reverse("repairs:part_receive", kwargs={"pk": part.pk}),
        reverse("repairs:location_edit", kwargs={"pk": location.pk}),
        reverse("repairs:ticket_parts", kwargs={"number": ticket.number}),
    ]
    assert {outsider_client.post(url).status_code for url in urls} == {404}


def test_the_parts_pages_speak_chinese(stock, agent_client_a):
    part, _location, _ticket = stock
    agent_client_a.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    listing = agent_client_a.get(reverse("repairs:part_list"))
    assert "备件" in listing.content.decode() and "库存不足" in listing.content.decode()
    detail = agent_client_a.get(reverse("repairs:part_detail", kwargs={"pk": part.pk}))
    assert "各库位库存" in detail.content.decode()


def test_the_ticket_history_says_which_part_was_used(tenant_a, admin_a, stock, agent_client_a):
    part, location, ticket = stock
    with scope(tenant=tenant_a):
        services.stock_consume(
            tenant=tenant_a, actor=admin_a, part=part, location=location, quantity=2, ticket=ticket
        )
    page = agent_client_a.get(reverse("ticket_detail", kwargs={"number": ticket.number}))
    text = page.content.decode()
    assert "used a spare part" in text and "2 × CMP-100 at Main warehouse" in text
