"""The customer kept informed by e-mail: one message per change worth telling, in the
customer's language, sent once however often the task or the catch-up runs; and the
reminder the day before a visit, once per appointment window."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.db import connection
from django_scopes import scope

from fieldservice import customer_notices, services
from fieldservice.models import FieldServiceSettings, WorkOrder, WorkOrderKind, WorkOrderNotice
from fieldservice.models import WorkOrderStatus as S
from fieldservice.tasks import (
    catch_up_work_order_notices,
    send_visit_reminders,
    send_work_order_notice,
)
from fieldservice.work_order_edits import work_order_update
from tests.factories import MembershipFactory, UserFactory
from tests.fieldservice.helpers import make_work_order
from tests.tickets.helpers import make_customer, make_ticket

pytestmark = pytest.mark.django_db
DEPOT = WorkOrderKind.DEPOT_REPAIR
# Tenant A is in Asia/Shanghai (UTC+8): 02:00 UTC is 10:00 there, on Monday 7 December.
MONDAY_MORNING = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)
TUESDAY_TEN = datetime(2026, 12, 8, 2, 0, tzinfo=UTC)


@pytest.fixture
def technician(tenant_a):
    with scope(tenant=tenant_a):
        return MembershipFactory(
            tenant=tenant_a, user=UserFactory(full_name="Wang Wei", email="wang@acme.test")
        )


@pytest.fixture
def customer_zh(tenant_a):
    with scope(tenant=tenant_a):
        customer = make_customer(tenant_a, email="mei@example.test")
        customer.language = "zh-hans"
        customer.save(update_fields=["language"])
        return customer


def new_work_order(tenant, actor, customer=None, **values):
    ticket = make_ticket(tenant, customer=customer or make_customer(tenant))
    return make_work_order(tenant, actor, ticket=ticket, **values)


def book(visit, technician, actor, start=TUESDAY_TEN, hours=2):
    return services.work_order_schedule(
        work_order=visit,
        actor=actor,
        technician=technician,
        start=start,
        end=start + timedelta(hours=hours),
    )


def sent():
    """The work-order e-mails sent (not the ticket's own acknowledgement)."""
    return [
        message
        for message in mail.outbox
        if "<work-order-notice." in message.extra_headers.get("Message-ID", "")
    ]


def subjects():
    return [message.subject for message in sent()]


# --- one e-mail per change ------------------------------------------------------------------------


def test_a_new_repair_is_announced_with_its_rma_number_and_a_portal_link(
    tenant_a, admin_a, django_capture_on_commit_callbacks
):
    with scope(tenant=tenant_a), django_capture_on_commit_callbacks(execute=True):
        repair = new_work_order(tenant_a, admin_a, kind=DEPOT, inbound_tracking="SF42")
    [message] = sent()
    assert message.subject == f"Repair RMA-000001 opened for your request #{repair.ticket.number}"
    assert message.to == [repair.ticket.customer.email]
    assert "SF42" in message.body
    assert "https://acme." in message.body and "/support/t/" in message.body


def test_each_stage_of_a_repair_is_told_once_with_the_return_tracking_number(
    tenant_a, admin_a, django_capture_on_commit_callbacks
):
    with scope(tenant=tenant_a):
        repair = new_work_order(tenant_a, admin_a, kind=DEPOT)
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            for status in (S.DIAGNOSED, S.REPAIRED, S.QUALITY_CHECK):
                services.work_order_move(work_order=repair, actor=admin_a, status=status)
            services.work_order_move(
                work_order=repair, actor=admin_a, status=S.SHIPPED_BACK, tracking="SF99"
            )
    assert subjects() == [
        "Repair RMA-000001: Diagnosed",
        "Repair RMA-000001: Repaired",
        "Repair RMA-000001: Quality check",
        "Repair RMA-000001: Shipped back",
    ]
    assert "Return tracking number: SF99" in sent()[-1].body
    assert "SF99" not in sent()[0].body


def test_a_visit_gets_its_confirmation_on_the_way_and_completion_messages(
    tenant_a, admin_a, technician, django_capture_on_commit_callbacks
):
    with scope(tenant=tenant_a), django_capture_on_commit_callbacks(execute=True):
        visit = new_work_order(tenant_a, admin_a)
        book(visit, technician, admin_a)
        for status in (S.EN_ROUTE, S.ON_SITE, S.COMPLETED):
            services.work_order_move(work_order=visit, actor=admin_a, status=status)
    number = visit.ticket.number
    assert subjects() == [
        f"Your visit for request #{number} is booked",
        f"Our technician is on the way (request #{number})",
        f"Visit completed for your request #{number}",
    ]
    confirmation = sent()[0].body
    # 02:00 UTC is 10:00 in the tenant's time zone; the technician by first name only.
    assert "When: 2026-12-08, between 10:00 and 12:00" in confirmation
    assert "Technician: Wang\n" in confirmation
    assert "wang@acme.test" not in confirmation


def test_a_new_window_sends_a_new_confirmation(
    tenant_a, admin_a, technician, django_capture_on_commit_callbacks
):
    with scope(tenant=tenant_a), django_capture_on_commit_callbacks(execute=True):
        visit = new_work_order(tenant_a, admin_a)
        book(visit, technician, admin_a)
        book(visit, technician, admin_a, start=TUESDAY_TEN + timedelta(hours=4))
    assert len(sent()) == 2
    assert "between 14:00 and 16:00" in sent()[1].body


def test_it_writes_in_the_customers_language(
    tenant_a, admin_a, customer_zh, django_capture_on_commit_callbacks
):
    with scope(tenant=tenant_a), django_capture_on_commit_callbacks(execute=True):
        repair = new_work_order(tenant_a, admin_a, customer=customer_zh, kind=DEPOT)
        services.work_order_move(work_order=repair, actor=admin_a, status=S.DIAGNOSED)
    assert sent()[0].subject.startswith("已为您的请求")
    assert "维修单 RMA-000001" in sent()[1].subject
    assert "维修进度" in sent()[1].body


def test_the_task_run_twice_sends_nothing_twice(
    tenant_a, admin_a, django_capture_on_commit_callbacks
):
    with scope(tenant=tenant_a), django_capture_on_commit_callbacks(execute=True):
        new_work_order(tenant_a, admin_a, kind=DEPOT)
    with scope(tenant=tenant_a):
        notice = WorkOrderNotice.objects.get()
    again = send_work_order_notice.apply(
        kwargs={"tenant_id": tenant_a.pk, "notice_id": notice.pk}
    ).get()
    assert again is False
    assert len(sent()) == 1


def test_the_catch_up_sends_what_a_lost_task_left_owed_once(tenant_a, admin_a):
    # No on-commit callbacks run here: as if the broker had been down.
    with scope(tenant=tenant_a):
        repair = new_work_order(tenant_a, admin_a, kind=DEPOT)
        WorkOrderNotice.objects.update(created_at=repair.created_at - timedelta(minutes=5))
    assert catch_up_work_order_notices() == 1
    assert catch_up_work_order_notices() == 0
    assert len(sent()) == 1


def test_a_customer_without_an_email_address_is_owed_nothing(tenant_a, admin_a):
    with scope(tenant=tenant_a):
        customer = make_customer(tenant_a)
        customer.email = ""
        customer.save(update_fields=["email"])
        new_work_order(tenant_a, admin_a, customer=customer, kind=DEPOT)
        assert not WorkOrderNotice.objects.exists()


def test_changing_the_address_tells_the_customer_nothing(tenant_a, admin_a):
    with scope(tenant=tenant_a):
        visit = new_work_order(tenant_a, admin_a)
        work_order_update(work_order=visit, actor=admin_a, address="2 Other Road")
        assert not WorkOrderNotice.objects.exists()


# --- the reminder the day before ------------------------------------------------------------------


def run_reminders(tenant, now=MONDAY_MORNING):
    with scope(tenant=tenant):
        return customer_notices.visit_reminders_send(tenant=tenant, now=now)


def test_the_reminder_goes_once_however_often_the_sweep_runs(
    tenant_a, admin_a, technician, django_capture_on_commit_callbacks
):
    with scope(tenant=tenant_a):
        visit = new_work_order(tenant_a, admin_a)
        book(visit, technician, admin_a)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert run_reminders(tenant_a) == 1
        assert run_reminders(tenant_a) == 0
    assert subjects() == [
        f"Reminder: our technician visits you tomorrow (request #{visit.ticket.number})"
    ]
    with scope(tenant=tenant_a):
        visit.refresh_from_db()
    assert visit.reminder_sent_for == TUESDAY_TEN


def test_a_rescheduled_visit_is_reminded_again_for_its_new_window(
    tenant_a, admin_a, technician, django_capture_on_commit_callbacks
):
    with scope(tenant=tenant_a):
        visit = new_work_order(tenant_a, admin_a)
        book(visit, technician, admin_a)
    assert run_reminders(tenant_a) == 1
    with scope(tenant=tenant_a):
        book(visit, technician, admin_a, start=TUESDAY_TEN + timedelta(hours=3))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert run_reminders(tenant_a) == 1
        assert run_reminders(tenant_a) == 0
    [reminder] = sent()
    assert reminder.subject.startswith("Reminder:")
    assert "between 13:00 and 15:00" in reminder.body


def test_no_reminder_for_a_visit_not_tomorrow_or_before_the_morning(tenant_a, admin_a, technician):
    with scope(tenant=tenant_a):
        book(
            new_work_order(tenant_a, admin_a),
            technician,
            admin_a,
            start=TUESDAY_TEN + timedelta(days=1),
        )
    assert run_reminders(tenant_a) == 0
    # 06:00 in Shanghai the day before: too early to write to a customer.
    with scope(tenant=tenant_a):
        book(new_work_order(tenant_a, admin_a), technician, admin_a)
    assert run_reminders(tenant_a, now=MONDAY_MORNING - timedelta(hours=4)) == 0
    assert run_reminders(tenant_a) == 1


def test_a_tenant_that_turned_reminders_off_sends_none(tenant_a, admin_a, technician):
    with scope(tenant=tenant_a):
        FieldServiceSettings.objects.create(tenant=tenant_a, send_reminders=False)
        book(new_work_order(tenant_a, admin_a), technician, admin_a)
    assert run_reminders(tenant_a) == 0


def test_the_beat_task_covers_every_tenant(tenant_a, admin_a, technician, monkeypatch):
    with scope(tenant=tenant_a):
        book(new_work_order(tenant_a, admin_a), technician, admin_a)
    monkeypatch.setattr(customer_notices.timezone, "now", lambda: MONDAY_MORNING)
    assert send_visit_reminders() == 1
    assert send_visit_reminders() == 0


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_sweeps_send_one_reminder(tenant_a, admin_a, technician):
    if connection.vendor != "postgresql":
        pytest.skip("row locks under concurrency: PostgreSQL only")
    with scope(tenant=tenant_a):
        visit = new_work_order(tenant_a, admin_a)
        book(visit, technician, admin_a)
    barrier = threading.Barrier(2)
    claimed = []

    def sweep():
        try:
            barrier.wait()
            claimed.append(run_reminders(tenant_a))
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(claimed) == [0, 1]
    with scope(tenant=tenant_a):
        assert WorkOrderNotice.objects.filter(kind="reminder").count() == 1
        assert WorkOrder.objects.get(pk=visit.pk).reminder_sent_for == TUESDAY_TEN
