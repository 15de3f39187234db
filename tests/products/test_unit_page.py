"""The unit page shows the unit's whole history (tickets, audit events, contracts and
entitlement, parts movements, quotes with costs) in a number of queries that does not grow
with the history."""

from datetime import date, timedelta
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_scopes import scope

from products.models import ServiceContract, ServicePlan
from products.services import unit_register, unit_update
from repairs.models import Part, Quote, StockLocation, StockMovement
from tests.factories import CustomerFactory, TicketFactory
from tests.products.catalogue_helpers import catalogue_objects


def grow_history(tenant, actor, unit, entries: int) -> None:
    """``entries`` of each kind: tickets, audit events, parts movements and quotes."""
    with scope(tenant=tenant):
        part = Part.objects.create(tenant=tenant, part_number=f"P-{entries}", name="Fan motor")
        van = StockLocation.objects.create(tenant=tenant, name=f"Van {entries}", kind="van")
        for index in range(entries):
            ticket = TicketFactory(tenant=tenant, customer=unit.customer, unit=unit)
            StockMovement.objects.create(
                tenant=tenant,
                part=part,
                location=van,
                kind="consumed",
                quantity=1,
                ticket=ticket,
                unit=unit,
                unit_price=Decimal("120.00"),
            )
            Quote.objects.create(
                tenant=tenant,
                ticket=ticket,
                unit=unit,
                customer=unit.customer,
                status="approved",
                parts_amount=Decimal("120.00"),
                total=Decimal("170.00") + index,
            )
            unit_update(unit=unit, actor=actor, purchase_channel=f"Dealer {index}")


def page_queries(client, unit) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/units/{unit.pk}/")
    assert response.status_code == 200
    return len(queries), response.content.decode()


def test_it_shows_the_whole_history_in_the_same_number_of_queries_for_3_or_60_entries(
    tenant_a, admin_a, admin_client_a
):
    with scope(tenant=tenant_a):
        short = catalogue_objects(tenant_a, admin_a, CustomerFactory(tenant=tenant_a))["unit"]
        plan = ServicePlan.objects.create(tenant=tenant_a, name="Gold", on_site_within_hours=24)
        today = timezone.localdate()
        ServiceContract.objects.create(
            tenant=tenant_a,
            plan=plan,
            reference="GOLD-1",
            unit=short,
            starts_on=today - timedelta(days=30),
            ends_on=today + timedelta(days=300),
        )
    grow_history(tenant_a, admin_a, short, 3)
    few, page = page_queries(admin_client_a, short)
    assert "GOLD-1" in page and "Gold contract: on-site 24 h" in page
    assert "Dealer 2" in page and "170.00" in page and "Fan motor" in page
    assert page.count('href="/tickets/') >= 3

    with scope(tenant=tenant_a):
        other = CustomerFactory(tenant=tenant_a)

        long = unit_register(
            tenant=tenant_a,
            actor=admin_a,
            serial="ACM-AC-000002",
            product=short.product,
            customer=other,
            purchased_on=date(2026, 1, 15),
        )
    grow_history(tenant_a, admin_a, long, 60)
    many, page = page_queries(admin_client_a, long)
    assert "Dealer 59" in page and "229.00" in page
    assert many == few
