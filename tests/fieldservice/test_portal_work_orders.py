"""The customer's portal page of a ticket shows its visits and repairs: a visit's window and
technician's first name, a repair's stages with expected dates and its tracking numbers; and
nothing of another customer's or another tenant's."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django_scopes import scope

from customers.tokens import follow_token
from fieldservice import services
from fieldservice.models import WorkOrderKind
from fieldservice.models import WorkOrderStatus as S
from tests.conftest import HOST_B, client_for
from tests.factories import MembershipFactory, UserFactory
from tests.fieldservice.helpers import make_work_order
from tests.tickets.helpers import make_customer, make_ticket

pytestmark = pytest.mark.django_db
DEPOT = WorkOrderKind.DEPOT_REPAIR
TUESDAY_TEN = datetime(2026, 12, 8, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


def portal_page(ticket, host=None):
    token = follow_token(tenant_id=ticket.tenant_id, ticket_id=ticket.pk)
    client = client_for(None) if host is None else client_for(None, host)
    return client.get(reverse("portal_ticket", kwargs={"token": token}))


def shipped_repair(tenant, actor):
    repair = make_work_order(
        tenant, actor, kind=DEPOT, inbound_carrier="SF Express", inbound_tracking="SF1001"
    )
    for status in (S.DIAGNOSED, S.WAITING_FOR_PARTS, S.REPAIRED, S.QUALITY_CHECK):
        services.work_order_move(work_order=repair, actor=actor, status=status)
    services.work_order_move(
        work_order=repair, actor=actor, status=S.SHIPPED_BACK, tracking="SF2002"
    )
    return repair


def test_the_customer_sees_the_repairs_stages_and_tracking_numbers(tenant_a, admin_a):
    with scope(tenant=tenant_a):
        repair = shipped_repair(tenant_a, admin_a)
    page = portal_page(repair.ticket)
    html = page.content.decode()
    assert page.status_code == 200
    assert "Repair RMA-000001" in html
    assert "SF Express SF1001" in html and "SF2002" in html
    for stage in ("Received", "Diagnosed", "Waiting for parts", "Quality check", "Delivered"):
        assert f"<strong>{stage}</strong>" in html, stage
    assert "Waiting for the customer&#x27;s approval" not in html
    assert 'aria-current="step"' in html and "expected" in html


def test_a_visit_shows_its_window_and_the_technicians_first_name_only(tenant_a, admin_a):
    with scope(tenant=tenant_a):
        technician = MembershipFactory(
            tenant=tenant_a, user=UserFactory(full_name="Wang Wei", email="wang.wei@acme.test")
        )
        visit = make_work_order(tenant_a, admin_a)
        services.work_order_schedule(
            work_order=visit,
            actor=admin_a,
            technician=technician,
            start=TUESDAY_TEN,
            end=TUESDAY_TEN + timedelta(hours=2),
        )
    html = portal_page(visit.ticket).content.decode()
    assert "2026-12-08 10:00" in html and "–12:00" in html
    assert "<dd>Wang</dd>" in html
    assert "Wang Wei" not in html and "wang.wei@acme.test" not in html


def test_a_ticket_without_work_orders_shows_no_panel(tenant_a):
    with scope(tenant=tenant_a):
        ticket = make_ticket(tenant_a, customer=make_customer(tenant_a))
    html = portal_page(ticket).content.decode()
    assert "Visits and repairs" not in html


def test_another_customers_link_shows_nothing_of_this_repair(tenant_a, admin_a):
    with scope(tenant=tenant_a):
        shipped_repair(tenant_a, admin_a)
        other = make_ticket(tenant_a, customer=make_customer(tenant_a, email="other@example.test"))
    html = portal_page(other).content.decode()
    assert "RMA-000001" not in html and "SF2002" not in html


def test_a_link_of_tenant_a_shows_nothing_on_another_tenants_host(tenant_a, tenant_b, admin_a):
    with scope(tenant=tenant_a):
        repair = shipped_repair(tenant_a, admin_a)
    page = portal_page(repair.ticket, host=HOST_B)
    assert page.status_code == 404
    assert "RMA-000001" not in page.content.decode()


def test_the_portal_shows_the_stages_in_chinese(tenant_a, admin_a):
    with scope(tenant=tenant_a):
        repair = shipped_repair(tenant_a, admin_a)
    token = follow_token(tenant_id=repair.tenant_id, ticket_id=repair.ticket_id)
    client = client_for(None)
    client.cookies["django_language"] = "zh-hans"
    html = client.get(reverse("portal_ticket", kwargs={"token": token})).content.decode()
    assert "维修单 RMA-000001" in html and "寄回快递单号" in html and "预计" in html
