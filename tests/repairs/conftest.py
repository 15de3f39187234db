"""A ticket about an out-of-warranty unit, with a part used on it and the tenant's rates
(quote material), and the API fixtures (token clients, a fresh throttle) for the parts API."""

from datetime import date

import pytest
from django_scopes import scope

from repairs.models import MovementKind
from tests.api.conftest import _fresh_throttle, agent_api_a, api_a  # noqa: F401 - fixtures
from tests.repairs.quote_helpers import make_part, make_unit, move, set_rates
from tests.tickets.helpers import make_customer, make_ticket


@pytest.fixture
def repair(tenant_a, agent_a):
    with scope(tenant=tenant_a):
        set_rates(tenant_a, labour="80.00", callout="50.00")
        customer = make_customer(tenant_a, email="li.lei@example.test")
        unit = make_unit(tenant_a, customer, purchased_on=date(2024, 1, 10))  # out of warranty
        ticket = make_ticket(tenant_a, customer=customer, subject="Drum stuck", unit=unit)
        pump = make_part(tenant_a, "P-PUMP", price="120.00")
        move(tenant_a, ticket, pump, MovementKind.CONSUMED, 1)
        yield {"ticket": ticket, "unit": unit, "customer": customer, "part": pump}
