"""``/api/v1/work-orders/``: create, schedule, move, the refusals as 400s naming the field,
and 404 for what the caller may not see."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.dateparse import parse_datetime
from django_scopes import scope

from fieldservice import services
from fieldservice.models import WorkOrder, WorkOrderEvent
from fieldservice.models import WorkOrderStatus as S
from helpdesk.models import WebhookDelivery
from helpdesk.webhook_subscriptions import webhook_subscription_create
from tests.api.conftest import token_client
from tests.conftest import HOST_A, HOST_B
from tests.fieldservice.helpers import ADDRESS, installed_unit, make_work_order, window
from tests.tickets.helpers import make_customer, make_ticket

pytestmark = pytest.mark.django_db
URL = "/api/v1/work-orders/"


@pytest.fixture
def ticket(tenant_a, admin_a):
    with scope(tenant=tenant_a):
        customer = make_customer(tenant_a)
        unit = installed_unit(tenant_a, customer)
        return make_ticket(tenant_a, customer=customer, unit=unit, actor=admin_a)


def post(client, url, body):
    return client.post(url, body, content_type="application/json")


def times(start_hour=9, hours=2):
    start, end = window(start_hour, hours)
    return {"start": start.isoformat(), "end": end.isoformat()}


def test_it_creates_a_visit_at_the_units_address(api_a, ticket):
    answer = post(api_a, URL, {"ticket": ticket.number, "kind": "on_site", "unit": "SN-FS-1"})
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert (body["ticket"], body["kind"], body["status"]) == (
        ticket.number,
        "on_site",
        "unscheduled",
    )
    assert (body["address"], body["unit"]["serial"], body["rma_number"]) == (ADDRESS, "SN-FS-1", "")


def test_it_creates_a_depot_repair_with_its_rma_number(api_a, ticket):
    body = {"ticket": ticket.number, "kind": "depot_repair", "inbound_tracking": "SF1"}
    answer = post(api_a, URL, body)
    assert answer.status_code == 201
    assert (answer.json()["rma_number"], answer.json()["status"]) == ("RMA-000001", "received")


def test_it_names_the_field_of_a_bad_create(api_a, tenant_a, ticket):
    unknown = post(api_a, URL, {"ticket": 99999, "kind": "on_site"})
    bad_kind = post(api_a, URL, {"ticket": ticket.number, "kind": "repair"})
    assert (unknown.status_code, list(unknown.json())) == (400, ["ticket"])
    assert (bad_kind.status_code, list(bad_kind.json())) == (400, ["kind"])
    with scope(tenant=tenant_a):
        assert not WorkOrder.objects.exists()


def test_it_schedules_moves_and_refuses_double_booking(api_a, tenant_a, admin_a, agent_a):
    with scope(tenant=tenant_a):
        first, second = make_work_order(tenant_a, admin_a), make_work_order(tenant_a, admin_a)
    booking = {"technician": agent_a.pk, **times(9)}
    scheduled = post(api_a, f"{URL}{first.pk}/schedule/", booking)
    clash = post(api_a, f"{URL}{second.pk}/schedule/", {**booking, **times(10)})
    moved = post(api_a, f"{URL}{first.pk}/move/", {"status": "en_route"})
    refused = post(api_a, f"{URL}{first.pk}/move/", {"status": "completed"})
    assert scheduled.status_code == 200
    assert scheduled.json()["technician"] == {"id": agent_a.pk, "name": str(agent_a.user)}
    assert (clash.status_code, list(clash.json())) == (400, ["technician"])
    assert (moved.status_code, moved.json()["status"]) == (200, "en_route")
    assert (refused.status_code, list(refused.json())) == (400, ["status"])
    with scope(tenant=tenant_a):
        assert WorkOrder.objects.get(pk=first.pk).status == S.EN_ROUTE
        assert WorkOrderEvent.objects.filter(work_order=first, field="status").count() == 2


def test_it_lists_with_filters(api_a, tenant_a, admin_a):
    with scope(tenant=tenant_a):
        visit = make_work_order(tenant_a, admin_a)
        repair = make_work_order(tenant_a, admin_a, kind="depot_repair")
    repairs = api_a.get(URL, {"kind": "depot_repair"}).json()["results"]
    unscheduled = api_a.get(URL, {"status": "unscheduled"}).json()["results"]
    assert [row["id"] for row in repairs] == [repair.pk]
    assert [row["id"] for row in unscheduled] == [visit.pk]


def test_an_outsider_gets_404_on_tenant_as_work_orders(tenant_a, admin_a, outsider):
    with scope(tenant=tenant_a):
        visit = make_work_order(tenant_a, admin_a)
    on_a, on_b = token_client(outsider, HOST_A), token_client(outsider, HOST_B)
    assert on_a.get(f"{URL}{visit.pk}/").status_code == 404
    assert post(on_a, f"{URL}{visit.pk}/move/", {"status": "scheduled"}).status_code == 404
    assert on_b.get(f"{URL}{visit.pk}/").status_code == 404
    assert post(on_b, f"{URL}{visit.pk}/move/", {"status": "scheduled"}).status_code == 404
    assert on_b.get(URL).json()["results"] == []


def test_another_tenants_ticket_number_is_unknown(tenant_a, tenant_b, admin_a, api_a):
    with scope(tenant=tenant_a):
        make_work_order(tenant_a, admin_a)  # tenant A's ticket 1
    with scope(tenant=tenant_b):
        customer = make_customer(tenant_b)
        make_ticket(tenant_b, customer=customer)
        only_in_b = make_ticket(tenant_b, customer=customer)  # number 2
    created = post(api_a, URL, {"ticket": only_in_b.number, "kind": "depot_repair"})
    assert (created.status_code, list(created.json())) == (400, ["ticket"])
    with scope(tenant=tenant_a):
        assert WorkOrder.objects.count() == 1


def test_it_sends_the_work_order_and_repair_webhooks(api_a, tenant_a, admin_a, agent_a, settings):
    settings.HELPDESK_WEBHOOK_ALLOW_PRIVATE = True
    with scope(tenant=tenant_a):
        webhook_subscription_create(
            tenant=tenant_a,
            url="http://127.0.0.1:9/hook",
            events=["work_order.scheduled", "work_order.completed", "repair.stage_changed"],
        )
        visit = make_work_order(tenant_a, admin_a)
        repair = make_work_order(tenant_a, admin_a, kind="depot_repair")
    post(api_a, f"{URL}{visit.pk}/schedule/", {"technician": agent_a.pk, **times(9)})
    for status in ("en_route", "on_site", "completed"):
        post(api_a, f"{URL}{visit.pk}/move/", {"status": status})
    post(api_a, f"{URL}{repair.pk}/move/", {"status": "diagnosed"})
    with scope(tenant=tenant_a):
        sent = list(WebhookDelivery.objects.order_by("pk").values_list("event", "payload"))
    assert [event for event, _payload in sent] == [
        "work_order.scheduled",
        "work_order.completed",
        "repair.stage_changed",
    ]
    assert sent[0][1]["work_order"]["technician_id"] == agent_a.pk
    assert sent[2][1]["work_order"]["rma_number"] == "RMA-000001"
    assert sent[2][1]["old_status"] == "received"


def test_the_list_runs_the_same_queries_whatever_the_number_of_rows(
    api_a, tenant_a, admin_a, agent_a, ticket, django_assert_max_num_queries
):
    def add(count, first_hour):
        with scope(tenant=tenant_a):
            for hour in range(first_hour, first_hour + count):
                visit = make_work_order(tenant_a, admin_a, ticket=ticket, unit=ticket.unit)
                start, end = window(hour, hours=1)
                services.work_order_schedule(
                    work_order=visit, actor=admin_a, technician=agent_a, start=start, end=end
                )

    add(2, first_hour=8)
    with CaptureQueriesContext(connection) as few:
        assert len(api_a.get(URL).json()["results"]) == 2
    add(4, first_hour=12)
    with django_assert_max_num_queries(len(few.captured_queries)):
        rows = api_a.get(URL).json()["results"]
    assert len(rows) == 6 and all(row["unit"]["serial"] == "SN-FS-1" for row in rows)


def test_it_shows_each_kinds_promise_and_filters_by_due_time_and_colour(api_a, tenant_a, admin_a):
    with scope(tenant=tenant_a):
        visit = make_work_order(tenant_a, admin_a)
        repair = make_work_order(tenant_a, admin_a, kind="depot_repair")
    rows = {row["id"]: row for row in api_a.get(URL).json()["results"]}
    soon = api_a.get(URL, {"due_before": visit.due_at.replace(microsecond=0).isoformat()})
    by_3_days = (visit.created_at + timedelta(days=3)).isoformat()
    within_3_days = api_a.get(URL, {"due_before": by_3_days}).json()["results"]
    green = api_a.get(URL, {"target_colour": "green"}).json()["results"]
    bad = api_a.get(URL, {"due_before": "next week"})

    assert parse_datetime(rows[visit.pk]["on_site_due_at"]) == visit.due_at
    assert rows[visit.pk]["turnaround_due_at"] is None
    assert parse_datetime(rows[repair.pk]["turnaround_due_at"]) == repair.due_at
    assert rows[repair.pk]["on_site_due_at"] is None
    assert rows[visit.pk]["target_colour"] == "green"
    assert soon.json()["results"] == []  # due_before is exclusive and the visit is due later
    assert [row["id"] for row in within_3_days] == [visit.pk]
    assert sorted(row["id"] for row in green) == sorted([visit.pk, repair.pk])
    assert (bad.status_code, list(bad.json())) == (400, ["due_before"])
