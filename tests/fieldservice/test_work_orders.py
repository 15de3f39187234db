"""Creating work orders (RMA numbers, addresses), the details of moves, and double-booking."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from django_scopes import scope

from customers.services import ErasureCause
from fieldservice import services
from fieldservice.models import WorkOrder, WorkOrderEvent, WorkOrderKind
from fieldservice.models import WorkOrderStatus as S
from tests.factories import MembershipFactory, UserFactory
from tests.fieldservice.helpers import ADDRESS, installed_unit, make_work_order, window
from tests.tickets.helpers import make_customer, make_ticket
from tickets.erasure import tickets_personal_data_erase

pytestmark = pytest.mark.django_db
DEPOT = WorkOrderKind.DEPOT_REPAIR


@pytest.fixture
def technician(tenant_a):
    with scope(tenant=tenant_a):
        return MembershipFactory(tenant=tenant_a, user=UserFactory(email="wang@acme.test"))


def schedule(work_order, technician, start_hour, hours=2, actor=None):
    start, end = window(start_hour, hours)
    return services.work_order_schedule(
        work_order=work_order, actor=actor, technician=technician, start=start, end=end
    )


# --- RMA numbers ----------------------------------------------------------------------------------


def test_it_numbers_depot_repairs_consecutively_per_tenant(tenant_a, tenant_b, admin_a, outsider):
    with scope(tenant=tenant_a):
        first_a = [make_work_order(tenant_a, admin_a, kind=DEPOT).rma_number for _ in range(3)]
        visit = make_work_order(tenant_a, admin_a)
    with scope(tenant=tenant_b):
        first_b = make_work_order(tenant_b, outsider, kind=DEPOT).rma_number
    with scope(tenant=tenant_a):
        fourth_a = make_work_order(tenant_a, admin_a, kind=DEPOT).rma_number
    assert first_a == ["RMA-000001", "RMA-000002", "RMA-000003"]
    assert fourth_a == "RMA-000004"
    assert first_b == "RMA-000001"
    assert visit.rma_number == ""


def test_a_new_depot_repair_is_received_and_audited(tenant_a, admin_a):
    with scope(tenant=tenant_a):
        repair = make_work_order(tenant_a, admin_a, kind=DEPOT, inbound_tracking=" SF42 ")
        [row] = WorkOrderEvent.objects.filter(work_order=repair)
    assert (repair.status, repair.inbound_tracking, repair.address) == (S.RECEIVED, "SF42", "")
    assert (row.action, row.new_value, row.actor) == ("created", S.RECEIVED, admin_a)


# --- addresses ------------------------------------------------------------------------------------


def test_a_visit_takes_the_units_installation_address(tenant_a, admin_a):
    with scope(tenant=tenant_a):
        customer = make_customer(tenant_a)
        unit = installed_unit(tenant_a, customer)
        ticket = make_ticket(tenant_a, customer=customer, unit=unit)
        visit = services.work_order_create(
            tenant=tenant_a, actor=admin_a, ticket=ticket, kind=WorkOrderKind.ON_SITE
        )
    assert (visit.unit, visit.address, visit.status) == (unit, ADDRESS, S.UNSCHEDULED)


def test_it_refuses_a_visit_without_an_address(tenant_a, admin_a):
    with scope(tenant=tenant_a):
        ticket = make_ticket(tenant_a, customer=make_customer(tenant_a))
        with pytest.raises(ValidationError) as refused:
            services.work_order_create(
                tenant=tenant_a, actor=admin_a, ticket=ticket, kind=WorkOrderKind.ON_SITE
            )
        assert not WorkOrder.objects.exists()
    assert "address" in refused.value.message_dict


def test_it_refuses_another_tenants_ticket(tenant_a, tenant_b, outsider, admin_a):
    with scope(tenant=tenant_b):
        foreign = make_ticket(tenant_b, customer=make_customer(tenant_b))
    with scope(tenant=tenant_a), pytest.raises(ValidationError) as refused:
        services.work_order_create(tenant=tenant_a, actor=admin_a, ticket=foreign, kind=DEPOT)
    assert "ticket" in refused.value.message_dict


# --- moves ----------------------------------------------------------------------------------------


def test_a_visit_checks_in_on_site_and_out_on_completion(tenant_a, admin_a, technician):
    with scope(tenant=tenant_a):
        visit = schedule(make_work_order(tenant_a, admin_a), technician, 9)
        for status in (S.EN_ROUTE, S.ON_SITE):
            services.work_order_move(work_order=visit, actor=technician, status=status)
        assert visit.checked_in_at is not None and visit.checked_out_at is None
        services.work_order_move(work_order=visit, actor=technician, status=S.COMPLETED)
    assert visit.checked_out_at >= visit.checked_in_at


def test_it_needs_a_reason_when_a_visit_could_not_be_completed(tenant_a, admin_a):
    with scope(tenant=tenant_a):
        visit = make_work_order(tenant_a, admin_a)
        WorkOrder.objects.filter(pk=visit.pk).update(status=S.ON_SITE)
        visit.refresh_from_db()
        with pytest.raises(ValidationError) as refused:
            services.work_order_move(work_order=visit, actor=admin_a, status=S.COULD_NOT_COMPLETE)
        assert WorkOrder.objects.get(pk=visit.pk).status == S.ON_SITE
        services.work_order_move(
            work_order=visit, actor=admin_a, status=S.COULD_NOT_COMPLETE, reason="No power"
        )
    assert "reason" in refused.value.message_dict
    assert (visit.status, visit.outcome_reason) == (S.COULD_NOT_COMPLETE, "No power")


def test_it_needs_the_return_tracking_number_to_ship_back(tenant_a, admin_a):
    with scope(tenant=tenant_a):
        repair = make_work_order(tenant_a, admin_a, kind=DEPOT)
        WorkOrder.objects.filter(pk=repair.pk).update(status=S.QUALITY_CHECK)
        repair.refresh_from_db()
        with pytest.raises(ValidationError) as refused:
            services.work_order_move(work_order=repair, actor=admin_a, status=S.SHIPPED_BACK)
        services.work_order_move(
            work_order=repair, actor=admin_a, status=S.SHIPPED_BACK, tracking="SF9"
        )
    assert "tracking" in refused.value.message_dict
    assert (repair.status, repair.return_tracking) == (S.SHIPPED_BACK, "SF9")


def test_it_names_both_statuses_when_it_refuses_a_move(tenant_a, admin_a):
    with scope(tenant=tenant_a):
        repair = make_work_order(tenant_a, admin_a, kind=DEPOT)
        with pytest.raises(ValidationError) as refused:
            services.work_order_move(work_order=repair, actor=admin_a, status=S.DELIVERED)
    assert refused.value.message_dict["status"] == ["Cannot go from Received to Delivered."]


def test_a_move_made_meanwhile_by_someone_else_refuses_the_stale_one(tenant_a, admin_a):
    with scope(tenant=tenant_a):
        repair = make_work_order(tenant_a, admin_a, kind=DEPOT)
        stale = WorkOrder.objects.get(pk=repair.pk)
        services.work_order_move(work_order=repair, actor=admin_a, status=S.DIAGNOSED)
        with pytest.raises(ValidationError):
            services.work_order_move(work_order=stale, actor=admin_a, status=S.DIAGNOSED)
        assert WorkOrderEvent.objects.filter(work_order=repair, field="status").count() == 1


# --- double-booking -------------------------------------------------------------------------------


def test_it_refuses_an_overlapping_window_for_the_same_technician(tenant_a, admin_a, technician):
    with scope(tenant=tenant_a):
        schedule(make_work_order(tenant_a, admin_a), technician, 9)
        second = make_work_order(tenant_a, admin_a)
        with pytest.raises(ValidationError) as refused:
            schedule(second, technician, 10)
        second.refresh_from_db()
    assert "technician" in refused.value.message_dict
    assert (second.status, second.technician) == (S.UNSCHEDULED, None)


def test_it_books_adjacent_windows_and_other_technicians(tenant_a, admin_a, technician):
    with scope(tenant=tenant_a):
        schedule(make_work_order(tenant_a, admin_a), technician, 9)
        after = schedule(make_work_order(tenant_a, admin_a), technician, 11)
        other = schedule(make_work_order(tenant_a, admin_a), admin_a, 9)
    assert (after.status, after.technician) == (S.SCHEDULED, technician)
    assert (other.status, other.technician) == (S.SCHEDULED, admin_a)


def test_a_finished_visit_no_longer_holds_the_technicians_time(tenant_a, admin_a, technician):
    with scope(tenant=tenant_a):
        first = schedule(make_work_order(tenant_a, admin_a), technician, 9)
        WorkOrder.objects.filter(pk=first.pk).update(status=S.COMPLETED)
        second = schedule(make_work_order(tenant_a, admin_a), technician, 9)
    assert second.status == S.SCHEDULED


def test_it_refuses_an_empty_window_and_an_inactive_technician(tenant_a, admin_a, technician):
    with scope(tenant=tenant_a):
        visit = make_work_order(tenant_a, admin_a)
        with pytest.raises(ValidationError) as empty:
            schedule(visit, technician, 9, hours=0)
        technician.is_active = False
        with pytest.raises(ValidationError) as inactive:
            schedule(visit, technician, 9)
    assert "end" in empty.value.message_dict
    assert "technician" in inactive.value.message_dict


def test_it_refuses_another_tenants_technician(tenant_a, admin_a, outsider):
    with scope(tenant=tenant_a):
        visit = make_work_order(tenant_a, admin_a)
        with pytest.raises(ValidationError) as refused:
            schedule(visit, outsider, 9)
    assert "technician" in refused.value.message_dict


def test_it_refuses_a_move_in_simplified_chinese(tenant_a, admin_a):
    with scope(tenant=tenant_a), translation.override("zh-hans"):
        repair = make_work_order(tenant_a, admin_a, kind=DEPOT)
        with pytest.raises(ValidationError) as refused:
            services.work_order_move(work_order=repair, actor=admin_a, status=S.DELIVERED)
    assert refused.value.message_dict["status"] == ["无法从“已收件”变更为“已签收”。"]


# --- personal data --------------------------------------------------------------------------------


def test_erasing_a_tickets_personal_data_blanks_its_work_orders(tenant_a, admin_a):
    with scope(tenant=tenant_a):
        visit = make_work_order(tenant_a, admin_a)
        WorkOrder.objects.filter(pk=visit.pk).update(
            status=S.COULD_NOT_COMPLETE, outcome_reason="Mrs Li was away", work_done="Looked"
        )
        kept = make_work_order(tenant_a, admin_a)
        tickets_personal_data_erase(tickets=[visit.ticket], cause=ErasureCause.REQUEST)
        visit.refresh_from_db()
        kept.refresh_from_db()
    assert (visit.address, visit.outcome_reason, visit.work_done) == ("", "", "")
    assert visit.status == S.COULD_NOT_COMPLETE
    assert kept.address == ADDRESS
