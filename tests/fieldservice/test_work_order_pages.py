"""The agent's work-order pages: the list and its filters, a work order with its moves (and
the refused ones), scheduling, editing, creation from a ticket, the ticket page's panel, and
who sees what (outsiders get 404; a technician only their own jobs)."""

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from fieldservice import services
from fieldservice.models import TechnicianProfile, WorkOrder, WorkOrderEvent, WorkOrderKind
from fieldservice.models import WorkOrderStatus as S
from helpdesk.models import Role, Skill
from tests.conftest import client_for
from tests.factories import MembershipFactory, UserFactory
from tests.fieldservice.helpers import ADDRESS, installed_unit, make_work_order, window
from tests.tickets.helpers import make_customer, make_ticket

pytestmark = pytest.mark.django_db
DEPOT = WorkOrderKind.DEPOT_REPAIR
LIST = reverse("fieldservice_work_orders")
NEW = reverse("fieldservice_work_order_new")


def url(name, work_order):
    return reverse(name, kwargs={"pk": work_order.pk})


def detail(work_order):
    return url("fieldservice_work_order", work_order)


@pytest.fixture
def technician(tenant_a):
    """A field technician who is not a coordinator."""
    with scope(tenant=tenant_a):
        member = MembershipFactory(
            tenant=tenant_a, user=UserFactory(full_name="Wang Wei"), role=Role.AGENT
        )
        TechnicianProfile.objects.create(tenant=tenant_a, membership=member)
    return member


def schedule(work_order, technician, actor, start_hour=9):
    start, end = window(start_hour)
    return services.work_order_schedule(
        work_order=work_order, actor=actor, technician=technician, start=start, end=end
    )


# --- list -----------------------------------------------------------------------------------------


def test_the_list_filters_by_kind_status_and_technician(
    tenant_a, admin_a, admin_client_a, technician
):
    with scope(tenant=tenant_a):
        repair = make_work_order(tenant_a, admin_a, kind=DEPOT)
        visit = make_work_order(tenant_a, admin_a)
        booked = schedule(make_work_order(tenant_a, admin_a), technician, admin_a)

    def listed(query):
        page = admin_client_a.get(LIST, query)
        assert page.status_code == 200
        return {row.pk for row in page.context["page"].rows}

    assert listed({}) == {repair.pk, visit.pk, booked.pk}
    assert listed({"kind": DEPOT}) == {repair.pk}
    assert listed({"status": S.UNSCHEDULED}) == {visit.pk}
    assert listed({"technician": technician.pk}) == {booked.pk}


def test_the_list_shows_only_overdue_work_orders_when_asked(tenant_a, admin_a, admin_client_a):
    now = timezone.now()
    with scope(tenant=tenant_a):
        late, on_time, kept = (make_work_order(tenant_a, admin_a) for _ in range(3))
        WorkOrder.objects.filter(pk=late.pk).update(due_at=now - timedelta(hours=1))
        WorkOrder.objects.filter(pk=on_time.pk).update(due_at=now + timedelta(hours=1))
        WorkOrder.objects.filter(pk=kept.pk).update(
            due_at=now - timedelta(hours=1), due_met_at=now - timedelta(hours=2)
        )
    page = admin_client_a.get(LIST, {"overdue": "on"})
    assert [row.pk for row in page.context["page"].rows] == [late.pk]


def test_the_list_runs_a_fixed_number_of_queries(
    tenant_a, admin_a, admin_client_a, django_assert_max_num_queries
):
    with scope(tenant=tenant_a):
        for _ in range(6):
            make_work_order(tenant_a, admin_a)
    with django_assert_max_num_queries(12):
        page = admin_client_a.get(LIST)
    assert len(page.context["page"].rows) == 6


