"""The personal-data retention period: its setting, and the sweep that erases closed tickets
past it (once, whatever runs it how often) and anonymises customers left with nothing newer."""

import threading
from datetime import timedelta

import pytest
from celery import current_app
from django.conf import settings
from django.db import connection, connections
from django.utils import timezone
from django_scopes import scope

from customers.models import Customer, CustomerEvent
from reports.kpis import kpis_as_dict
from reports.rollup import rollup_refresh
from tests.conftest import client_for
from tests.factories import MembershipFactory, UserFactory
from tests.reports.conftest import NOW, _build_week
from tickets import services as ticket_services
from tickets.models import Attachment, Status, Ticket, TicketEvent
from tickets.retention import retention_sweep
from tickets.tasks import sweep_personal_data_retention

from .privacy_helpers import png, tenant_rows_text

ERASED = "[removed after the retention period]"


def keep_for(tenant, days):
    tenant.personal_data_retention_days = days
    tenant.save(update_fields=["personal_data_retention_days"])


def customer(tenant, name: str) -> Customer:
    with scope(tenant=tenant):
        email = name.lower().replace(" ", ".") + "@example.cn"
        return Customer.objects.create(tenant=tenant, name=name, email=email, phone="13700000000")


def closed_ticket(tenant, owner: Customer, *, days_ago: int, subject: str) -> Ticket:
    """A phone ticket with a file and a reply by the customer, closed ``days_ago`` days ago."""
    with scope(tenant=tenant):
        ticket = ticket_services.ticket_create(
            tenant=tenant,
            customer=owner,
            subject=subject,
            description=f"{owner.name} called about it.",
            caller=owner.name,
            attachments=[png("receipt.png")],
        )
        ticket_services.ticket_customer_reply(ticket=ticket, customer=owner, body="Any news?")
        for status in (Status.RESOLVED, Status.CLOSED):
            ticket_services.ticket_change_status(ticket=ticket, actor=None, status=status)
        closed_at = timezone.now() - timedelta(days=days_ago)
        Ticket.objects.filter(pk=ticket.pk).update(closed_at=closed_at)
        return Ticket.objects.get(pk=ticket.pk)


def reload(ticket: Ticket) -> Ticket:
    with scope(tenant=ticket.tenant):
        return Ticket.objects.get(pk=ticket.pk)


def anonymised(person: Customer) -> bool:
    with scope(tenant=person.tenant):
        return Customer.objects.get(pk=person.pk).anonymised_at is not None


# --- the sweep ----------------------------------------------------------------------------------


def test_it_erases_closed_tickets_past_the_period_and_keeps_recent_ones(tenant_a):
    keep_for(tenant_a, 30)
    li = customer(tenant_a, "Li Lei")
    old = closed_ticket(tenant_a, li, days_ago=40, subject="Li Lei's oven")
    recent = closed_ticket(tenant_a, li, days_ago=10, subject="Li Lei's fridge")
    closed_at = old.closed_at
    assert retention_sweep() == {"tickets": 1, "customers": 0}
    old, recent = reload(old), reload(recent)
    assert (old.subject, old.description, old.caller) == (ERASED, ERASED, "")
    assert old.personal_data_erased_at is not None
    assert (old.status, old.closed_at) == (Status.CLOSED, closed_at)
    with scope(tenant=tenant_a):
        assert set(old.messages.values_list("body", flat=True)) == {ERASED}
        assert not Attachment.objects.filter(message__ticket=old).exists()
        assert Attachment.objects.filter(message__ticket=recent).exists()
        assert TicketEvent.objects.get(ticket=old, action="personal_data_erased").actor is None
    assert (recent.subject, recent.caller) == ("Li Lei's fridge", "Li Lei")
    assert recent.personal_data_erased_at is None
    assert not anonymised(li)  # the fridge ticket is still within the period


