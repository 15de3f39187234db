"""A ticket names the unit it is about: by serial on the intake form and in the API."""

from datetime import date

import pytest
from django_scopes import scope

from products.services import product_create, unit_register
from tests.api.conftest import post_json, token_client
from tests.conftest import HOST_B, client_for
from tests.factories import CustomerFactory
from tickets.models import Ticket


@pytest.fixture
def unit(tenant_a, admin_a):
    with scope(tenant=tenant_a):
        washer = product_create(
            tenant=tenant_a, actor=admin_a, model_code="WM-800", name="Washer", warranty_months=24
        )
        return unit_register(
            tenant=tenant_a,
            actor=admin_a,
            serial="SN-1001",
            product=washer,
            customer=CustomerFactory(tenant=tenant_a, name="Li Lei", email="li@example.test"),
            purchased_on=date(2026, 3, 1),
            today=date(2026, 12, 7),
        )


def _intake(serial: str, **fields) -> dict:
    data = {"subject": "Drum stuck", "priority": "normal", "channel": "phone", "serial": serial}
    return {"customer_email": "", "customer_phone": "", "customer_name": "", **data, **fields}


def test_it_files_a_phone_call_by_serial_for_the_units_owner(tenant_a, agent_a, unit):
    response = client_for(agent_a).post("/tickets/new/", _intake(" sn-1001 "))
    assert response.status_code == 302
    with scope(tenant=tenant_a):
        ticket = Ticket.objects.get()
    assert (ticket.unit, ticket.customer, ticket.product_model) == (unit, unit.customer, "WM-800")
    page = client_for(agent_a).get(f"/tickets/{ticket.number}/").content.decode()
    assert "SN-1001" in page and "In warranty until 2028-02-29" in page


def test_it_names_an_unknown_serial_and_creates_nothing(tenant_a, agent_a, unit):
    response = client_for(agent_a).post("/tickets/new/", _intake("SN-9999"))
    assert response.status_code == 400
    assert "No unit with this serial number is registered." in response.content.decode()
    with scope(tenant=tenant_a):
        assert not Ticket.objects.exists()


def test_it_takes_the_unit_by_id_or_serial_in_the_api(tenant_a, admin_a, unit):
    client = token_client(admin_a)
    by_id = post_json(client, "/api/v1/tickets/", {"subject": "Noisy", "unit": unit.pk})
    by_serial = post_json(client, "/api/v1/tickets/", {"subject": "Leaks", "unit": " sn-1001"})
    assert (by_id.status_code, by_serial.status_code) == (201, 201)
    for response in (by_id, by_serial):
        body = response.json()
        assert body["unit"] == {
            "id": unit.pk,
            "serial": "SN-1001",
            "product": "WM-800",
            "warranty_ends_on": "2028-02-29",
            "in_warranty": True,
        }
        assert body["customer"]["id"] == unit.customer_id
    listed = client.get("/api/v1/tickets/").json()["results"]
    assert {row["unit"]["serial"] for row in listed} == {"SN-1001"}


def test_it_refuses_another_tenants_unit_in_the_api(tenant_a, tenant_b, outsider, unit):
    response = post_json(
        token_client(outsider, host=HOST_B), "/api/v1/tickets/", {"subject": "x", "unit": unit.pk}
    )
    assert response.status_code == 400 and "unit" in response.json()
    with scope(tenant=tenant_b):
        assert not Ticket.objects.exists()
