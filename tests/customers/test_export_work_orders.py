"""The customer's work orders in their personal-data export, and what erasure leaves of them."""

from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django_scopes import scope

from customers.selectors import customer_export
from customers.services import ErasureCause, customer_anonymise
from fieldservice import services
from fieldservice.models import WorkOrder, WorkOrderKind, WorkOrderPhoto
from fieldservice.models import WorkOrderStatus as S
from tests.fieldservice.helpers import ADDRESS, make_work_order, window
from tests.tickets.helpers import make_customer, make_ticket
from tickets.erasure import tickets_personal_data_erase

pytestmark = pytest.mark.django_db
SIGNED_AT = datetime(2026, 12, 8, 11, 5, tzinfo=UTC)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _completed_visit(tenant, actor, customer):
    """A visit to ``customer``, scheduled with ``actor``, checked in and out, signed, with a
    photo. Precondition: in the tenant's scope."""
    visit = make_work_order(tenant, actor, ticket=make_ticket(tenant, customer=customer))
    start, end = window()
    services.work_order_schedule(
        work_order=visit, actor=actor, technician=actor, start=start, end=end
    )
    for status in (S.EN_ROUTE, S.ON_SITE, S.COMPLETED):
        services.work_order_move(work_order=visit, actor=actor, status=status)
    visit.signature.save("signature.png", ContentFile(PNG), save=False)
    WorkOrder.objects.filter(pk=visit.pk).update(
        signature=visit.signature.name,
        signed_by="Mrs Li Na",
        signed_at=SIGNED_AT,
        work_done="Replaced the drain pump in Mrs Li's kitchen",
    )
    photo = WorkOrderPhoto(tenant=tenant, work_order=visit, caption="Leak under the sink")
    photo.file.save("photo.jpg", ContentFile(b"\xff\xd8\xff" + b"\x00" * 32), save=True)
    visit.refresh_from_db()
    return visit


@pytest.fixture
def li_na(tenant_a):
    with scope(tenant=tenant_a):
        return make_customer(tenant_a, email="li.na@example.cn")


@pytest.fixture
def visit(tenant_a, admin_a, li_na):
    with scope(tenant=tenant_a):
        return _completed_visit(tenant_a, admin_a, li_na)


def _export(customer) -> dict:
    with scope(tenant=customer.tenant):
        return customer_export(customer=customer)


def test_it_exports_the_customers_work_orders(tenant_a, admin_a, li_na, visit):
    with scope(tenant=tenant_a):
        repair = make_work_order(
            tenant_a,
            admin_a,
            kind=WorkOrderKind.DEPOT_REPAIR,
            ticket=make_ticket(tenant_a, customer=li_na),
            inbound_carrier="SF Express",
            inbound_tracking="SF1234567890",
        )
    rows = {row["id"]: row for row in _export(li_na)["work_orders"]}
    assert set(rows) == {visit.pk, repair.pk}
    on_site = rows[visit.pk]
    assert (on_site["kind"], on_site["status"], on_site["address"]) == (
        "on_site",
        "completed",
        ADDRESS,
    )
    assert on_site["ticket"] == visit.ticket.number
    assert on_site["appointment_start"] == visit.appointment_start.isoformat()
    assert on_site["checked_in_at"] and on_site["checked_out_at"]
    assert on_site["work_done"] == "Replaced the drain pump in Mrs Li's kitchen"
    assert (on_site["signed"], on_site["signed_by"]) == (True, "Mrs Li Na")
    assert on_site["signed_at"] == SIGNED_AT.isoformat()
    assert on_site["photos"] == [
        {"caption": "Leak under the sink", "created_at": on_site["photos"][0]["created_at"]}
    ]
    assert [event["new_value"] for event in on_site["history"]] == [
        "unscheduled",
        "scheduled",
        "en_route",
        "on_site",
        "completed",
    ]
    depot = rows[repair.pk]
    assert (depot["rma_number"], depot["inbound_carrier"], depot["inbound_tracking"]) == (
        "RMA-000001",
        "SF Express",
        "SF1234567890",
    )
    assert (depot["signed"], depot["return_tracking"]) == (False, "")


def test_it_exports_no_work_order_of_another_customer_or_tenant(
    tenant_a, tenant_b, admin_a, outsider, li_na, visit
):
    with scope(tenant=tenant_a):
        neighbour = make_customer(tenant_a, email="zhao.lei@example.cn")
        make_work_order(
            tenant_a,
            admin_a,
            ticket=make_ticket(tenant_a, customer=neighbour),
            address="99 Zhao Lei Lane",
        )
    with scope(tenant=tenant_b):
        # The same address in another desk: the tenant scope keeps it out.
        stranger = make_customer(tenant_b, email="li.na@example.cn")
        make_work_order(
            tenant_b, outsider, ticket=make_ticket(tenant_b, customer=stranger), address="Globex"
        )
    export = _export(li_na)
    assert [row["id"] for row in export["work_orders"]] == [visit.pk]
    text = str(export)
    assert "99 Zhao Lei Lane" not in text and "Globex" not in text


def test_erasure_blanks_the_signer_and_deletes_signature_and_photos(
    tenant_a, admin_a, visit, django_capture_on_commit_callbacks
):
    with scope(tenant=tenant_a):
        photo = visit.photos.get()
    files = [Path(settings.MEDIA_ROOT) / name for name in (visit.signature.name, photo.file.name)]
    assert all(path.exists() for path in files)
    with scope(tenant=tenant_a), django_capture_on_commit_callbacks(execute=True):
        tickets_personal_data_erase(tickets=[visit.ticket], cause=ErasureCause.REQUEST)
    assert not any(path.exists() for path in files)
    with scope(tenant=tenant_a):
        visit.refresh_from_db()
        assert not WorkOrderPhoto.objects.filter(work_order=visit).exists()
    assert (visit.signed_by, visit.signature.name, visit.work_done, visit.address) == ("",) * 4
    # What the reports count stays.
    assert (visit.status, visit.signed_at) == (S.COMPLETED, SIGNED_AT)
    assert visit.checked_in_at is not None and visit.appointment_start is not None


def test_anonymising_the_customer_leaves_nothing_personal_in_the_export(
    tenant_a, admin_a, li_na, visit, django_capture_on_commit_callbacks
):
    with scope(tenant=tenant_a), django_capture_on_commit_callbacks(execute=True):
        customer_anonymise(customer=li_na, by=admin_a, reason="Asked on the phone")
    [row] = _export(li_na)["work_orders"]
    assert (row["address"], row["work_done"], row["signed_by"], row["signed"]) == (
        "",
        "",
        "",
        False,
    )
    assert row["photos"] == [] and row["status"] == "completed"