def test_it_keeps_open_tickets_whatever_their_age(tenant_a):
    keep_for(tenant_a, 30)
    han = customer(tenant_a, "Han Meimei")
    with scope(tenant=tenant_a):
        ticket = ticket_services.ticket_create(tenant=tenant_a, customer=han, subject="Han's TV")
        Ticket.objects.filter(pk=ticket.pk).update(created_at=timezone.now() - timedelta(days=400))
    assert retention_sweep() == {"tickets": 0, "customers": 0}
    assert reload(ticket).subject == "Han's TV"


def test_it_anonymises_a_customer_once_their_last_ticket_is_past_the_period(tenant_a):
    keep_for(tenant_a, 30)
    li = customer(tenant_a, "Li Lei")
    closed_ticket(tenant_a, li, days_ago=40, subject="Li Lei's oven")
    fridge = closed_ticket(tenant_a, li, days_ago=10, subject="Li Lei's fridge")
    retention_sweep()
    assert not anonymised(li)
    later = timezone.now() + timedelta(days=25)
    assert retention_sweep(now=later) == {"tickets": 1, "customers": 1}
    assert reload(fridge).subject == ERASED
    with scope(tenant=tenant_a):
        li = Customer.objects.get(pk=li.pk)
        event = li.events.get(action="anonymised")
    assert (li.name, li.email, li.phone) == (f"Anonymised customer #{li.pk}", "", "")
    assert (event.actor, event.data["cause"]) == (None, "retention")


def test_it_changes_nothing_on_a_second_run(tenant_a):
    keep_for(tenant_a, 30)
    closed_ticket(tenant_a, customer(tenant_a, "Li Lei"), days_ago=40, subject="Oven")
    closed_ticket(tenant_a, customer(tenant_a, "Han Meimei"), days_ago=5, subject="Fridge")
    assert retention_sweep() == {"tickets": 1, "customers": 1}
    after_first = tenant_rows_text(tenant_a)
    assert retention_sweep() == {"tickets": 0, "customers": 0}
    assert tenant_rows_text(tenant_a) == after_first


def test_it_leaves_tenants_that_keep_personal_data_alone(tenant_a, tenant_b):
    keep_for(tenant_a, 0)  # 0, like empty, keeps it for ever
    kept_a = closed_ticket(tenant_a, customer(tenant_a, "Li Lei"), days_ago=900, subject="A")
    kept_b = closed_ticket(tenant_b, customer(tenant_b, "Wu Di"), days_ago=900, subject="B")
    assert retention_sweep() == {"tickets": 0, "customers": 0}
    assert (reload(kept_a).subject, reload(kept_b).subject) == ("A", "B")
    keep_for(tenant_b, 30)
    assert retention_sweep() == {"tickets": 1, "customers": 1}
    assert (reload(kept_a).subject, reload(kept_b).subject) == ("A", ERASED)


def test_it_keeps_every_kpi_through_the_sweep(tenant_a, admin_a, agent_a):
    agent_b = MembershipFactory(tenant=tenant_a, user=UserFactory(email="agent.b@acme.test"))
    with scope(tenant=tenant_a):
        week = _build_week(tenant_a, agent_a, agent_b, admin_a)
        # Close the resolved ones a day after their resolution, so the sweep has more to do.
        for ticket in Ticket.objects.filter(status=Status.RESOLVED):
            closed_at = ticket.resolved_at + timedelta(days=1)
            Ticket.objects.filter(pk=ticket.pk).update(status=Status.CLOSED, closed_at=closed_at)
        rollup_refresh(tenant=tenant_a, now=NOW, full=True)
        sources = [week.source(), week.source(tier=week.vip.pk)]
        before = [kpis_as_dict(source, compare=False) for source in sources]
    keep_for(tenant_a, 1)
    # T1, T2, T3 and T5 are closed; the VIP customer had only T1, C1 still has T4 open.
    assert retention_sweep(now=NOW) == {"tickets": 4, "customers": 1}
    with scope(tenant=tenant_a):
        rollup_refresh(tenant=tenant_a, now=NOW, full=True)
        assert [kpis_as_dict(source, compare=False) for source in sources] == before