def test_a_technician_who_is_not_a_coordinator_sees_only_their_own_jobs(
    tenant_a, admin_a, technician
):
    with scope(tenant=tenant_a):
        mine = schedule(make_work_order(tenant_a, admin_a), technician, admin_a)
        other = make_work_order(tenant_a, admin_a)
    client = client_for(technician)
    assert [row.pk for row in client.get(LIST).context["page"].rows] == [mine.pk]
    assert client.get(detail(mine)).status_code == 200
    assert client.get(detail(other)).status_code == 404
    assert (
        client.post(url("fieldservice_work_order_edit", other), {"region": "x"}).status_code == 404
    )


def test_a_coordinating_technician_sees_every_job(tenant_a, admin_a, technician):
    with scope(tenant=tenant_a):
        TechnicianProfile.objects.filter(membership=technician).update(is_coordinator=True)
        other = make_work_order(tenant_a, admin_a)
    assert client_for(technician).get(detail(other)).status_code == 200


# --- detail and moves -----------------------------------------------------------------------------


def test_the_detail_shows_the_repair_its_stages_and_history(tenant_a, admin_a, admin_client_a):
    with scope(tenant=tenant_a):
        repair = make_work_order(
            tenant_a, admin_a, kind=DEPOT, inbound_carrier="SF Express", inbound_tracking="SF42"
        )
    page = admin_client_a.get(detail(repair))
    text = page.content.decode()
    assert page.status_code == 200
    assert "RMA-000001" in text and "SF Express SF42" in text
    assert [step.status for step in page.context["steps"]][:2] == [S.RECEIVED, S.DIAGNOSED]
    assert [event.action for event, _label in page.context["events"]] == ["created"]
    assert [move[0] for move in page.context["moves"]] == [S.DIAGNOSED]


def test_a_move_the_table_allows_is_made_and_recorded(tenant_a, admin_a, admin_client_a):
    with scope(tenant=tenant_a):
        repair = make_work_order(tenant_a, admin_a, kind=DEPOT)
    answer = admin_client_a.post(
        url("fieldservice_work_order_move", repair), {"status": "diagnosed"}
    )
    assert answer.status_code == 302
    with scope(tenant=tenant_a):
        repair.refresh_from_db()
        last = WorkOrderEvent.objects.filter(work_order=repair).last()
    assert repair.status == S.DIAGNOSED
    assert (last.action, last.old_value, last.new_value, last.actor) == (
        "status_changed",
        S.RECEIVED,
        S.DIAGNOSED,
        admin_a,
    )


def test_a_move_the_table_refuses_is_answered_with_a_clear_error(tenant_a, admin_a, admin_client_a):
    with scope(tenant=tenant_a):
        repair = make_work_order(tenant_a, admin_a, kind=DEPOT)
    answer = admin_client_a.post(
        url("fieldservice_work_order_move", repair), {"status": "delivered"}
    )
    assert answer.status_code == 400
    assert "Cannot go from Received to Delivered." in answer.content.decode()
    with scope(tenant=tenant_a):
        repair.refresh_from_db()
    assert repair.status == S.RECEIVED


def test_shipping_back_asks_for_the_return_tracking_number(tenant_a, admin_a, admin_client_a):
    with scope(tenant=tenant_a):
        repair = make_work_order(tenant_a, admin_a, kind=DEPOT)
        for status in (S.DIAGNOSED, S.REPAIRED, S.QUALITY_CHECK):
            services.work_order_move(work_order=repair, actor=admin_a, status=status)
    move = url("fieldservice_work_order_move", repair)
    refused = admin_client_a.post(move, {"status": "shipped_back", "tracking": " "})
    assert refused.status_code == 400
    assert "Give the return tracking number." in refused.content.decode()
    assert (
        admin_client_a.post(move, {"status": "shipped_back", "tracking": "SF77"}).status_code == 302
    )
    with scope(tenant=tenant_a):
        repair.refresh_from_db()
    assert (repair.status, repair.return_tracking) == (S.SHIPPED_BACK, "SF77")


