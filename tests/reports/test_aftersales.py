"""After-sales KPIs on a hand-built March 2026 (tenant A's time zone), every figure worked
out by hand.

Units: U1 washer bought 2025-06-01 (12 months: in warranty in March); U2 washer bought
2024-01-01 (expired); U3 dishwasher bought 2025-01-15 (24 months: in warranty); U4 washer
bought 2025-12-01 but its warranty overridden to end 2026-02-01 (out of warranty in March).

* T1 U1, opened 03-02, resolved 03-05; T5 about U1 opened 03-20 → a repeat within 30 days.
* T2 U2, opened 03-03, resolved 03-10, reopened once.
* T3 U3, opened 03-04, resolved 03-06; T6 about U3 opened 05-20 → a repeat within 90 days only.
* T4 U4, opened 03-05, resolved 03-08.
* T7 no unit, resolved 03-05 (not a repair); T8 U2 opened and resolved in February.

Repairs resolved in March: T1–T4 (4); in warranty on the day opened: T1, T3 (2); successful
(no reopen, no repeat within 30 days): T3, T4 → 50 %; repeats: 30 days T1 → 25 %, 90 days
T1, T3 → 50 %. Approved quotes decided in March: 100 and 300 → 200. Parts cost of T1–T4:
pump (2 - 1) × 70 + hose 3 × 10 = 100 → 25 per repair. Parts used in March: pump 1 (T1) +
5 (T7) = 6 in 2 repairs, hose 3 in 1. Repairs opened in March: washer 4 (T1, T2, T4, T5),
dishwasher 1 (T3).
"""

import csv
import io
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django_scopes import scope

from repairs.models import MovementKind, Quote
from reports.aftersales import aftersales
from reports.kpis import KpiFilters, KpiSource, Period
from tests.conftest import client_for
from tests.factories import CustomerFactory, TicketFactory
from tests.repairs.quote_helpers import make_part, make_product, make_unit, move


@pytest.fixture
def march(tenant_a):
    zone = ZoneInfo(tenant_a.time_zone)

    def at(month, day, hour=10):
        return datetime(2026, month, day, hour, tzinfo=zone)

    def ticket(unit, opened, resolved=None, reopened=0):
        return TicketFactory(
            tenant=tenant_a,
            customer=customer,
            unit=unit,
            created_at=opened,
            resolved_at=resolved,
            status="resolved" if resolved else "open",
            reopened_count=reopened,
        )

    with scope(tenant=tenant_a):
        customer = CustomerFactory(tenant=tenant_a)
        washer = make_product(tenant_a, "WM-800", months=12)
        dishwasher = make_product(tenant_a, "DW-300", months=24)
        u1 = make_unit(
            tenant_a, customer, serial="U1", product=washer, purchased_on=date(2025, 6, 1)
        )
        u2 = make_unit(
            tenant_a, customer, serial="U2", product=washer, purchased_on=date(2024, 1, 1)
        )
        u3 = make_unit(
            tenant_a, customer, serial="U3", product=dishwasher, purchased_on=date(2025, 1, 15)
        )
        u4 = make_unit(
            tenant_a, customer, serial="U4", product=washer, purchased_on=date(2025, 12, 1)
        )
        u4.warranty_override_until = date(2026, 2, 1)
        u4.save(update_fields=["warranty_override_until"])
        t1 = ticket(u1, at(3, 2), at(3, 5))
        t2 = ticket(u2, at(3, 3), at(3, 10), reopened=1)
        t3 = ticket(u3, at(3, 4), at(3, 6))
        t4 = ticket(u4, at(3, 5), at(3, 8))
        ticket(u1, at(3, 20))  # T5
        ticket(u3, at(5, 20))  # T6
        t7 = ticket(None, at(3, 1), at(3, 5))
        ticket(u2, at(2, 1), at(2, 10))  # T8
        pump = make_part(tenant_a, "P-PUMP", cost="70.00")
        hose = make_part(tenant_a, "P-HOSE", cost="10.00", name_zh="进水管")
        move(tenant_a, t1, pump, MovementKind.CONSUMED, 2, at=at(3, 4))
        move(tenant_a, t1, pump, MovementKind.RETURNED, 1, at=at(3, 5))
        move(tenant_a, t2, hose, MovementKind.CONSUMED, 3, at=at(3, 9))
        move(tenant_a, t7, pump, MovementKind.CONSUMED, 5, at=at(3, 5))
        move(tenant_a, t7, pump, MovementKind.CONSUMED, 10, at=at(4, 2))  # April: not March
        for t, status, total, decided in (
            (t1, "approved", "100.00", at(3, 4)),
            (t2, "approved", "300.00", at(3, 9)),
            (t4, "declined", "999.00", at(3, 7)),
            (t3, "approved", "50.00", at(4, 1)),
        ):
            Quote.objects.create(
                tenant=tenant_a, ticket=t, customer=customer, status=status,
                total=Decimal(total), decided_at=decided,
            )  # fmt: skip
        yield KpiSource(
            tenant=tenant_a,
            period=Period(date(2026, 3, 1), date(2026, 4, 1), zone),
            filters=KpiFilters(),
        )


def test_every_after_sales_figure_matches_the_hand_count(march, django_assert_num_queries):
    with django_assert_num_queries(5):
        report = aftersales(march)
    assert report.figures == {
        "repairs_in_warranty": 2,
        "repairs_out_of_warranty": 2,
        "quote_total_average": Decimal("200.00"),
        "parts_cost_average": Decimal("25.00"),
        "repair_success_rate": Decimal("50.00"),
        "repeat_repair_rate_30": Decimal("25.00"),
        "repeat_repair_rate_90": Decimal("50.00"),
    }
    usage = [(row["part_number"], row["quantity"], row["repairs"]) for row in report.parts_usage]
    assert usage == [("P-PUMP", 6, 2), ("P-HOSE", 3, 1)]
    assert [row["part_number"] for row in report.top_parts] == ["P-PUMP", "P-HOSE"]
    products = [(row["model_code"], row["repairs"]) for row in report.top_products]
    assert products == [("WM-800", 4), ("DW-300", 1)]


def test_an_empty_period_has_no_rates_rather_than_zero(march):
    empty = KpiSource(
        tenant=march.tenant, period=Period(date(2025, 1, 1), date(2025, 2, 1), march.period.zone)
    )
    figures = aftersales(empty).figures
    assert figures["repair_success_rate"] is None and figures["parts_cost_average"] is None
    assert figures["repairs_in_warranty"] == 0


def test_the_dashboard_and_its_csv_show_the_after_sales_section(march, admin_a):
    query = "?start=2026-03-01&end=2026-04-01"
    page = client_for(admin_a).get("/reports/" + query)
    html = page.content.decode()
    assert page.status_code == 200
    assert "After-sales" in html and "Repair success rate" in html and "WM-800" in html
    export = client_for(admin_a).get("/reports/export/aftersales.csv" + query)
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig"))))
    assert ["Repair success rate", "50.00", "percent"] in rows
    assert ["P-PUMP", "Part P-PUMP", "6", "2"] in rows