def test_it_runs_from_celery_beat(tenant_a):
    entry = next(
        e
        for e in settings.CELERY_BEAT_SCHEDULE.values()
        if e["task"] == "tickets.tasks.sweep_personal_data_retention"
    )
    assert entry["schedule"] > 0
    keep_for(tenant_a, 30)
    ticket = closed_ticket(tenant_a, customer(tenant_a, "Li Lei"), days_ago=31, subject="Oven")
    assert sweep_personal_data_retention.delay().get() == {"tickets": 1, "customers": 1}
    assert reload(ticket).subject == ERASED


def test_it_still_runs_a_sweep_queued_under_the_task_s_old_name(tenant_a):
    keep_for(tenant_a, 30)
    ticket = closed_ticket(tenant_a, customer(tenant_a, "Li Lei"), days_ago=31, subject="Oven")
    queued = current_app.tasks["customers.tasks.sweep_personal_data_retention"]
    assert queued.delay().get() == {"tickets": 1, "customers": 1}
    assert reload(ticket).subject == ERASED


# --- the setting ----------------------------------------------------------------------------------


def test_it_lets_the_tenant_admin_set_the_retention_period(tenant_a, admin_a):
    client = client_for(admin_a)
    assert "Privacy and data retention" in client.get("/settings/").content.decode()
    assert client.get("/settings/privacy/").status_code == 200
    response = client.post("/settings/privacy/", {"personal_data_retention_days": "365"})
    assert response.status_code == 302
    tenant_a.refresh_from_db()
    assert tenant_a.personal_data_retention_days == 365
    client.post("/settings/privacy/", {"personal_data_retention_days": ""})
    tenant_a.refresh_from_db()
    assert tenant_a.personal_data_retention_days is None


def test_it_refuses_a_negative_retention_period(tenant_a, admin_a):
    response = client_for(admin_a).post("/settings/privacy/", {"personal_data_retention_days": -1})
    assert response.status_code == 400
    tenant_a.refresh_from_db()
    assert tenant_a.personal_data_retention_days is None


def test_it_hides_the_privacy_settings_from_agents_and_outsiders(agent_a, outsider_client):
    for client in (client_for(agent_a), outsider_client):
        assert client.get("/settings/privacy/").status_code == 404
        data = {"personal_data_retention_days": "1"}
        assert client.post("/settings/privacy/", data).status_code == 404


# --- two sweepers at once (PostgreSQL row locks) -------------------------------------------------

CUSTOMERS, TICKETS_EACH = 6, 5


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_sweeps_erase_each_ticket_and_anonymise_each_customer_once(tenant_a):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks (SKIP LOCKED); CI runs this on PostgreSQL")
    keep_for(tenant_a, 30)
    people = [customer(tenant_a, f"Customer {n}") for n in range(CUSTOMERS)]
    for round_ in range(TICKETS_EACH):  # interleaved, so every batch mixes customers
        for n, person in enumerate(people):
            days = 40 + round_ * CUSTOMERS + n
            closed_ticket(tenant_a, person, days_ago=days, subject=f"Ticket {n}/{round_}")
    barrier = threading.Barrier(2)
    handled, errors = [], []

    def sweep():
        try:
            barrier.wait()
            handled.append(retention_sweep(batch_size=4))
        except Exception as error:  # surfaced by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(h["tickets"] for h in handled) == CUSTOMERS * TICKETS_EACH
    assert sum(h["customers"] for h in handled) == CUSTOMERS
    with scope(tenant=tenant_a):
        erased = TicketEvent.objects.filter(action="personal_data_erased")
        assert erased.count() == CUSTOMERS * TICKETS_EACH
        assert CustomerEvent.objects.filter(action="anonymised").count() == CUSTOMERS
        assert not Ticket.objects.filter(personal_data_erased_at__isnull=True).exists()
    assert retention_sweep() == {"tickets": 0, "customers": 0}