def test_could_not_complete_asks_a_reason(tenant_a, admin_a, admin_client_a, technician):
    with scope(tenant=tenant_a):
        visit = schedule(make_work_order(tenant_a, admin_a), technician, admin_a)
        for status in (S.EN_ROUTE, S.ON_SITE):
            services.work_order_move(work_order=visit, actor=admin_a, status=status)
    move = url("fieldservice_work_order_move", visit)
    refused = admin_client_a.post(move, {"status": "could_not_complete"})
    assert refused.status_code == 400
    assert "Say why the visit could not be completed." in refused.content.decode()
    admin_client_a.post(move, {"status": "could_not_complete", "reason": "Nobody home"})
    with scope(tenant=tenant_a):
        visit.refresh_from_db()
    assert (visit.status, visit.outcome_reason) == (S.COULD_NOT_COMPLETE, "Nobody home")


def test_scheduling_books_the_technician_and_refuses_a_double_booking(
    tenant_a, admin_a, admin_client_a, technician
):
    with scope(tenant=tenant_a):
        first, second = make_work_order(tenant_a, admin_a), make_work_order(tenant_a, admin_a)
    booking = {"technician": technician.pk, "day": "2026-12-08", "start": "09:00", "end": "11:00"}
    booked = admin_client_a.post(url("fieldservice_work_order_schedule", first), booking)
    clash = admin_client_a.post(url("fieldservice_work_order_schedule", second), booking)
    assert booked.status_code == 302
    assert clash.status_code == 400
    assert "This technician has another visit in this window." in clash.content.decode()
    with scope(tenant=tenant_a):
        first.refresh_from_db()
        second.refresh_from_db()
    assert (first.status, first.technician) == (S.SCHEDULED, technician)
    # The tenant's time zone (Asia/Shanghai by default) reads the typed times.
    local_start = timezone.localtime(first.appointment_start, ZoneInfo(tenant_a.time_zone))
    assert (local_start.date().isoformat(), local_start.hour) == ("2026-12-08", 9)
    assert second.status == S.UNSCHEDULED


def test_editing_changes_the_address_and_audits_it(tenant_a, admin_a, admin_client_a):
    with scope(tenant=tenant_a):
        visit = make_work_order(tenant_a, admin_a)
    edit = url("fieldservice_work_order_edit", visit)
    refused = admin_client_a.post(edit, {"address": "", "region": "North"})
    saved = admin_client_a.post(edit, {"address": "1 New Street", "region": "North"})
    assert (
        refused.status_code == 400 and "Give the address of the visit." in refused.content.decode()
    )
    assert saved.status_code == 302
    with scope(tenant=tenant_a):
        visit.refresh_from_db()
        changed = WorkOrderEvent.objects.filter(work_order=visit, action="changed")
        fields = sorted(changed.values_list("field", flat=True))
    assert (visit.address, visit.region, fields) == ("1 New Street", "North", ["address", "region"])
    history = admin_client_a.get(detail(visit)).content.decode()
    assert "changed region: North" in history


def test_the_pages_work_in_chinese(tenant_a, admin_a, admin_client_a):
    with scope(tenant=tenant_a):
        repair = make_work_order(tenant_a, admin_a, kind=DEPOT)
    admin_client_a.cookies["django_language"] = "zh-hans"
    listed = admin_client_a.get(LIST).content.decode()
    shown = admin_client_a.get(detail(repair)).content.decode()
    assert "服务单" in listed
    assert "维修阶段" in shown


# --- creation from the ticket ---------------------------------------------------------------------


def test_the_form_takes_the_units_installation_address(tenant_a, admin_a, admin_client_a):
    with scope(tenant=tenant_a):
        customer = make_customer(tenant_a)
        ticket = make_ticket(tenant_a, customer=customer, unit=installed_unit(tenant_a, customer))
    page = admin_client_a.get(NEW, {"ticket": ticket.number, "kind": "on_site"})
    assert page.status_code == 200
    assert page.context["form"].initial["address"] == ADDRESS


def test_it_creates_a_visit_from_the_ticket(tenant_a, admin_a, admin_client_a):
    with scope(tenant=tenant_a):
        ticket = make_ticket(tenant_a, customer=make_customer(tenant_a))
        skill = Skill.objects.create(tenant=tenant_a, name="plumbing")
    answer = admin_client_a.post(
        NEW,
        {
            "ticket": ticket.number,
            "kind": "on_site",
            "address": ADDRESS,
            "region": "Chaoyang",
            "required_skills": [skill.pk],
        },
    )
    with scope(tenant=tenant_a):
        visit = WorkOrder.objects.get(ticket=ticket)
        skills = list(visit.required_skills.all())
    assert answer.status_code == 302 and answer["Location"] == detail(visit)
    assert (visit.kind, visit.address, visit.region, skills) == (
        "on_site",
        ADDRESS,
        "Chaoyang",
        [skill],
    )


def test_a_bad_creation_keeps_what_was_typed(tenant_a, admin_a, admin_client_a):
    with scope(tenant=tenant_a):
        ticket = make_ticket(tenant_a, customer=make_customer(tenant_a))
    answer = admin_client_a.post(
        NEW, {"ticket": ticket.number, "kind": "on_site", "address": "", "region": "Haidian"}
    )
    assert answer.status_code == 400
    assert "Give the address of the visit." in answer.content.decode()
    assert 'value="Haidian"' in answer.content.decode()
    with scope(tenant=tenant_a):
        assert not WorkOrder.objects.exists()


def test_a_depot_repair_created_from_the_ticket_gets_its_rma_number(
    tenant_a, admin_a, admin_client_a
):
    with scope(tenant=tenant_a):
        ticket = make_ticket(tenant_a, customer=make_customer(tenant_a))
    admin_client_a.post(NEW, {"ticket": ticket.number, "kind": DEPOT, "inbound_tracking": "YT123"})
    with scope(tenant=tenant_a):
        repair = WorkOrder.objects.get(ticket=ticket)
    assert (repair.rma_number, repair.inbound_tracking) == ("RMA-000001", "YT123")


def test_the_ticket_page_lists_its_work_orders(tenant_a, admin_a, admin_client_a):
    with scope(tenant=tenant_a):
        ticket = make_ticket(tenant_a, customer=make_customer(tenant_a))
        repair = make_work_order(tenant_a, admin_a, kind=DEPOT, ticket=ticket)
        make_work_order(tenant_a, admin_a)  # another ticket's
    page = admin_client_a.get(reverse("ticket_detail", kwargs={"number": ticket.number}))
    text = page.content.decode()
    assert page.status_code == 200
    assert detail(repair) in text and "RMA-000001" in text
    assert len(re.findall(r'href="/work-orders/\d+/"', text)) == 1
    assert f"{NEW}?ticket={ticket.number}&amp;kind=on_site" in text


# --- outsiders ------------------------------------------------------------------------------------


def test_an_outsider_gets_404_on_every_work_order_page(tenant_a, admin_a, outsider_client):
    with scope(tenant=tenant_a):
        visit = make_work_order(tenant_a, admin_a)
    assert outsider_client.get(LIST).status_code == 404
    assert outsider_client.get(NEW, {"ticket": visit.ticket.number}).status_code == 404
    assert outsider_client.get(detail(visit)).status_code == 404
    for name in ("move", "schedule", "edit"):
        posted = outsider_client.post(url(f"fieldservice_work_order_{name}", visit), {})
        assert posted.status_code == 404, name


def test_a_member_of_the_desk_cannot_open_another_tenants_work_order(
    tenant_b, outsider, admin_client_a
):
    with scope(tenant=tenant_b):
        theirs = make_work_order(tenant_b, outsider)
    assert admin_client_a.get(detail(theirs)).status_code == 404
    assert admin_client_a.get(NEW, {"ticket": theirs.ticket.number + 1000}).status_code == 404


def test_without_a_ticket_the_form_asks_for_its_number(admin_client_a):
    page = admin_client_a.get(NEW)
    assert page.status_code == 200
    assert 'name="ticket"' in page.content.decode()
    assert admin_client_a.get(NEW, {"ticket": "abc"}).status_code == 404
